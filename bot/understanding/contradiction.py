"""A code named by number that the question's own words rule out, and the code they describe instead.

"Medicare fee for 20610 with ultrasound guidance": CMS describes 20610 as the injection *without* ultrasound
guidance, and 20611 as the one with it. Pricing 20610 would be a confident answer to a question the person
did not ask, so the engine asks which one is meant. Only a word the code's own names exclude counts (a
negation in a name, as `Words.marked_stems` reads it), and only when none of its names says it as asked.
"""

from __future__ import annotations

from typing import Protocol

from bot.record import Record
from bot.understanding.procedures import Candidate, opposite
from bot.understanding.words import NEGATED_PREFIX, Words


class _Index(Protocol):
    def aliases_of(self, code: str) -> list[str]: ...
    def search(self, stems: set[str], content: set[str], loose: bool = False) -> list[Candidate]: ...


class Contradiction(Record, frozen=True):
    code: str  # the code named by number
    word: str  # the question's word its names exclude (or name, when the question excludes it), as written
    instead: str  # the code whose names say it as the question does
    excluded: bool = False  # the question excludes the word ("without ultrasound") and the code names it


def contradiction(code: str, said: list[tuple[str, str]], index: _Index, words: Words) -> Contradiction | None:
    """`said`: the question's content words as (stem with negations marked, surface word).

    The code that agrees is the best match for the named code's own name with the word turned around ("drain
    injection joint bursa without ultrasound" -> "... ultrasound"), when its names say the word as asked.
    """
    names = [words.content_stems(a) for a in index.aliases_of(code)]
    for stem, surface in said:
        against = opposite(stem)
        if not any(against in n for n in names) or any(stem in n for n in names):
            continue
        base = next(n for n in names if against in n)
        turned = {stem if s == against else s for s in base}
        found = [c for c in index.search(turned, turned) if c.code != code]
        # codes whose short names are the same ("joint/bursa w/us" for a small, a middle and a large joint)
        # are told apart by number: CPT numbers a code's siblings next to it
        best = [c.code for c in found if c.score == found[0].score] if found else []
        for other in sorted(best, key=lambda c: (_distance(c, code), c)):
            theirs = [words.content_stems(a) for a in index.aliases_of(other)]
            if any(stem in n for n in theirs) and not any(against in n for n in theirs):
                return Contradiction(code, surface, other, stem.startswith(NEGATED_PREFIX))
    return None


def _distance(a: str, b: str) -> int:
    return abs(int(a) - int(b)) if a.isdigit() and b.isdigit() else 100_000
