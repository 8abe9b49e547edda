"""A value of one code: its RVUs, payment, global period, or what it is (the code card, headline first)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer
from bot.answers.codes import finish
from bot.catalog import expand_descriptor
from bot.fees import PRICING_MODIFIERS
from bot.understanding.procedures import close_calls

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


RT_LT = re.compile(r"\bRT\b.*\bLT\b|\bLT\b.*\bRT\b|\b(?:rt|right) and (?:lt|left)\b", re.I)
PRICING_WORDS = re.compile(r"\b(how much|get|gets|paid|pays?|payment|amount|bilateral|both sides)\b", re.I)
MODIFIER_INTENTS = ("modifier", "modifier_which")


def pricing_modifiers(ask: Ask, engine: Engine, code: str, row_modifier: str) -> list[str]:
    """Modifiers that change the amount, asked by code ("58558-53"), by name ("modifier 80", "RT and LT")
    or in words ("how much does the assistant get", "bilateral"), which the modifiers' situations name."""
    r, ent = ask.reading, ask.entities
    asked = [m for m in (ent.code_modifiers.get(code, ""), *ent.modifiers) if m and m != row_modifier]
    if RT_LT.search(r.text) or ("RT" in asked and "LT" in asked):
        asked = ["RT+LT"] + [m for m in asked if m not in ("RT", "LT")]
    if not any(m in PRICING_MODIFIERS for m in asked) and (r.has("payment") or PRICING_WORDS.search(r.text)):
        stems = r.stems(lambda intent: intent not in MODIFIER_INTENTS)
        top = close_calls(engine.modifier_index.search(*stems))[:1]
        asked += [c.code for c in top if c.code in PRICING_MODIFIERS and c.code not in ("52", "53")]
    return [m for m in dict.fromkeys(asked) if m in PRICING_MODIFIERS]


def answer(ask: Ask, engine: Engine) -> Answer:
    kb, fy = engine.kb, ask.fy
    code, modifier = ask.codes[0], ask.component
    row = replies.row_of(fy, code, modifier)
    plain = "" if code in kb.codes else expand_descriptor(row.description, kb.abbreviations, engine.words)
    ans = replies.code_card(kb, code, fy, ask.what, ask.settings, ask.localities, modifier, plain)
    if row.modifier:
        ans.modifiers = [row.modifier]
    priced = []
    for mod in pricing_modifiers(ask, engine, code, row.modifier):
        found = replies.modifier_priced(kb, row, fy, mod, ask.settings, ask.localities[0] if ask.localities else None)
        if found is not None:
            priced.append(found)
    ans.sections[:0] = [section for _, section in priced]
    if priced:  # the amount with the modifier is what was asked: it leads
        ans.headline = " ".join(head for head, _ in priced)
    if ask.state_localities:
        ans.sections.insert(0, replies.state_localities_section(kb, row, fy, ask.state_localities, ask.settings))
    if len(ask.codes) > 1:
        ans.notes.append("You named several codes; this is about " + code + ". Ask `compare "
                         + " ".join(ask.codes) + "` to see them side by side.")
        ans.codes = list(ask.codes)
    return finish(ans, ask, engine)
