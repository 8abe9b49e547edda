"""What global indicators mean, asked without a code ("what does MMM global mean")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def answer(ask: Ask, engine: Engine) -> Answer:
    return replies.global_period_answer(engine.kb, ask.entities.global_periods)
