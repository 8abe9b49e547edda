"""Finding known multi-word phrases (intent keywords, settings, places) in a question's stems.

A question is matched against hundreds of phrases; comparing each phrase at each position made phrase
lookup the slowest step of answering. Phrases are grouped by their first stem, so each position only
tries the phrases that can start there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

V = TypeVar("V")


class PhraseTable(Generic[V]):
    """Phrases (tuples of stems) with a value each; `find` reports every occurrence, longest first."""

    def __init__(self, phrases: Iterable[tuple[tuple[str, ...], V]]):
        self._by_first: dict[str, list[tuple[int, tuple[str, ...], V]]] = {}
        for order, (phrase, value) in enumerate(phrases):
            if phrase:
                self._by_first.setdefault(phrase[0], []).append((order, phrase, value))

    def find(self, stems: list[str]) -> list[tuple[range, V]]:
        """(positions covered, value) for each occurrence, longer phrases first, then in table order."""
        hits: list[tuple[int, int, range, V]] = []
        n = len(stems)
        for i, stem in enumerate(stems):
            for order, phrase, value in self._by_first.get(stem, ()):
                end = i + len(phrase)
                if end <= n and tuple(stems[i:end]) == phrase:
                    hits.append((-len(phrase), order, range(i, end), value))
        hits.sort(key=lambda h: (h[0], h[1], h[2].start))
        return [(positions, value) for _, _, positions, value in hits]
