"""One side or both: CMS codes some procedures twice, once for one side and once for both ("Mri breast c-
unilateral" and "Mri breast c- bilateral", a diagnostic mammogram of one breast or of both). Such a pair is
two codes, not one code with modifier 50, so the side the question says picks the code, and a question that
says no side is asked which. The words for each side are in knowledge/lexicon.yaml (`sides`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

SIDE_STEMS = {"bilater": "bilateral", "unilater": "unilateral"}  # how the expanded CMS names say a side


class Sides:
    """Reads the side a question says, and finds a code's one-side or both-sides sibling by its name."""

    def __init__(self, sides: dict[str, tuple[str, ...]], content_stems: Callable[[str], Iterable[str]]):
        self.content_stems = content_stems
        self._phrases = [w for words in sides.values() for w in words]
        # both sides first: "left and right" says both, though "left" alone says one
        self._said = [(side, re.compile(r"(?<![a-z0-9])(?:" + "|".join(
            re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![a-z0-9])"))
            for side, words in sorted(sides.items()) if words]

    def words(self) -> set[str]:
        """The stems of the side words themselves ("left", "both"): not words of a procedure's name."""
        return {s for pattern in self._phrases for s in self.content_stems(pattern)}

    def said(self, text: str) -> str | None:
        """"bilateral", "unilateral" or None: the side the question's words say."""
        low = text.lower()
        for side, pattern in self._said:
            if pattern.search(low):
                return side
        return None

    def side_of(self, name: str) -> tuple[str | None, frozenset[str]]:
        """(the side a code's name says, or None; the name's other content stems, which its sibling shares)."""
        # a side right after a negated word is read as negated too ("without contrast unilateral"): the side
        # is said either way
        stems = {s.removeprefix("not_") if s.removeprefix("not_") in SIDE_STEMS else s
                 for s in self.content_stems(name)}
        sides = [SIDE_STEMS[s] for s in stems if s in SIDE_STEMS]
        return (sides[0] if len(sides) == 1 else None), frozenset(stems - SIDE_STEMS.keys())
