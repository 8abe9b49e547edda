"""The Answer: what the engine decided, as data, before it becomes text or Slack blocks.

The engine fills an `Answer`; `bot.render.text` and `bot.render.blocks` turn it into a terminal/fallback
text and into Block Kit, and `bot.render.answer_json` into the JSON `cptbot ask --json` prints. The Answer
imports no renderer: the CLI and the Slack layer call the one they need. Tests assert on the data (status,
codes, modifiers, year, facts), so wording can change without breaking what the tests protect.
"""

from __future__ import annotations

from typing import Literal

from bot.record import Record, field

Status = Literal["answered", "clarify", "not_found", "out_of_scope", "help"]
STATUSES: tuple[str, ...] = ("answered", "clarify", "not_found", "out_of_scope", "help")


class Fact(Record, frozen=True):
    """One labelled value, e.g. ("Work RVU", "3.34"). Rendered as a Block Kit field or a text line."""

    label: str
    value: str


class Section(Record):
    """A titled group of facts and/or a paragraph of prose."""

    title: str
    facts: list[Fact] = field(default_factory=list)
    body: str = ""


class Choice(Record, frozen=True):
    """One option offered when the engine asks back (`clarify`): pressing it asks `question`."""

    code: str
    label: str
    question: str


class Answer(Record):
    """The engine's reply to one question.

    `codes` are most relevant first; `headline` is the one-sentence direct answer; `sections` carry the
    supporting facts that bear on the ask, `details` everything else a full card shows; `source` cites
    year, CMS release and conversion factor whenever a number is shown.
    `title` is the header (e.g. "57461 · LEEP conization of the cervix") when the answer is about codes.
    """

    status: Status
    intent: str
    headline: str
    codes: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)
    year: int | None = None
    title: str = ""
    sections: list[Section] = field(default_factory=list)
    # The rest of the full card: left out of the short reply, one step away (Slack's Details button,
    # `cptbot ask --full`). `sections` holds only what bears on what was asked.
    details: list[Section] = field(default_factory=list)
    # The whole card, when the short reply trimmed a section (bot.answers.focus); None: sections + details.
    full: list[Section] | None = None
    choices: list[Choice] = field(default_factory=list)
    source: str = ""
    notes: list[str] = field(default_factory=list)
    # What the person asked to remember ({"locality": "13202-01"}, {"setting": "office"}, {"clear": "all"}).
    # The engine never stores anything itself: the caller (bot.ask) saves it for the person asking.
    remember: dict[str, str] = field(default_factory=dict)
