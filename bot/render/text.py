"""Plain-text rendering of an Answer: what `cptbot ask` prints and Slack's notification fallback."""

from __future__ import annotations

from bot.answer import Answer


def render_text(answer: Answer, full: bool = False) -> str:
    """Headline first (the direct answer), then each section, then choices, notes and the source.

    The short reply (the default) shows the sections that bear on the ask; `full` adds the details.
    """
    out: list[str] = []
    if answer.title:
        out.append(answer.title)
    out.append(answer.headline)
    whole = answer.full if answer.full is not None else [*answer.sections, *answer.details]
    for section in (whole if full else answer.sections):
        out.append("")
        out.append(f"{section.title}:" if section.title else "")
        out.extend(f"  {fact.label}: {fact.value}" for fact in section.facts)
        if section.body:
            out.append(("  " if section.facts else "") + section.body)
    if answer.choices:
        out.append("")
        out.extend(f"  {i}. {choice.label}" for i, choice in enumerate(answer.choices, 1))
    for note in answer.notes:
        out.append("")
        out.append(f"Note: {note}")
    if answer.source:
        out.append("")
        out.append(f"Source: {answer.source}")
    return "\n".join(line for i, line in enumerate(out) if line or (i and out[i - 1]))
