"""Finding codes by the words people use: names, synonyms, abbreviations, misspellings.

Every code has aliases (its name and synonyms; imported codes also their expanded CMS descriptor). An
alias matches a question by the words they share, each word weighted by how rare it is across codes
(a word that names one code, like "LEEP", weighs more than "biopsy"). Two coverages decide a score:
- alias coverage: how much of the alias the question contains ("cold knife cone" fully, "cone" partly);
- question coverage: how much of the question's own content the alias explains, so the code that explains
  "hysteroscopy with polypectomy" beats the one that only explains "hysteroscopy".
Codes whose best scores are close are reported together so the engine can ask back instead of guessing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from bot.records import CodeEntry
from bot.understanding.words import Words

# Chosen by measurement on tests/data/dev_questions.yaml and the eval set (see `cptbot bench --tune`).
MIN_SCORE = 0.55  # below this, a code is not considered named at all
MIN_ALIAS_COVERAGE = 0.6  # at least this share of an alias's weight must be in the question
TIE_MARGIN = 0.08  # codes within this of the best score are "about equally" likely
UNKNOWN_WORD_WEIGHT = 0.6  # weight of a question word no alias uses, as a share of the rarest word's


@dataclass(frozen=True)
class Alias:
    code: str
    text: str
    stems: frozenset[str]
    primary: bool  # the code is the usual meaning of this shared term


@dataclass(frozen=True)
class Candidate:
    code: str
    score: float
    alias: str
    primary: bool


class ProcedureIndex:
    """An inverted index from word stems to aliases, with rarity weights."""

    def __init__(self, entries: Iterable[CodeEntry], words: Words, extra: dict[str, Iterable[str]] | None = None):
        self.words = words
        self.aliases: list[Alias] = []
        self._by_stem: dict[str, list[int]] = {}
        self._vocab: set[str] = set()
        codes_by_stem: dict[str, set[str]] = {}
        for entry in entries:
            primary = {words.content_stems(p) for p in entry.primary_for}
            phrases = [entry.name, *entry.synonyms, *(extra or {}).get(entry.code, ())]
            seen: set[frozenset[str]] = set()
            for phrase in phrases:
                stems = frozenset(words.content_stems(phrase))
                if not stems or stems in seen:
                    continue
                seen.add(stems)
                self._vocab.update(words.surface(phrase))
                idx = len(self.aliases)
                self.aliases.append(Alias(entry.code, phrase, stems,
                                          primary=tuple(words.content_stems(phrase)) in primary))
                for s in stems:
                    self._by_stem.setdefault(s, []).append(idx)
                    codes_by_stem.setdefault(s, set()).add(entry.code)
        n = max(len({a.code for a in self.aliases}), 1)
        self._weight = {s: math.log(1.0 + n / len(c)) for s, c in codes_by_stem.items()}
        self._unknown = UNKNOWN_WORD_WEIGHT * math.log(1.0 + n)

    def vocabulary(self) -> set[str]:
        return self._vocab

    def weight(self, stem: str) -> float:
        return self._weight.get(stem, self._unknown)

    def knows(self, stem: str) -> bool:
        return stem in self._weight

    def search(self, stems: set[str], content: set[str]) -> list[Candidate]:
        """Codes named by the words `stems`, best first; `content` are the words that need explaining.

        `stems` is every word of the question (an alias may use a word that also signals an intent, as
        "office visit" does); `content` leaves out the words already explained as intent, place or year.
        """
        hits: set[int] = set()
        for s in stems:
            hits.update(self._by_stem.get(s, ()))
        best: dict[str, Candidate] = {}
        for idx in hits:
            alias = self.aliases[idx]
            matched = alias.stems & stems
            alias_w = sum(self.weight(s) for s in alias.stems)
            got = sum(self.weight(s) for s in matched)
            alias_cov = got / alias_w
            if alias_cov < MIN_ALIAS_COVERAGE:
                continue
            need = sum(self.weight(s) for s in content | matched)
            q_cov = got / need if need else 1.0
            score = alias_cov * (0.5 + 0.5 * q_cov)
            if score < MIN_SCORE:
                continue
            prev = best.get(alias.code)
            if prev is None or score > prev.score or (score == prev.score and alias.primary):
                best[alias.code] = Candidate(alias.code, round(score, 4), alias.text, alias.primary)
        return sorted(best.values(), key=lambda c: (-c.score, not c.primary, c.code))


def close_calls(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates about as likely as the best one (the best included)."""
    if not candidates:
        return []
    top = candidates[0].score
    return [c for c in candidates if c.score >= top - TIE_MARGIN]
