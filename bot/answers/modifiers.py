"""Modifiers: what the named ones mean (and how they differ), or which fit a described situation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def answer(ask: Ask, engine: Engine) -> Answer:
    kb = engine.kb
    if ask.modifiers:
        return replies.modifier_answer([kb.modifiers[m] for m in ask.modifiers], "modifier")
    mods = [kb.modifiers[c] for c in ask.modifier_choices]
    head = mods[0]
    headline = f"Use modifier {head.code} ({head.name}): {head.summary}"
    if len(mods) > 1:
        headline += " Also consider " + ", ".join(f"{m.code} ({m.name})" for m in mods[1:]) + "."
    return replies.modifier_answer(mods, "modifier_which", headline)
