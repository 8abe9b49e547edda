"""The conversion factor of the years asked about (the newest when none is named)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def answer(ask: Ask, engine: Engine) -> Answer:
    return replies.conversion_factor(engine.kb, sorted(ask.years or [engine.kb.newest_year], reverse=True))
