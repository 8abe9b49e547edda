"""Short answers first: whatever an answerer composed, the reply keeps to a reading budget.

Slack users read the first line; the reply is the direct answer (the headline), then the few facts that
carry it, then the way to everything else. So, under the headline:
- a list of points keeps the points that share words with the question (the rest wait in the details);
- a long paragraph is shown by its first sentences, a long table by its first rows;
- sections past the budget wait in the details;
- a title that is a whole CMS long description is cut to its first clause.
The full card (Slack's Details button, `cptbot ask --full`) is always exactly what the answerer composed.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.answer import Answer, Fact, Section

BUDGET = 700  # characters of sections shown under the headline: tables of numbers the answerer chose
PROSE = 280  # of which prose (paragraphs and points): the headline already says the answer in words
BRIEF = 240  # a long paragraph is shown by about this many characters of its first sentences
POINTS = 2  # at most this many points of a list, those that bear on the question
TITLE = 90  # a longer title is cut at a clause boundary
BULLET = "• "


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


def telling_sentences(text: str, asked: set[str], stems_of: Callable[[str], set[str]] | None,
                      limit: int = BRIEF) -> str:
    """The first sentences of `text`, and the sentence that shares the most words with the question when it
    is not among them ("are separate diagnoses required?" keeps "a different diagnosis helps but is not
    required")."""
    head = first_sentences(text, limit)
    if stems_of is None or not asked:
        return head
    sentences = [x.strip().rstrip(".") + "." for x in text.replace("\n", " ").split(". ") if x.strip()]
    scored = [(len(stems_of(x) & asked), -i, x) for i, x in enumerate(sentences)]
    best = max(scored, default=(0, 0, ""))
    if best[0] < 2 or best[2].rstrip(".") in head:
        return head
    return f"{first_sentences(text, BRIEF // 2)} … {best[2]}"


def brief(section: Section, limit: int = BRIEF) -> Section:
    """The section's title, the first sentences of its prose and of each fact."""
    return Section(section.title, [Fact(f.label, first_sentences(f.value, BRIEF // 2)) for f in section.facts],
                   first_sentences(section.body, limit) if section.body else "")


def _points(section: Section, asked: set[str], stems_of: Callable[[str], set[str]], room: int) -> Section | None:
    """A list of points cut to those that share the most words with the question (None: none does)."""
    lines = [ln for ln in section.body.split("\n") if ln.strip()]
    if section.facts or not lines or not all(ln.startswith(BULLET) for ln in lines):
        return None
    asked6 = {a[:6] for a in asked}  # "neurologist" and "neurology" share their first six letters
    scored = [(len({b[:6] for b in stems_of(ln)} & asked6), i, ln) for i, ln in enumerate(lines)]
    keep: list[tuple[int, int, str]] = []
    for point in sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))[:POINTS]:
        if keep and len(section.title) + sum(len(k[2]) + 1 for k in keep) + len(point[2]) > room:
            break  # the point that bears most comes first; a second only when it fits
        keep.append(point)
    if not keep:
        return Section(section.title, [], "")
    return Section(section.title, [], "\n".join(ln for _, _, ln in sorted(keep, key=lambda s: s[1])))


def _facts(section: Section, room: int, asked: set[str], stems_of: Callable[[str], set[str]] | None) -> Section:
    """A table cut to its first row and the rows that bear on the question, each value by its first
    sentences ("How much does 25 reduce a payment?" keeps the modifier's payment row)."""
    def bears(f: Fact) -> bool:
        return stems_of is not None and bool(stems_of(f"{f.label} {f.value}") & asked)

    facts: list[Fact] = []
    used = len(section.title)
    for i, f in enumerate(section.facts):
        if i and not bears(f) and used + len(f.label) + len(f.value) + 4 > room:
            continue
        fact = f if len(f.value) <= BRIEF else Fact(f.label, telling_sentences(f.value, asked, stems_of,
                                                                              BRIEF // 2 * 3 // 2))
        if facts and used + len(fact.label) + len(fact.value) + 4 > room + BRIEF:
            break
        facts.append(fact)
        used += len(fact.label) + len(fact.value) + 4
    return Section(section.title, facts, first_sentences(section.body) if section.body else "")


def _fit(section: Section, room: int, asked: set[str], stems_of: Callable[[str], set[str]] | None) -> Section:
    """The section, or as much of it as bears on the question and fits in `room` characters."""
    if stems_of is not None and asked:
        cut = _points(section, asked, stems_of, room)
        if cut is not None:
            return cut if size(cut) <= room else brief(cut, room)
    if size(section) <= room:
        return section
    if section.facts:
        return _facts(section, room, asked, stems_of)
    return brief(section, max(BRIEF, room - len(section.title)))


def _title(ans: Answer) -> str:
    if len(ans.title) <= TITLE:
        return ans.title
    head = ans.title[:TITLE]
    for mark in (" (", "; ", ", "):
        at = head.rfind(mark)
        if at >= 40:
            return ans.title[:at] + "…"
    return head.rsplit(" ", 1)[0] + "…"


def shorten(ans: Answer, asked: set[str] | frozenset[str] = frozenset(),
            stems_of: Callable[[str], set[str]] | None = None) -> Answer:
    """Trim the reply to the budget; the untrimmed card goes to `ans.full` when anything was trimmed.

    `asked` are the question's content words and `stems_of` reads a point into words the same way, so a
    list keeps the points the question is about ("an NPP", "a different specialty").
    """
    if ans.status in ("help", "clarify"):
        return ans  # what it can do, or the choices to pick from: a list is the answer
    whole = [*ans.sections, *ans.details]
    title = _title(ans)
    shown: list[Section] = []
    used = 0
    prose = 0
    for s in ans.sections:
        # numbers and indicators: a table may use the whole budget; a list of explanations is prose
        table = any(ch.isdigit() for f in s.facts for ch in f.value)
        room = (BUDGET - used) if table else min(BUDGET - used, PROSE - prose)
        if room <= 0:
            continue
        candidate = _fit(s, room, set(asked), stems_of)
        if not candidate.body and not candidate.facts:
            continue  # no point of the list bears on the question: it waits in the details
        if used and used + size(candidate) > BUDGET:
            continue
        shown.append(candidate)
        used += size(candidate)
        prose += 0 if table else size(candidate)
    if shown == ans.sections and title == ans.title:
        return ans
    if title != ans.title:
        whole = [Section("Description", [], ans.title), *whole]
    ans.title = title
    ans.sections = shown
    ans.details = [s for s in whole if s not in shown]
    ans.full = ans.full if ans.full is not None else whole
    return ans
