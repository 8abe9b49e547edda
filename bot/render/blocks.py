"""Block Kit rendering of an Answer: what Slack shows, always within Slack's limits.

Every string here came from a person or from data, so every one is escaped (`&`, `<`, `>`) before it
reaches Slack: a question that says `<!channel>` must come back as text, never as a ping. Every limit
Slack enforces (block count, section text, fields, header, button text and value) is applied here, so a
caller can send `render_blocks(answer)` as it is and Slack will not refuse the message.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.answer import Answer, Fact, Section
from bot.render.text import render_text

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK_TEXT = 3000
ELLIPSIS = "…"
CHOICE_ACTION_PREFIX = "cpt_choice_"
DETAILS_ACTION = "cpt_details"
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Slack's three control characters as entities; nothing else changes (backticks still format)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """`text` escaped, cut with "…" so that the escaped result is at most `limit` characters.

    The cut is made on the raw text, so an entity such as `&amp;` is never split in half.
    """
    if len(text) <= limit:  # an escaped text is never shorter than the raw one
        escaped = escape(text)
        if len(escaped) <= limit:
            return escaped
    out: list[str] = []
    size = len(ELLIPSIS)
    for ch in text[:limit]:
        piece = _ESCAPES.get(ch, ch)
        if size + len(piece) > limit:
            break
        out.append(piece)
        size += len(piece)
    return "".join(out).rstrip() + ELLIPSIS


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def plain(text: str, limit: int) -> dict:
    return {"type": "plain_text", "text": fit(text, limit) or ELLIPSIS, "emoji": True}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    """A button whose label and value are cut to Slack's limits (the value is returned verbatim on click)."""
    element = {"type": "button", "text": plain(text, MAX_BUTTON_TEXT), "action_id": action_id,
               "value": value[:MAX_BUTTON_VALUE]}
    if style:
        element["style"] = style
    return element


def header_block(text: str) -> dict:
    return {"type": "header", "text": plain(text, MAX_HEADER)}


def text_block(text: str, bold_title: str = "") -> dict:
    """A section with mrkdwn text; an optional bold first line (the title) is kept whole when it fits."""
    if bold_title:
        title = f"*{fit(bold_title, 200)}*"
        if not text:
            return {"type": "section", "text": mrkdwn(title)}
        return {"type": "section", "text": mrkdwn(title + "\n" + fit(text, MAX_SECTION_TEXT - len(title) - 1))}
    return {"type": "section", "text": mrkdwn(fit(text, MAX_SECTION_TEXT) or ELLIPSIS)}


def context_block(texts: Sequence[str]) -> dict:
    return {"type": "context", "elements": [mrkdwn(fit(t, MAX_SECTION_TEXT)) for t in texts[:MAX_CONTEXT_ELEMENTS]]}


def actions_block(buttons: Sequence[dict]) -> dict:
    return {"type": "actions", "elements": list(buttons[:MAX_ACTION_ELEMENTS])}


def _field(fact: Fact) -> dict:
    label = f"*{fit(fact.label, 200)}*\n" if fact.label else ""
    return mrkdwn(label + (fit(fact.value, MAX_FIELD_TEXT - len(label)) or "-"))


def section_blocks(section: Section) -> list[dict]:
    """A titled section: its facts as fields (ten to a block), its prose as text."""
    blocks: list[dict] = []
    facts = section.facts
    if facts:
        first = {"type": "section", "fields": [_field(f) for f in facts[:MAX_FIELDS]]}
        if section.title:
            first["text"] = mrkdwn(f"*{fit(section.title, MAX_SECTION_TEXT - 2)}*")
        blocks.append(first)
        for start in range(MAX_FIELDS, len(facts), MAX_FIELDS):
            blocks.append({"type": "section", "fields": [_field(f) for f in facts[start:start + MAX_FIELDS]]})
        if section.body:
            blocks.append(text_block(section.body))
    elif section.body or section.title:
        blocks.append(text_block(section.body, section.title))
    return blocks


def choice_buttons(answer: Answer, room: int = MAX_ACTION_ELEMENTS) -> list[dict]:
    """One button per candidate code; a click asks the choice's question (see bot.slack.listeners.actions)."""
    return [button(c.label, f"{CHOICE_ACTION_PREFIX}{i}", c.question)
            for i, c in enumerate(answer.choices[:max(room, 0)])]


def details_button(question: str) -> dict:
    """"Details": a click answers `question` again as the full card, in place of the short reply."""
    return button("Details", DETAILS_ACTION, question)


def render_blocks(answer: Answer, extra_buttons: Sequence[dict] = (), max_blocks: int = MAX_BLOCKS,
                  full: bool = False, question: str | None = None) -> list[dict]:
    """The answer as Block Kit: header, headline, sections, choice buttons, notes, source.

    The short reply shows the sections that bear on the ask; when the answer has details and `question`
    is given, a **Details** button (first) asks it again for the `full` card. `extra_buttons` (e.g. the
    Slack layer's "Share in channel") join the choice buttons; a caller that appends blocks of its own
    lowers `max_blocks`. When the sections do not fit, the last ones are left out and a line says so; the
    headline, buttons, notes and source always stay.
    """
    head: list[dict] = []
    if answer.title:
        head.append(header_block(answer.title))
    head.append(text_block(answer.headline))
    whole = answer.full if answer.full is not None else [*answer.sections, *answer.details]
    shown = whole if full else answer.sections
    body = [block for section in shown for block in section_blocks(section)]
    tail: list[dict] = []
    if answer.details and not full and question:
        extra_buttons = [details_button(question), *extra_buttons]
    buttons = [*choice_buttons(answer, MAX_ACTION_ELEMENTS - len(extra_buttons)), *extra_buttons]
    if buttons:
        tail.append(actions_block(buttons))
    for start in range(0, len(answer.notes), MAX_CONTEXT_ELEMENTS):
        tail.append(context_block([f"Note: {n}" for n in answer.notes[start:start + MAX_CONTEXT_ELEMENTS]]))
    if answer.source:
        tail.append(context_block([f"Source: {answer.source}"]))
    room = max_blocks - len(head) - len(tail)
    if len(body) > room:
        left_out = len(body) - (room - 1)
        body = [*body[:max(room - 1, 0)],
                context_block([f"{left_out} more part(s) left out to fit Slack; ask a narrower question."])]
    return [*head, *body, *tail][:max_blocks]


def fallback_text(answer: Answer, limit: int = MAX_FALLBACK_TEXT, full: bool = False) -> str:
    """The plain-text rendering, escaped and cut: Slack's notification text and the no-blocks fallback."""
    return fit(render_text(answer, full), limit)
