"""How long the replies are: `cptbot reply-sizes questions.yaml` answers every question and measures.

Short answers are a feature people notice ("an answer that needs scrolling has failed"), so they are
measured like speed: the median length of the short reply for one-fact questions (answered, about at most
one code), the longest reply, how many exceed 3,000 characters, and whether every Slack message stays
within Block Kit's limits. Only lengths and counts are printed, never the questions.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from pathlib import Path

import yaml

from bot.answer import Answer
from bot.engine import Engine
from bot.record import Record, field
from bot.render import render_blocks, render_text
from bot.render.blocks import MAX_BLOCKS, MAX_FIELD_TEXT, MAX_FIELDS, MAX_HEADER, MAX_SECTION_TEXT

LONG = 3000


class SizeReport(Record):
    lengths: list[int] = field(default_factory=list)
    one_fact: list[int] = field(default_factory=list)
    full: list[int] = field(default_factory=list)
    block_problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def med(xs: list[int]) -> str:
            return f"{statistics.median(xs):.0f}" if xs else "-"

        long = sum(n > LONG for n in self.lengths)
        return [f"replies: {len(self.lengths)}; median {med(self.lengths)} characters, longest "
                f"{max(self.lengths, default=0)}, over {LONG:,}: {long}",
                f"one-fact questions (answered, at most one code): {len(self.one_fact)}; median "
                f"{med(self.one_fact)} characters",
                f"full cards (--full / Details): median {med(self.full)}, longest {max(self.full, default=0)}",
                f"Slack messages outside Block Kit limits: {len(self.block_problems)}"
                + "".join(f"\n  {p}" for p in self.block_problems[:10])]


def block_problems(blocks: list[dict]) -> list[str]:
    """What Slack would refuse in one message's blocks (the limits `bot.render.blocks` promises)."""
    out = []
    if not 0 < len(blocks) <= MAX_BLOCKS:
        out.append(f"{len(blocks)} blocks")
    for b in blocks:
        if b["type"] == "header" and len(b["text"]["text"]) > MAX_HEADER:
            out.append("header too long")
        if b["type"] == "section":
            if len(b.get("text", {}).get("text", "")) > MAX_SECTION_TEXT:
                out.append("section text too long")
            fields = b.get("fields", [])
            if len(fields) > MAX_FIELDS or any(len(f["text"]) > MAX_FIELD_TEXT for f in fields):
                out.append("fields over the limit")
    return out


def measure(engine: Engine, questions: Iterable[str]) -> SizeReport:
    report = SizeReport()
    for i, q in enumerate(questions, 1):
        answer: Answer = engine.answer(q)
        n = len(render_text(answer))
        report.lengths.append(n)
        if answer.status == "answered" and len(answer.codes) <= 1:
            report.one_fact.append(n)
        report.full.append(len(render_text(answer, full=True)))
        for full in (False, True):
            report.block_problems += [f"question {i}{' (full)' if full else ''}: {p}"
                                      for p in block_problems(render_blocks(answer, full=full, question=q))]
    return report


def questions_of(paths: Iterable[Path]) -> list[str]:
    """The `q` of every case in the YAML question files (the eval and dev sets' format)."""
    out = []
    for path in paths:
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(case, dict) and "q" in case:
                out.append(str(case["q"]))
    return out
