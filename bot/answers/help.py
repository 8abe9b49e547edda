"""What the bot can do, with one example question per intent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def answer(ask: Ask | None, engine: Engine) -> Answer:
    examples = [i.examples[0] for i in engine.intents if i.examples and i.name not in ("out_of_scope", "help")]
    return replies.help_answer(engine.kb, examples)
