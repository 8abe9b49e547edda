"""How one code changed between two fee schedule years."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer
from bot.answers.codes import finish

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def answer(ask: Ask, engine: Engine) -> Answer:
    kb = engine.kb
    if len(ask.span) < 2:
        new = ask.span[-1] if ask.span else kb.newest_year
        return replies.not_found(f"I have only CY{new}, so there is nothing to compare it with.", year=new)
    old, new = ask.span
    return finish(replies.change(kb, ask.codes[0], kb.years[old], kb.years[new]), ask, engine)
