"""Modifiers: what the named ones mean (and how they differ), or which fit a described situation.

The reply keeps, of each modifier, what the question bears on: when to use it always, what Medicare pays
when the question is about money, when not to use it when it compares or doubts; the whole explanation
stays in the full card.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer, Section

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

MONEY = re.compile(r"\b(pay|pays|paid|payment|reduce|reduces|reduced|reduction|reimburse\w*|amount|percent|%|"
                   r"how much|fee|price)\b", re.I)
DOUBT = re.compile(r"\b(not|never|instead|vs|versus|difference|differ|wrong|correct|right|or|either|both|"
                   r"required|need|needed|necessary|must|should)\b", re.I)


def answer(ask: Ask, engine: Engine) -> Answer:
    kb = engine.kb
    if ask.modifiers:
        ans = replies.modifier_answer([kb.modifiers[m] for m in ask.modifiers], "modifier")
    else:
        mods = [kb.modifiers[c] for c in ask.modifier_choices]
        head = mods[0]
        headline = f"Use modifier {head.code} ({head.name}): {head.summary}"
        if len(mods) > 1:
            headline += " Also consider " + ", ".join(f"{m.code} ({m.name})" for m in mods[1:]) + "."
        ans = replies.modifier_answer(mods, "modifier_which", headline)
    return focus(ans, ask.reading.text)


def focus(ans: Answer, text: str) -> Answer:
    """Keep the facts the question bears on; the untrimmed sections become the full card."""
    keep = {"Use it when"}
    if MONEY.search(text):
        keep.add("Payment")
    if DOUBT.search(text):
        keep.add("Not when")
    whole = list(ans.sections)
    ans.sections = [Section(s.title, [f for f in s.facts if f.label in keep],
                            "" if s.body and s.body in ans.headline else s.body) for s in whole]
    if ans.sections != whole:
        ans.full = [*whole, *ans.details]
    return ans
