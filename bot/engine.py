"""The engine: question in, Answer out. Pure Python, no Slack import. (Skeleton; being written.)"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answer import Answer


@dataclass(frozen=True)
class AskContext:
    """Who is asking and their saved defaults; all optional."""

    user_id: str | None = None
    locality: str | None = None
    setting: str | None = None


class Engine:
    @classmethod
    def load(cls) -> Engine:
        return cls()

    def answer(self, question: str, context: AskContext | None = None) -> Answer:
        return Answer(status="help", intent="help", headline="I answer CPT questions.")
