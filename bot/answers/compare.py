"""Codes side by side in one year."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer
from bot.answers.codes import finish

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def answer(ask: Ask, engine: Engine) -> Answer:
    return finish(replies.compare(engine.kb, ask.codes, ask.fy, ask.settings), ask, engine)
