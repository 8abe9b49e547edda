"""Block Kit rendering of an Answer (placeholder until the Slack layer lands)."""

from __future__ import annotations

from bot.answer import Answer


def render_blocks(answer: Answer) -> list[dict]:
    return [{"type": "section", "text": {"type": "plain_text", "text": answer.text[:3000]}}]
