"""What a question says, read once: its words, what it names outright, and which intents its words signal.

A `Reading` is the raw material of the ask (`bot.understanding.ask.Ask`): the engine builds it once per
question and everything after works from it, never from the question text again.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.record import Record, field
from bot.understanding.entities import Entities
from bot.understanding.intents import IntentMatch
from bot.understanding.words import Token


class Reading(Record, eq=False):
    """What the engine understood of a question (kept for tests and `cptbot ask --explain`)."""

    text: str
    truncated: bool
    tokens: list[Token]
    entities: Entities
    intents: list[IntentMatch]
    marked: list[str] | None = None  # each token's stem with negations marked (Words.marked_stems)
    # What the engine worked out from this reading once (codes named by words...), by step; see engine.per_reading
    memo: dict[str, object] = field(default_factory=dict)

    def has(self, intent: str) -> bool:
        return any(m.name == intent for m in self.intents)

    def stems(self, explained_by: Callable[[str], bool] = lambda intent: True) -> tuple[set[str], set[str]]:
        """(every meaningful stem, the content stems still to explain by a name).

        A word is already explained when an entity (code, modifier, year, place) covers it, or the keywords
        of an intent that `explained_by` accepts: the code search leaves out every intent's words, the
        modifier search keeps the modifier intents' own words out and everything else in.
        """
        return split_stems(self.tokens, self._explained(explained_by), self.marked)

    def content_words(self) -> list[tuple[str, str]]:
        """The content words of `stems()`, in order, each as (stem with negations marked, word as written):
        for a reply that quotes the word it is about."""
        skip = self._explained(lambda intent: True)
        stems = self.marked if self.marked is not None else [t.stem for t in self.tokens]
        return [(s, t.surface) for i, (t, s) in enumerate(zip(self.tokens, stems, strict=True))
                if s and not t.stop and i not in skip]

    def _explained(self, explained_by: Callable[[str], bool]) -> set[int]:
        """The token positions an entity covers, or the keywords of an intent `explained_by` accepts."""
        skip = set(self.entities.positions)
        for m in self.intents:
            if explained_by(m.name):
                skip |= m.positions
        return skip


def split_stems(tokens: list[Token], skip: set[int], marked: list[str] | None = None) -> tuple[set[str], set[str]]:
    """Every non-stopword stem, and those of them not at a `skip` position (the words left to explain).

    `marked`: the tokens' stems with negations marked (`Words.marked_stems`); without it, the plain stems.
    """
    stems = marked if marked is not None else [t.stem for t in tokens]
    every = {s for t, s in zip(tokens, stems, strict=True) if s and not t.stop}
    content = {s for i, (t, s) in enumerate(zip(tokens, stems, strict=True)) if s and not t.stop and i not in skip}
    return every, content
