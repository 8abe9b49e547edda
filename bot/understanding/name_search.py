"""Finding codes by words over every imported code: SQLite FTS5 fetches the candidate names, the engine's own
scoring (`bot.understanding.procedures.score_alias`) ranks them.

The names of ~17,000 codes (each CMS short descriptor with CMS's abbreviations expanded, the everyday names
of knowledge/common_names.yaml, the curated names and synonyms) are written once, by `cptbot kb import`, into
tables of the store database:

    name_alias(id, code, alias, stems, weight, is_primary)   one row per distinct name of a code; `stems` are
                                                               the name's word stems as the engine makes them
                                                               (negated words marked, see `Words.marked_stems`)
    name_fts                                                   FTS5 over `stems` (external content: name_alias)
    name_stem(stem, weight, names)                             how rare each stem is across codes, and how
                                                               many names use it
    name_word(word)                                            every word of every name (spelling correction)
    name_info(key, value)                                      'key': the knowledge fingerprint they were made
                                                               with; 'codes': how many codes are named

A question fetches the names that use its rarest words, or two of its common ones (at most about `BUDGET`
names, every one scored). Nothing is loaded at start but the spelling vocabulary; what a question reads is
kept for the next ones: its words' weights, the ids of the names that use each of its words (one FTS5 query
per word the first time; then set operations, about half the cost of a question's FTS5 query), and the names
fetched (~7 MB after the 520 questions of the eval sets; the whole tables, ~18 MB, only once every word of
every name has been asked). The words stay the engine's own (same stems, same rarity weights), so a question
finds the same code with or without the import. When the knowledge files change after an import, the engine
writes the same tables into a file of the cache folder instead (`bot.catalog.name_index`).
"""

from __future__ import annotations

import math
import re
import sqlite3
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

from bot.records import CodeEntry
from bot.understanding.procedures import (
    LOOSE_ALIAS_COVERAGE,
    MIN_ALIAS_COVERAGE,
    UNKNOWN_WORD_WEIGHT,
    Candidate,
    Spot,
    _window,
    distinct_names,
    opposite,
    score_alias,
)
from bot.understanding.words import Words

NAMES_FORMAT = 3  # bump when the tables or the way names are made change
# The names a question's words fetch are bounded: its rarest words are asked for until about this many names
# would come back (a common word such as "removal" is still scored, it just fetches nothing by itself), so
# a query stays a fraction of a millisecond whatever the words.
BUDGET = 120
MAX_PAIRED = 4  # of the common words, at most this many are paired (6 pairs)
MAX_PAIRS_NEAR = 12  # in a long text, common words standing close together are paired, up to this many pairs
SCHEMA = """
DROP TABLE IF EXISTS name_fts;
DROP TABLE IF EXISTS name_alias;
DROP TABLE IF EXISTS name_stem;
DROP TABLE IF EXISTS name_word;
DROP TABLE IF EXISTS name_info;
CREATE TABLE name_alias (id INTEGER PRIMARY KEY, code TEXT NOT NULL, alias TEXT NOT NULL, stems TEXT NOT NULL,
    weight REAL NOT NULL, is_primary INTEGER NOT NULL);
CREATE INDEX name_alias_code ON name_alias (code);
CREATE VIRTUAL TABLE name_fts USING fts5(stems, content='name_alias', content_rowid='id',
    tokenize="unicode61 tokenchars '_'");
CREATE TABLE name_stem (stem TEXT PRIMARY KEY, weight REAL NOT NULL, names INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE name_word (word TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE name_info (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
_PLAIN_TOKEN = re.compile(r"[a-z0-9_]+")
Row = tuple[str, str, tuple[str, ...], float, bool]  # a fetched name: code, alias, stem tokens, weight, primary


def token(stem: str) -> str:
    """`stem` as one FTS5 token: stems are [a-z0-9] (plus `not_`); "d&c" and the like are hex-encoded.

    Kept once made: a search asks for the token of each of its words and of their negated forms (a dict
    look-up costs a third of the pattern match)."""
    made = _TOKENS.get(stem)
    if made is None:
        made = stem if _PLAIN_TOKEN.fullmatch(stem) else "x_" + stem.encode().hex()
        if len(_TOKENS) < 100_000:  # bounded: a stream of random words cannot grow it forever
            _TOKENS[stem] = made
    return made


_TOKENS: dict[str, str] = {}


def write_names(con: sqlite3.Connection, entries: Iterable[CodeEntry], words: Words, key: str) -> int:
    """Write the name tables into `con` (replacing any), inside the caller's transaction; returns the number
    of codes named. `key` is the fingerprint of the knowledge they were made from."""
    rows: list[tuple[str, str, tuple[str, ...], bool]] = []
    codes_by_stem: dict[str, set[str]] = {}
    names_by_stem: dict[str, int] = {}
    vocab: set[str] = set()
    for entry in entries:
        for phrase, ordered, is_primary in distinct_names(entry, words):
            stems = frozenset(ordered)
            vocab.update(words.surface(phrase))
            tokens = tuple(dict.fromkeys(token(s) for s in ordered))
            rows.append((entry.code, phrase, tokens, is_primary))
            for t in tokens:
                names_by_stem[t] = names_by_stem.get(t, 0) + 1
            for s in stems:
                codes_by_stem.setdefault(token(s), set()).add(entry.code)
    n = max(len({r[0] for r in rows}), 1)
    weight = {s: math.log(1.0 + n / len(c)) for s, c in codes_by_stem.items()}
    for statement in SCHEMA.split(";"):  # not executescript: it would commit the caller's transaction
        if statement.strip():
            con.execute(statement)
    con.executemany("INSERT INTO name_alias VALUES (?, ?, ?, ?, ?, ?)",
                    ((i, code, phrase, " ".join(stems), sum(weight[s] for s in stems), int(primary))
                     for i, (code, phrase, stems, primary) in enumerate(rows, 1)))
    con.execute("INSERT INTO name_fts (name_fts) VALUES ('rebuild')")
    con.executemany("INSERT INTO name_stem VALUES (?, ?, ?)",
                    ((s, w, names_by_stem[s]) for s, w in sorted(weight.items())))
    con.executemany("INSERT INTO name_word VALUES (?)", ((w,) for w in sorted(vocab)))
    con.executemany("INSERT INTO name_info VALUES (?, ?)", (("key", key), ("codes", str(n)),
                                                             ("format", str(NAMES_FORMAT))))
    return n


def stored_key(con: sqlite3.Connection) -> str | None:
    """The knowledge fingerprint the name tables of `con` were made with, or None without (current) tables."""
    try:
        rows = dict(con.execute("SELECT key, value FROM name_info").fetchall())
    except sqlite3.Error:
        return None
    return rows.get("key") if rows.get("format") == str(NAMES_FORMAT) else None


class NameSearch:
    """The engine's name index (`search`, `spot`, `weight`, ...) over the name tables of one database.

    Thread-safe: one connection, one lock (a query takes a fraction of a millisecond).
    """

    def __init__(self, con: sqlite3.Connection, lock: threading.Lock | None = None):
        self._con = con
        self._lock = lock or threading.Lock()
        with self._lock:
            info = dict(con.execute("SELECT key, value FROM name_info").fetchall())
        self._unknown = UNKNOWN_WORD_WEIGHT * math.log(1.0 + int(info.get("codes", "1")))
        self._weights: dict[str, tuple[float, int] | None] = {}
        # What questions have read, kept for the questions after them (a question's sides and its whole text
        # read mostly the same words and names, and so do the questions that follow), each bounded by a table:
        # the ids of the names that use a token (`_postings`; name_fts), the names fetched by id, their stems
        # split once (name_alias), and each code's names (`aliases_of`, asked several times a question when
        # close candidates are weighed).
        self._posted: dict[str, frozenset[int]] = {}
        self._holding: dict[str, frozenset[str]] = {}  # negated token -> the codes with a name holding it
        self._rows: dict[int, Row] = {}
        self._aliases: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}  # `_names_of`

    @classmethod
    def open(cls, path: Path) -> NameSearch:
        """Read-only over a database file (a name cache the engine wrote, or the store)."""
        from urllib.parse import quote

        con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, check_same_thread=False)
        return cls(con)

    def _all(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._con.execute(sql, args).fetchall()

    def vocabulary(self) -> set[str]:
        return {w for (w,) in self._all("SELECT word FROM name_word")}

    def aliases_of(self, code: str) -> list[str]:
        """The names of one code (one indexed lookup, the first time)."""
        return list(self._names_of(code)[0])

    def _names_of(self, code: str) -> tuple[tuple[str, ...], frozenset[str]]:
        """(the names of one code in index order, every token of them): one indexed lookup the first time."""
        found = self._aliases.get(code)
        if found is None:
            rows = self._all("SELECT alias, stems FROM name_alias WHERE code = ? ORDER BY id", (code,))
            found = self._aliases[code] = (tuple(a for a, _ in rows),
                                           frozenset(t for _, stems in rows for t in stems.split()))
        return found

    def codes(self) -> set[str]:
        return {c for (c,) in self._all("SELECT DISTINCT code FROM name_alias")}

    @property
    def rare_weight(self) -> float:
        return self._unknown / UNKNOWN_WORD_WEIGHT

    def _load_weights(self, stems: Iterable[str]) -> None:
        missing = list(dict.fromkeys(s for s in stems if s not in self._weights))
        if not missing:
            return
        found = {s: (w, n) for s, w, n in self._all(
            f"SELECT stem, weight, names FROM name_stem WHERE stem IN ({','.join('?' * len(missing))})",
            tuple(token(s) for s in missing))}
        if len(self._weights) > 100_000:  # bounded: a stream of random words cannot grow it forever
            self._weights.clear()
        for s in missing:
            self._weights[s] = found.get(token(s))

    def weight(self, stem: str) -> float:
        if stem not in self._weights:
            self._load_weights([stem])
        got = self._weights[stem]
        return self._unknown if got is None else got[0]

    def knows(self, stem: str) -> bool:
        if stem not in self._weights:
            self._load_weights([stem])
        return self._weights[stem] is not None

    def _fetch(self, stems: set[str], near: list[tuple[str, str]] | None = None) -> list[Row]:
        """The names that use the question's rarest words: (code, alias, stem tokens, weight, primary).

        Words are taken rarest first while the names they fetch stay within `BUDGET` (the rarest always);
        a name made only of the question's common words is fetched when it has two of them (in a long text,
        two that stand close together: `near`). At most 2 x `BUDGET` names, the lowest ids: the names the
        FTS5 query `"a" OR "b" OR ("c" AND "d") LIMIT 240` would return, found by set operations on the ids
        of each word's names.
        """
        self._load_weights([*stems, *(opposite(s) for s in stems)])
        known = sorted((s for s in stems if self._weights.get(s) is not None),
                       key=lambda s: (self._weights[s][1], s))  # type: ignore[index]
        if not known:
            return []
        chosen: list[str] = []
        total = 0
        for s in known:
            names = self._weights[s][1]  # type: ignore[index]
            if chosen and total + names > BUDGET:
                break
            chosen.append(s)
            total += names
        # the common words fetch the names that use two of them ("liver" and "biopsy"), the heaviest first
        if near is None:
            common = sorted(known[len(chosen):], key=lambda s: -self._weights[s][0])[:MAX_PAIRED]  # type: ignore
            pairs = [(a, b) for i, a in enumerate(common) for b in common[i + 1:]]
        else:
            common_set = set(known[len(chosen):])
            pairs = list(dict.fromkeys((a, b) for a, b in near if a in common_set and b in common_set and a != b))
            pairs = pairs[:MAX_PAIRS_NEAR]
        with self._lock:
            found: set[int] = set()
            for s in chosen:
                found |= self._postings(token(s))
            for a, b in pairs:
                found |= self._postings(token(a)) & self._postings(token(b))
            ids = sorted(found)[:2 * BUDGET]
            return self._rows_of(ids)

    def _rows_of(self, ids: list[int]) -> list[Row]:
        """The names with these ids, read once each. The caller holds the lock."""
        cached = self._rows
        missing = [i for i in ids if i not in cached]
        if missing:
            for i, code, alias, stems_text, weight, primary in self._con.execute(
                    f"SELECT id, code, alias, stems, weight, is_primary FROM name_alias "
                    f"WHERE id IN ({','.join('?' * len(missing))})", missing):
                cached[i] = (code, alias, tuple(map(sys.intern, stems_text.split())), weight, bool(primary))
        return [cached[i] for i in ids]

    def _codes_holding(self, tok: str) -> frozenset[str]:
        """The codes one of whose names holds `tok` (a negated word: a few dozen names at most), read once."""
        found = self._holding.get(tok)
        if found is None:
            with self._lock:
                rows = self._rows_of(sorted(self._postings(tok))[:2 * BUDGET])
            found = frozenset(row[0] for row in rows)
            if len(self._holding) < 100_000:  # bounded like the other memos
                self._holding[tok] = found
        return found

    def _contradicted(self, stems: set[str], rows: list[Row]) -> dict[str, float]:
        """As `ProcedureIndex.contradicted`, for the codes of the names fetched (`rows`): code -> the weight of
        the question's words one of its names excludes (or names, when the question excludes them) and none
        of its names says as the question does."""
        fetched: set[str] | None = None
        out: dict[str, float] = {}
        for s in stems:
            if self._weights.get(opposite(s)) is None:  # no name holds it (loaded by `_fetch`)
                continue
            if fetched is None:
                fetched = {row[0] for row in rows}
            tok, w = token(s), self.weight(s)
            for code in self._codes_holding(token(opposite(s))) & fetched:
                if tok not in self._names_of(code)[1]:
                    out[code] = max(out.get(code, 0.0), w)
        return out

    def _postings(self, tok: str) -> frozenset[int]:
        """The ids of the names that use one token: one FTS5 query the first time (at most ~1,200 ids, for
        "injection"). The caller holds the lock."""
        found = self._posted.get(tok)
        if found is None:
            found = self._posted[tok] = frozenset(i for (i,) in self._con.execute(
                "SELECT rowid FROM name_fts WHERE name_fts MATCH ?", (f'"{tok}"',)))
        return found

    def search(self, stems: set[str], content: set[str], loose: bool = False) -> list[Candidate]:
        """As `ProcedureIndex.search`, over the names FTS5 fetches for the question's words."""
        rows = self._fetch(stems)
        if not rows:
            return []
        contradicted = self._contradicted(stems, rows)
        # what each token of a name adds to (got, got_content, penalty): a question word its weight (to both
        # when it is content), the negated form of one the same weight as a penalty; looked up once here
        # rather than for every word of every name fetched
        weights = {s: self.weight(s) for s in stems}
        adds = {token(opposite(s)): (0.0, 0.0, w) for s, w in weights.items()}
        adds.update({token(s): (w, w if s in content else 0.0, 0.0) for s, w in weights.items()})
        content_w = sum(self.weight(s) for s in content)
        # the share of a name's weight the question must say (`score_alias`); a name heavier than `ceiling`
        # cannot have it said, and most names fetched do not (their score is not worked out)
        need = LOOSE_ALIAS_COVERAGE if loose else MIN_ALIAS_COVERAGE
        ceiling = (sum(weights.values()) + 1e-6) / need
        best: dict[str, Candidate] = {}
        for code, alias, alias_tokens, alias_w, primary in rows:
            if alias_w > ceiling:
                continue
            got = got_content = penalty = 0.0
            for t in alias_tokens:
                if t in adds:  # most of a name's words are not the question's
                    w, c, p = adds[t]
                    got += w
                    got_content += c
                    penalty += p
            if got < need * alias_w - 1e-9:
                continue
            if code in contradicted:
                penalty = max(penalty, contradicted[code])
            scored = score_alias(got, got_content, penalty, alias_w, content_w, loose)
            if scored is None:
                continue
            score, q_cov = scored
            prev = best.get(code)
            if prev is None or score > prev.score or (score == prev.score and primary):
                best[code] = Candidate(code, round(score, 4), alias, primary, round(q_cov, 4))
        return sorted(best.values(), key=lambda c: (-c.score, not c.primary, c.code))

    def names_with_all(self, stems: set[str]) -> list[tuple[str, str]]:
        """(code, name) of the names fetched for `stems` that say every one of them (or its negated form):
        the members of a family the question names in few words, however many other words their names hold
        (the search proper leaves out a name the question says too little of)."""
        wanted = [(token(s), token(opposite(s))) for s in stems]
        return [(code, alias) for code, alias, alias_tokens, _, _ in self._fetch(stems)
                if all(a in alias_tokens or b in alias_tokens for a, b in wanted)]

    def spot(self, stems_at: list[tuple[int, str]], min_cover: float = 0.75, slack: int = 3) -> list[Spot]:
        """As `ProcedureIndex.spot`, over the names FTS5 fetches for the text's words."""
        where: dict[str, list[int]] = {}
        for pos, s in stems_at:
            where.setdefault(s, []).append(pos)
        near = [(a, b) for i, (pa, a) in enumerate(stems_at) for pb, b in stems_at[i + 1:i + 3] if pb - pa <= 4]
        rows = self._fetch(set(where), near)
        by_token = {token(s): (s, self.weight(s)) for s in where}
        # a name heavier than this cannot have `min_cover` of its weight said anywhere in the text
        ceiling = (sum(w for _, w in by_token.values()) + 1e-6) / min_cover if min_cover > 0 else math.inf
        out: list[Spot] = []
        for code, alias, alias_tokens, alias_w, primary in rows:
            if alias_w > ceiling:
                continue
            covered = 0.0
            stems = []
            for t in alias_tokens:
                if t in by_token:
                    s, w = by_token[t]
                    covered += w
                    stems.append(s)
            if not stems or covered < min_cover * alias_w - 1e-9:
                continue
            span, at = _window([(p, s) for s in stems for p in where[s]], len(stems))
            if span > 2 * len(stems) + slack:
                continue
            out.append(Spot(code, alias, round(covered, 4), round(covered / alias_w, 4), frozenset(at), primary))
        return sorted(out, key=lambda x: (-x.weight, -x.cover, min(x.positions), x.code))
