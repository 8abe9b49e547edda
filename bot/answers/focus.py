"""Short answers first: whatever an answerer composed, the reply keeps to a reading budget.

A section that is long (a modifier's whole explanation, a global period's rules) is shown by its first
sentence or two and kept whole in the full card; sections past the budget wait in the details. The full
card (Slack's Details button, `cptbot ask --full`) is always exactly what the answerer composed.
"""

from __future__ import annotations

from bot.answer import Answer, Fact, Section

BUDGET = 1100  # characters of sections shown under the headline before anything is trimmed
LONG = 500  # past the first section, a section longer than this is shown by its first sentences
BRIEF = 240


def size(section: Section) -> int:
    return len(section.title) + len(section.body) + sum(len(f.label) + len(f.value) + 4 for f in section.facts)


def first_sentences(text: str, limit: int = BRIEF) -> str:
    out = ""
    for sentence in text.replace("\n", " ").split(". "):
        piece = (out + " " if out else "") + sentence.rstrip(".") + "."
        if out and len(piece) > limit:
            break
        out = piece
    if len(out) > limit + 80:
        out = out[:limit].rsplit(" ", 1)[0] + "…"
    return out


def brief(section: Section) -> Section:
    """The section's title, the first sentences of its prose and of each fact."""
    return Section(section.title, [Fact(f.label, first_sentences(f.value, BRIEF // 2)) for f in section.facts],
                   first_sentences(section.body) if section.body else "")


def shorten(ans: Answer) -> Answer:
    """Trim the reply to the budget; the untrimmed card goes to `ans.full` when anything was trimmed."""
    if not ans.sections or sum(size(s) for s in ans.sections) <= BUDGET:
        return ans
    whole = [*ans.sections, *ans.details]
    shown: list[Section] = []
    used = 0
    for i, s in enumerate(ans.sections):
        # the first section carries the answer's support: it stays whole unless it is a wall by itself
        candidate = s if size(s) <= (BUDGET + 300 if i == 0 else LONG) else brief(s)
        if used and used + size(candidate) > BUDGET:
            break
        shown.append(candidate)
        used += size(candidate)
    ans.sections = shown
    ans.details = [s for s in whole if s not in shown]
    ans.full = ans.full if ans.full is not None else whole
    return ans
