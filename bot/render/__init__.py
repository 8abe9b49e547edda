"""Renderings of an Answer: plain text (CLI, Slack fallback), Block Kit, and the JSON `cptbot ask --json` prints."""

from __future__ import annotations

from bot.answer import Answer
from bot.render.blocks import render_blocks
from bot.render.text import render_text

__all__ = ["answer_json", "render_blocks", "render_text"]


def answer_json(answer: Answer, full: bool = False) -> dict:
    """The JSON shape `cptbot ask --json` prints (and the eval script reads): the short reply, or `full`."""
    return {"status": answer.status, "intent": answer.intent, "codes": list(answer.codes),
            "modifiers": list(answer.modifiers), "year": answer.year, "text": render_text(answer, full),
            "blocks": render_blocks(answer, full=full)}
