"""Finding codes by the words people use: names, synonyms, abbreviations, misspellings.

Every code has aliases (its name and synonyms; imported codes also their expanded CMS descriptor). An
alias matches a question by the words they share, each word weighted by how rare it is across codes
(a word that names one code, like "LEEP", weighs more than "biopsy"). Two coverages decide a score:
- alias coverage: how much of the alias the question contains ("cold knife cone" fully, "cone" partly);
- question coverage: how much of the question's own content the alias explains, so the code that explains
  "hysteroscopy with polypectomy" beats the one that only explains "hysteroscopy".
Codes whose best scores are close are reported together so the engine can ask back instead of guessing.

The index holds plain tuples and dicts (no reference to the tokeniser), so a built index over the whole
fee schedule can be pickled once and loaded in milliseconds by the next process.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from bot.record import Record
from bot.records import CodeEntry
from bot.understanding.words import NEGATED_PREFIX, Words

# Chosen by measurement on tests/data/dev_questions.yaml and the eval set (see `cptbot bench`).
MIN_SCORE = 0.55  # below this, a code is not considered named at all
MIN_ALIAS_COVERAGE = 0.6  # at least this share of an alias's weight must be in the question
TIE_MARGIN = 0.08  # codes within this of the best score are "about equally" likely
LOOSE_ALIAS_COVERAGE = 0.4  # a name said in part, offered as a choice (never answered) when it ...
LOOSE_EXPLAINS = 0.5  # ... accounts for this share of the question's own words
UNKNOWN_WORD_WEIGHT = 0.6  # weight of a question word no alias uses, as a share of the rarest word's


class Candidate(Record, frozen=True):
    code: str
    score: float
    alias: str
    primary: bool
    explains: float = 1.0  # the share of the question's own words (by weight) this name accounts for


def score_alias(got: float, got_content: float, penalty: float, alias_w: float, content_w: float,
                loose: bool = False) -> tuple[float, float] | None:
    """(score, share of the question explained) of one alias, or None when it does not count as named.

    `got`: the weight of the alias's words the question has; `got_content`: of those, the ones still to
    explain; `penalty`: the weight of the words the question excludes ("without hysteroscopy") that the
    alias names, or that the alias excludes and the question names: they count against the alias.
    `loose`: the names a question may mean though it says them only in part (`LOOSE_ALIAS_COVERAGE`), when
    they explain most of the question (`LOOSE_EXPLAINS`): choices to ask about, never an answer.
    """
    if got < (LOOSE_ALIAS_COVERAGE if loose else MIN_ALIAS_COVERAGE) * alias_w - 1e-9:
        return None
    alias_cov = max(got - penalty, 0.0) / alias_w
    need = content_w + got - got_content + penalty
    q_cov = max(got - penalty, 0.0) / need if need else 1.0
    score = alias_cov * (0.5 + 0.5 * q_cov)
    if (score < MIN_SCORE) if not loose else (q_cov < LOOSE_EXPLAINS):
        return None
    return score, q_cov


def opposite(stem: str) -> str:
    """The stem a negation turns `stem` into, or back."""
    return stem[len(NEGATED_PREFIX):] if stem.startswith(NEGATED_PREFIX) else NEGATED_PREFIX + stem


def distinct_names(entry: CodeEntry, words: Words, extra: Iterable[str] = ()
                   ) -> Iterator[tuple[str, tuple[str, ...], bool]]:
    """A code's names that differ in their words: (phrase, its content stems in order, is it a name the code
    is the primary code for). Both name indexes (in memory and FTS5) read names this one way."""
    primary = {words.content_stems(p) for p in entry.primary_for}
    seen: set[frozenset[str]] = set()
    for phrase in (entry.name, *entry.synonyms, *extra):
        ordered = words.content_stems(phrase)
        stems = frozenset(ordered)
        if not stems or stems in seen:
            continue
        seen.add(stems)
        yield phrase, ordered, ordered in primary


class ProcedureIndex:
    """An inverted index from word stems to aliases, with rarity weights."""

    def __init__(self, entries: Iterable[CodeEntry], words: Words,
                 extra: dict[str, Iterable[str]] | None = None):
        alias_rows: list[tuple[str, str, frozenset[str], bool]] = []
        vocab: set[str] = set()
        codes_by_stem: dict[str, set[str]] = {}
        for entry in entries:
            for phrase, ordered, is_primary in distinct_names(entry, words, (extra or {}).get(entry.code, ())):
                stems = frozenset(ordered)
                vocab.update(words.surface(phrase))
                alias_rows.append((entry.code, phrase, stems, is_primary))
                for s in stems:
                    codes_by_stem.setdefault(s, set()).add(entry.code)
        n = max(len({row[0] for row in alias_rows}), 1)
        self._weight: dict[str, float] = {s: math.log(1.0 + n / len(c)) for s, c in codes_by_stem.items()}
        self._unknown = UNKNOWN_WORD_WEIGHT * math.log(1.0 + n)
        by_stem: dict[str, list[int]] = {}
        for idx, (_, _, stems, _) in enumerate(alias_rows):
            for s in stems:
                by_stem.setdefault(s, []).append(idx)
        # Aliases as parallel columns (code, text, summed stem weight, primary) rather than one object each:
        # 20,000 small objects take longer to unpickle than the whole rest of the index.
        self._code: tuple[str, ...] = tuple(row[0] for row in alias_rows)
        self._text: tuple[str, ...] = tuple(row[1] for row in alias_rows)
        self._alias_weight: tuple[float, ...] = tuple(sum(self._weight[s] for s in row[2]) for row in alias_rows)
        self._primary: tuple[bool, ...] = tuple(row[3] for row in alias_rows)
        self._by_stem: dict[str, tuple[int, ...]] = {s: tuple(ix) for s, ix in by_stem.items()}
        self._vocab = vocab

    def vocabulary(self) -> set[str]:
        return self._vocab

    @property
    def rare_weight(self) -> float:
        """The weight of a word that names one code only (the rarest a word can be in this index)."""
        return self._unknown / UNKNOWN_WORD_WEIGHT

    def weight(self, stem: str) -> float:
        return self._weight.get(stem, self._unknown)

    def knows(self, stem: str) -> bool:
        return stem in self._weight

    def codes(self) -> set[str]:
        return set(self._code)

    def aliases_of(self, code: str) -> list[str]:
        """The alias texts of one code, in index order. The codes' aliases are grouped by one scan the first
        time (not when the index is made or read from its cache): a question weighing its candidates asks for
        several codes' names, and a scan of the everyday names' index each time cost a third of an answer."""
        by_code: dict[str, list[str]] | None = getattr(self, "_by_code", None)
        if by_code is None:
            by_code = {}
            for c, t in zip(self._code, self._text, strict=True):
                by_code.setdefault(c, []).append(t)
            self._by_code = by_code
        return list(by_code.get(code, ()))

    def search(self, stems: set[str], content: set[str], loose: bool = False) -> list[Candidate]:
        """Codes named by the words `stems`, best first; `content` are the words that need explaining.

        `stems` is every word of the question (an alias may use a word that also signals an intent, as
        "office visit" does); `content` leaves out the words already explained as intent, place or year.
        The work is one pass over the posting lists of the question's words, so a common word costs a
        dictionary update per alias that uses it, not a set operation per alias.
        """
        got: dict[int, float] = {}
        got_content: dict[int, float] = {}
        penalty: dict[int, float] = {}
        for s in stems:
            postings = self._by_stem.get(s)
            if postings is not None:
                w = self._weight[s]
                in_content = s in content
                for idx in postings:
                    got[idx] = got.get(idx, 0.0) + w
                    if in_content:
                        got_content[idx] = got_content.get(idx, 0.0) + w
            against = self._by_stem.get(opposite(s))
            if against is not None:
                w = self.weight(s)
                for idx in against:
                    penalty[idx] = penalty.get(idx, 0.0) + w
        if not got:
            return []
        content_w = sum(self.weight(s) for s in content)
        contradicted = self.contradicted(stems)
        best: dict[str, Candidate] = {}
        for idx, g in got.items():
            against = max(penalty.get(idx, 0.0), contradicted.get(self._code[idx], 0.0))
            scored = score_alias(g, got_content.get(idx, 0.0), against, self._alias_weight[idx], content_w, loose)
            if scored is None:
                continue
            score, q_cov = scored
            code, primary = self._code[idx], self._primary[idx]
            prev = best.get(code)
            if prev is None or score > prev.score or (score == prev.score and primary):
                best[code] = Candidate(code, round(score, 4), self._text[idx], primary, round(q_cov, 4))
        return sorted(best.values(), key=lambda c: (-c.score, not c.primary, c.code))


    def contradicted(self, stems: set[str]) -> dict[str, float]:
        """Code -> the weight of the question's words that one of its names excludes, or names when the
        question excludes them, taken for the code as a whole unless another of its names says that word
        as the question does.

        A code whose own descriptor says "without ultrasound" is not what "knee injection with ultrasound"
        asks for, even by an everyday name ("knee injection") that says nothing of ultrasound; nor is one
        named "with ultrasound" what "... without ultrasound" asks for. A name that puts its negation after
        the word ("ABN not on file") is not read as excluding it, so a code with any name that agrees is
        not held to the one that seems not to.
        """
        out: dict[str, float] = {}
        for s in stems:
            against = self._by_stem.get(opposite(s))
            if not against:
                continue
            agreeing = {self._code[idx] for idx in self._by_stem.get(s, ())}
            w = self.weight(s)
            for idx in against:
                code = self._code[idx]
                if code not in agreeing:
                    out[code] = max(out.get(code, 0.0), w)
        return out

    def spot(self, stems_at: list[tuple[int, str]], min_cover: float = 0.75, slack: int = 3) -> list[Spot]:
        """Every alias named *somewhere* in a long text, each at the place it is named.

        `stems_at` is the (position, stem) of each content word. An alias is spotted when words carrying
        at least `min_cover` of its weight stand close together (within twice the alias's length plus
        `slack` words): "removal of the IUD ... inserts a copper IUD" spots both IUD removal and insertion.
        One pass over the posting lists, like `search`.
        """
        where: dict[str, list[int]] = {}
        for pos, s in stems_at:
            if s in self._weight:
                where.setdefault(s, []).append(pos)
        hits: dict[int, list[str]] = {}
        for s in where:
            for idx in self._by_stem[s]:
                hits.setdefault(idx, []).append(s)
        out: list[Spot] = []
        for idx, stems in hits.items():
            covered = sum(self._weight[s] for s in stems)
            if covered < min_cover * self._alias_weight[idx] - 1e-9:
                continue
            span, at = _window([(p, s) for s in stems for p in where[s]], len(stems))
            if span > 2 * len(stems) + slack:
                continue
            out.append(Spot(self._code[idx], self._text[idx], round(covered, 4),
                            round(covered / self._alias_weight[idx], 4), frozenset(at), self._primary[idx]))
        return sorted(out, key=lambda x: (-x.weight, -x.cover, min(x.positions), x.code))


class Spot(Record, frozen=True):
    """An alias found in a long text: its code, how much weight it covered (and what share of the
    alias), and the word positions it covers."""

    code: str
    alias: str
    weight: float
    cover: float
    positions: frozenset[int]
    primary: bool


def _window(placed: list[tuple[int, str]], need: int) -> tuple[int, list[int]]:
    """The narrowest run of positions holding each of `need` distinct stems: (width, its positions)."""
    placed.sort()
    best: tuple[int, list[int]] = (1 << 30, [])
    count: dict[str, int] = {}
    lo = 0
    for hi, (pos, s) in enumerate(placed):
        count[s] = count.get(s, 0) + 1
        while len(count) == need:
            width = pos - placed[lo][0]
            if width < best[0]:
                best = (width, [p for p, _ in placed[lo:hi + 1]])
            first = placed[lo][1]
            count[first] -= 1
            if not count[first]:
                del count[first]
            lo += 1
    return best


def close_calls(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates about as likely as the best one (the best included)."""
    if not candidates:
        return []
    top = candidates[0].score
    return [c for c in candidates if c.score >= top - TIE_MARGIN]
