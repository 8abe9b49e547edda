"""One question from one person: the single entry point the CLI and the Slack layer both call.

It exists so that the CLI, a DM, a mention and `/cpt` give the same answer to the same question: the
caller passes who is asking (for their saved locality and setting) and gets an `Answer` back.
"""

from __future__ import annotations

from bot.answer import Answer
from bot.engine import AskContext, Engine


def ask(engine: Engine, question: str, user_id: str | None = None) -> Answer:
    """Answer `question` for `user_id` (None for an anonymous caller)."""
    return engine.answer(question, AskContext(user_id=user_id))
