"""Word patterns for rule topics, modifier situations and declines, written in YAML and matched in linear time.

A pattern is a line of YAML such as `new patient | first visit + three years | established`:
- ` + ` separates parts that must all occur somewhere in the question, in any order;
- ` | ` separates alternatives within a part; each alternative is a phrase whose words must follow each
  other, after the same normalisation as everything else (spelling, equivalents, endings).

Why not regular expressions: the people who add a topic edit YAML, and the same words must be read the same
way as in intents and code synonyms. Why not fuzzy scores: a rule either applies or it does not, and the
most specific pattern wins (the one covering the most content words), so adding a narrower rule is the way
to override a broader one. Matching walks the question once through a phrase table (grouped by first stem),
then checks each pattern against the phrases found: linear in the question's length.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from bot.record import Record
from bot.understanding.phrases import PhraseTable
from bot.understanding.words import Token, Words

V = TypeVar("V")
PART_SEPARATOR = " + "
ALTERNATIVE_SEPARATOR = "|"


def pattern_problem(value: Any) -> str | None:
    """What is wrong with a YAML pattern (None when it is usable); the loaders report it with file:line."""
    if not isinstance(value, str) or not value.strip():
        return "must be non-empty text like `new patient + established`"
    for part in value.split(PART_SEPARATOR):
        alternatives = [a.strip() for a in part.split(ALTERNATIVE_SEPARATOR)]
        if not part.strip() or any(not a for a in alternatives):
            return f"{value!r} has an empty part or alternative (check the ` + ` and `|` separators)"
        if any(not any(ch.isalnum() for ch in a) for a in alternatives):
            return f"{value!r} has a part without any letter or digit"
    return None


def patterns_problem(value: Any) -> str | None:
    """A field holding a list of patterns."""
    if not isinstance(value, list) or not value:
        return "must be a list of word patterns (e.g. `- discontinued | stopped + procedure`)"
    for item in value:
        wrong = pattern_problem(item)
        if wrong:
            return wrong
    return None


class _Pattern(Record, eq=False):
    parts: tuple[tuple[int, ...], ...]  # each part: the ids of its alternative phrases


class PatternIndex(Generic[V]):
    """Rules (any value) with their patterns; `matches` lists the rules a question satisfies, best first."""

    def __init__(self, rules: Sequence[tuple[V, Sequence[str]]], words: Words,
                 unless: Sequence[Sequence[str]] | None = None):
        """`unless[i]`, when given, are patterns that rule i out ("cancelled" is not a discontinued procedure
        when the question asks about billing the visit)."""
        self.words = words
        texts = ([list(p) for _, p in rules], [list(u) for u in unless] if unless else None)
        key = "patterns:" + hashlib.sha256(repr(texts).encode()).hexdigest()[:24]
        # made once from the YAML's words, then kept by `words` with the phrases of the next start's cache
        made = words.table(key, lambda: _compile(rules, words, unless))
        self._phrases: list[tuple[str, ...]] = [tuple(p) for p in made["phrases"]]
        self._weights: list[int] = made["weights"]  # content words of each phrase: how specific it is
        self._surface: set[str] = set(made["surface"])
        self._rules: list[tuple[V, list[_Pattern], list[_Pattern]]] = [
            (value, [_Pattern(tuple(tuple(part) for part in pattern)) for pattern in when],
             [_Pattern(tuple(tuple(part) for part in pattern)) for pattern in but])
            for (value, _), (when, but) in zip(rules, made["rules"], strict=True)]
        self._table = PhraseTable((p, i) for i, p in enumerate(self._phrases))
        # phrase id -> (rule, pattern, part) of every `when` part it can satisfy: a question is checked against
        # the few patterns its phrases touch, not against every pattern of every rule
        self._parts_of: dict[int, list[tuple[int, int, int]]] = {}
        for r, (_, patterns, _) in enumerate(self._rules):
            for n, pattern in enumerate(patterns):
                for k, part in enumerate(pattern.parts):
                    for pid in set(part):
                        self._parts_of.setdefault(pid, []).append((r, n, k))

    def vocabulary(self) -> set[str]:
        """Every word of every pattern, for the spelling corrector."""
        return set(self._surface)

    def found(self, tokens: list[Token]) -> set[int]:
        """The ids of the phrases that occur in the question."""
        return {pid for _, pid in self._table.find([t.stem for t in tokens])}

    def matches(self, tokens: list[Token], found: set[int] | None = None) -> list[tuple[int, V]]:
        """(score, rule) for every rule with a satisfied pattern, highest score first, then in file order.

        A pattern's score is the content words its matched phrases cover (the longest alternative of each
        part); a rule scores its best pattern.
        """
        found = self.found(tokens) if found is None else found
        parts_hit: dict[tuple[int, int], set[int]] = {}
        for pid in found:
            for r, n, k in self._parts_of.get(pid, ()):
                parts_hit.setdefault((r, n), set()).add(k)
        best: dict[int, int] = {}
        for (r, n), parts in parts_hit.items():
            pattern = self._rules[r][1][n]
            if len(parts) == len(pattern.parts):  # every part has a phrase in the question
                best[r] = max(best.get(r, 0), self._score(pattern, found))
        out: list[tuple[int, int, V]] = []
        for order, score in best.items():
            value, _, unless = self._rules[order]
            if score and not any(self._score(p, found) for p in unless):
                out.append((score, order, value))
        out.sort(key=lambda m: (-m[0], m[1]))
        return [(score, value) for score, _, value in out]

    def _score(self, pattern: _Pattern, found: set[int]) -> int:
        score = 0
        for part in pattern.parts:
            hit = max((self._weights[pid] for pid in part if pid in found), default=0)
            if not hit:
                return 0
            score += hit
        return score


def _compile(rules: Sequence[tuple[object, Sequence[str]]], words: Words,
             unless: Sequence[Sequence[str]] | None) -> dict[str, list]:
    """The patterns as phrase ids, in plain lists (JSON-ready): {phrases, weights, surface, rules}, where each
    rule is [its patterns, its `unless` patterns] and a pattern is a list of parts, each a list of phrase ids."""
    phrases: list[list[str]] = []
    weights: list[int] = []
    surface: set[str] = set()
    phrase_ids: dict[tuple[str, ...], int] = {}

    def compile_all(patterns: Sequence[str]) -> list[list[list[int]]]:
        compiled = []
        for text in patterns:
            parts = []
            for part in text.split(PART_SEPARATOR):
                ids = []
                for alt in part.split(ALTERNATIVE_SEPARATOR):
                    tokens = words.tokens(alt.strip(), correct=False)
                    stems = tuple(t.stem for t in tokens)
                    if not stems:
                        continue
                    surface.update(t.word for t in tokens)
                    if stems not in phrase_ids:
                        phrase_ids[stems] = len(phrases)
                        phrases.append(list(stems))
                        weights.append(max(1, sum(not t.stop for t in tokens)))
                    ids.append(phrase_ids[stems])
                if ids:
                    parts.append(ids)
            if parts:
                compiled.append(parts)
        return compiled

    made = [[compile_all(patterns), compile_all(unless[i] if unless else ())] for i, (_, patterns) in enumerate(rules)]
    return {"phrases": phrases, "weights": weights, "surface": sorted(surface), "rules": made}
