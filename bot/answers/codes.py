"""What every answer about named codes adds at its end: the modifiers the question named, and the codes
it could not find. Shared by the code answerers so each says it the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answer import Answer, Fact, Section

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def finish(ans: Answer, ask: Ask, engine: Engine) -> Answer:
    """Append a section per named modifier and a note naming the codes not in the year's schedule."""
    kb = engine.kb
    if ask.intent == "which_code" and ans.status == "answered":
        ans.intent = "which_code"
    if ask.modifiers:
        for m in ask.modifiers:
            mod = kb.modifiers[m]
            ans.sections.append(Section(f"Modifier {m}: {mod.name}", [], mod.summary))
            ans.details.append(Section(f"Modifier {m}: when to use it, and payment", [
                Fact("Use it when", mod.use_when), Fact("Payment", mod.payment)]))
        ans.modifiers = list(dict.fromkeys(ans.modifiers + ask.modifiers))
    if ask.unknown_codes:
        ans.notes.append(f"I don't have {', '.join(ask.unknown_codes)} in the CY{ask.year} fee schedule.")
    return ans
