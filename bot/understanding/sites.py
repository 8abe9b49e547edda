"""Anatomic sites that exclude one another: a question about one is not answered with another's code.

The name search scores the words a question shares with a code's names, so "colposcopy of the vulva" is
matched in full by the bare name "colposcopy" of the cervix's colposcopy (57452) when the vulva's own code
is not loaded, and "abdominal x-ray three views" finds "hand x-ray three views" for the words it shares.
A coder would never take the other site's code. Here each code's names are read for the sites they name
(knowledge/anatomic_sites.yaml, in families of sites of one kind: the female genital organs, the body's
parts); a code whose names name sites of a family the question also names, but none of the question's
sites (nor a site one of them is part of, or a part of one of them), conflicts with the question and is
not offered. A question that names no site, or a code whose names name none, is never affected.

The sites of a code are read from its names once and kept (bounded), so a question costs a look-up per
candidate code only when it names a site.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.answers.rules_yaml import load_entries
from bot.record import Record
from bot.yamlfile import Problems, is_text

FILE = "anatomic_sites.yaml"
Sites = frozenset[tuple[str, str]]  # (family id, site id)
MAX_KEPT = 50_000  # codes whose sites are kept (bounded: every code of a release is ~17,000)


class Site(Record, frozen=True):
    id: str
    words: tuple[str, ...]
    part_of: tuple[str, ...] = ()  # the sites this one lies within ("finger" in "hand"): never in conflict with them


class SiteFamily(Record, frozen=True):
    """Sites of one kind, any two of which (not part of one another) name different codes."""

    id: str
    sites: tuple[Site, ...]


def _is_sites(value: Any) -> str | None:
    problem = "must be a list of {id, words: [...], part_of (optional: a site or a list of sites)}, each id once"
    if not isinstance(value, list) or len(value) < 2:
        return problem
    ids: set[str] = set()
    for s in value:
        if not isinstance(s, dict) or not {"id", "words"} <= set(s) or not set(s) <= {"id", "words", "part_of"}:
            return problem
        if not isinstance(s["id"], str) or s["id"] in ids or not isinstance(s["words"], list) or not s["words"] \
                or not all(isinstance(w, str) and w.strip() for w in s["words"]):
            return problem
        ids.add(s["id"])
    if any(p not in ids or p == s["id"] for s in value for p in _parents(s.get("part_of"))):
        return "part_of must name other sites of the same family"
    return None


SPEC = {"id": (is_text, True), "sites": (_is_sites, True)}


def _parents(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def load_site_families(root: Path, problems: Problems) -> tuple[SiteFamily, ...]:
    """Read `knowledge/anatomic_sites.yaml` (optional); problems go to `problems` as file:line: entry: field."""
    return tuple(
        SiteFamily(id=str(e["id"]), sites=tuple(
            Site(str(s["id"]), tuple(str(w) for w in s["words"]), _parents(s.get("part_of"))) for s in e["sites"]))
        for e in load_entries(root, FILE, "families", SPEC, problems))


class SiteChecker:
    """Which sites some words name, and whether a code's names contradict the sites a question names."""

    def __init__(self, families: Iterable[SiteFamily], stems_of: Callable[[str], tuple[str, ...]]):
        """`stems_of`: the engine's content stems of a text (the same stems questions and names are read by)."""
        self._stems_of = stems_of
        self._by_stem: dict[str, list[tuple[str, str]]] = {}  # a word may name a site in each of two families
        self._within: dict[tuple[str, str], set[str]] = {}  # (family, site) -> every site it lies within
        for fam in families:
            parents = {s.id: s.part_of for s in fam.sites}
            for s in fam.sites:
                for w in s.words:
                    stems = stems_of(w)
                    if len(stems) == 1:  # one word, one stem; a phrase would match its words apart
                        self._by_stem.setdefault(stems[0], []).append((fam.id, s.id))
                up, todo = set(), list(s.part_of)
                while todo:
                    site = todo.pop()
                    if site not in up:
                        up.add(site)
                        todo.extend(parents.get(site, ()))
                self._within[(fam.id, s.id)] = up
        self._kept: dict[str, Sites] = {}

    def sites(self, stems: Iterable[str]) -> Sites:
        """The (family, site) pairs the stems name: of a site and one within it, only the one within ("lumbar
        spine" is the lumbar spine, not any part of the spine)."""
        by_stem = self._by_stem
        found = {pair for s in stems if s in by_stem for pair in by_stem[s]}
        if len(found) < 2:
            return frozenset(found)
        within = self._within
        return frozenset(p for p in found
                         if not any(p[0] == q[0] and p[1] in within.get(q, ()) for q in found if q != p))

    def _related(self, family: str, a: str, b: str) -> bool:
        return a == b or a in self._within.get((family, b), ()) or b in self._within.get((family, a), ())

    def code_sites(self, code: str, names: Callable[[str], Iterable[str]]) -> Sites:
        """The sites any of a code's names name (`names(code)`: its names), read once per code."""
        found = self._kept.get(code)
        if found is None:
            found = frozenset().union(*(self.sites(self._stems_of(n)) for n in names(code)))
            if len(self._kept) >= MAX_KEPT:
                self._kept.clear()
            self._kept[code] = found
        return found

    def conflict(self, asked: Sites, named: Sites) -> bool:
        """Whether `named` (a code's sites) names sites of a family `asked` (a question's) names, and none of
        them is one asked or related to one asked."""
        if not asked or not named:
            return False
        for fam in {f for f, _ in asked} & {f for f, _ in named}:
            wanted = [s for f, s in asked if f == fam]
            if not any(self._related(fam, a, n) for f, n in named if f == fam for a in wanted):
                return True
        return False
