"""Questions that are not CPT coding: one polite sentence saying what the bot does answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def answer(ask: Ask, engine: Engine) -> Answer:
    return replies.out_of_scope()
