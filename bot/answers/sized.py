"""Codes chosen by a lesion's site and size: shave removals, excisions of benign and malignant lesions.

CPT splits these families by where the lesion is (trunk and limbs; scalp, neck, hands, feet, genitalia;
face, ears, eyelids, nose, lips, mucous membrane) and by its diameter in bands (0.5 cm or less, 0.6-1.0,
...). A question that describes the procedure, the site and the size ("shaved a 1.1 cm nevus off her back")
is answered with the one code, and a question that names codes ("he coded 11302, I want 17110 or 11102")
is told which of them fits. The families live in `knowledge/lesion_sizes.yaml` (words, sites, bands, codes);
adding one is a YAML edit. Sizes are read in cm or mm; one regular-expression pass over the text.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answer import Answer, Fact, Section
from bot.answers.patterns import PatternIndex, patterns_problem
from bot.answers.rules_yaml import is_code_list, load_entries, text, texts
from bot.record import Record
from bot.understanding.words import Token, Words, has_digit
from bot.yamlfile import Problems, is_flag, is_text, is_text_list

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

FILE = "lesion_sizes.yaml"
# A size needs a digit: the patterns are compiled on first use (by `re`'s cache) and only looked for in a
# question that has one (`has_digit`).
MARGIN_RE = r"(?i)\s*(?:[a-z-]+\s+){0,2}margins?\b"
MARGIN_BEFORE_RE = r"(?i)margins?\s*(?:of\s*)?$"
SIZE_RE = r"(?i)(?<![\w.])(\d{1,2}(?:\.\d{1,2})?|\.\d{1,2})\s*(cm|centimeters?|mm|millimeters?)\b"
# A length said of a wound repair ("an intermediate repair of 2.5 cm", "closed with a 3 cm layered closure",
# "a 2 cm laceration"), not of a lesion: a narrative of an excision and its repair states both.
_REPAIR = r"(?:repair(?:s|ed)?|clos(?:ures?|ed)|lacerations?|lacs?|sutures?d?)"
_LESION = r"(?:lesions?|nev(?:us|i)|moles?|cysts?|lipomas?|tumou?rs?|mass(?:es)?|keratos[ie]s|excis(?:ion|ed)|shaved?)"
_BETWEEN = r"(?:\s+(?:of|was|is|measuring|totall?ing|about|approximately|a|an|the|total|benign|malignant))*\s*$"


@cache
def _said_of() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The words before and after a size that say it is a repair's length or a lesion's size, compiled the first
    time a question states a size (most never do)."""
    return (re.compile(rf"\b{_REPAIR}\b{_BETWEEN}", re.I),
            re.compile(rf"\s*(?:long\s+)?(?:[a-z-]+\s+){{0,2}}?{_REPAIR}\b", re.I),
            re.compile(rf"\b{_LESION}\b{_BETWEEN}", re.I),
            re.compile(rf"\s*(?:[a-z-]+\s+){{0,2}}?{_LESION}\b", re.I))


def is_repair_length(text_: str, start: int, end: int) -> bool:
    """Whether the size at text_[start:end] is said of a wound repair rather than of a lesion."""
    before, after, _, _ = _said_of()
    return bool(before.search(text_[max(0, start - 40):start]) or after.match(text_, end))


def is_lesion_size(text_: str, start: int, end: int) -> bool:
    """Whether the size at text_[start:end] is said of a lesion (and not of a repair)."""
    _, _, before, after = _said_of()
    return not is_repair_length(text_, start, end) and bool(
        before.search(text_[max(0, start - 40):start]) or after.match(text_, end))


class Site(Record, eq=False):
    name: str  # "trunk, arms or legs"
    words: tuple[str, ...]
    codes: tuple[str, ...]  # one per size band, smallest first


class Family(Record, eq=False):
    """One family of codes chosen by site and size, as written in lesion_sizes.yaml."""

    id: str
    title: str
    when: tuple[str, ...]
    bands: tuple[float, ...]  # upper limits in cm of every band but the last (which is "more than")
    sites: tuple[Site, ...]
    measure: str  # how the size is measured, one sentence
    facts: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    add_margins: bool = False  # excisions: the size coded is the lesion plus twice the narrowest margin stated
    # a lesion whose pathology is not said: the families (benign, malignant) whose codes are given side by side,
    # their sites and bands read from the first of them
    by_pathology: tuple[Family, ...] = ()


def _is_bands(value: Any) -> str | None:
    if not isinstance(value, list) or not value or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in value) or value != sorted(value):
        return "must be a rising list of sizes in cm, like [0.5, 1.0, 2.0]"
    return None


def _is_sites(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a list of sites, each {name, words, codes}"
    for site in value:
        if not isinstance(site, dict) or set(site) != {"name", "words", "codes"} or is_text(site["name"]) \
                or is_text_list(site["words"]) or is_code_list(site["codes"]):
            return "each site needs `name` (text), `words` (a list) and `codes` (quoted codes, one per size band)"
    return None


SPEC = {"id": (is_text, True), "title": (is_text, True), "when": (patterns_problem, True),
        "bands": (_is_bands, False), "sites": (_is_sites, False), "measure": (is_text, True),
        "facts": (is_text_list, False), "unless": (patterns_problem, False), "add_margins": (is_flag, False),
        "by_pathology": (is_text_list, False)}


def load_families(root: Path, problems: Problems) -> tuple[Family, ...]:
    """Read `knowledge/lesion_sizes.yaml`; problems go to `problems` as file:line: entry: field: what."""
    out: list[Family] = []
    for e in load_entries(root, FILE, "families", SPEC, problems):
        if "by_pathology" in e:
            named = [next((f for f in out if f.id == i), None) for i in e["by_pathology"]]
            if len(named) < 2 or any(f is None for f in named) or "bands" in e or "sites" in e:
                problems.add(f"knowledge/{FILE}", e.line_of("by_pathology"), e["id"], "by_pathology",
                             "must name two or more families listed above it, and give no bands or sites")
                continue
            first = named[0]
            out.append(Family(id=e["id"], title=text(e, "title"), when=texts(e, "when"), bands=first.bands,
                              sites=first.sites, measure=text(e, "measure"), facts=texts(e, "facts"),
                              unless=texts(e, "unless"), add_margins=first.add_margins,
                              by_pathology=tuple(f for f in named if f is not None)))
            continue
        if "bands" not in e or "sites" not in e:
            problems.add(f"knowledge/{FILE}", e.line_of("id"), e["id"], "bands",
                         "a family needs `bands` and `sites` (or `by_pathology`)")
            continue
        bands = tuple(float(b) for b in e["bands"])
        sites = tuple(Site(str(s["name"]), tuple(str(w) for w in s["words"]), tuple(s["codes"])) for s in e["sites"])
        if any(len(s.codes) != len(bands) + 1 for s in sites):
            problems.add(f"knowledge/{FILE}", e.line_of("sites"), e["id"], "sites",
                         f"each site needs {len(bands) + 1} codes: one per size band")
            continue
        out.append(Family(id=e["id"], title=text(e, "title"), when=texts(e, "when"), bands=bands, sites=sites,
                          measure=text(e, "measure"), facts=texts(e, "facts"), unless=texts(e, "unless"),
                          add_margins=bool(e.get("add_margins", False))))
    return tuple(out)


def size_cm(text_: str, add_margins: bool = False) -> float | None:
    """The first size stated in `text_`, in cm ("1.5 cm", "8 mm", ".5cm"), or None. With `add_margins`, a
    size followed by "margin(s)" is the narrowest margin, and twice it is added to the lesion's size."""
    lesion = margin = None
    for m in re.finditer(SIZE_RE, text_) if has_digit(text_) else ():
        if is_repair_length(text_, m.start(), m.end()):
            continue
        value = float(m.group(1)) / (10 if m.group(2).lower().startswith("m") else 1)
        before = text_[max(0, m.start() - 20):m.start()]
        if add_margins and (re.compile(MARGIN_RE).match(text_, m.end()) or re.search(MARGIN_BEFORE_RE, before)):
            margin = value if margin is None else margin
        elif lesion is None:
            lesion = value
        if lesion is not None and (margin is not None or not add_margins):
            break
    if lesion is None:
        return None
    return round(lesion + 2 * margin, 2) if margin is not None else lesion


def lesion_sizes(text_: str, add_margins: bool = False, repairs: bool = False) -> list[tuple[int, float]]:
    """Every lesion size stated, as (character position, cm), margins left out (and, with `add_margins`,
    twice the first margin stated added to each). With `repairs`, the lengths of wound repairs instead: when
    a narrative states both (an excision and its closure), each size goes with the words beside it."""
    lesions: list[tuple[int, float]] = []
    margin = None
    for m in re.finditer(SIZE_RE, text_) if has_digit(text_) else ():
        if (is_lesion_size(text_, m.start(), m.end()) if repairs else is_repair_length(text_, m.start(), m.end())):
            continue
        value = float(m.group(1)) / (10 if m.group(2).lower().startswith("m") else 1)
        before = text_[max(0, m.start() - 20):m.start()]
        if re.compile(MARGIN_RE).match(text_, m.end()) or re.search(MARGIN_BEFORE_RE, before):
            margin = value if margin is None else margin
        else:
            lesions.append((m.start(), value))
    if add_margins and margin is not None:
        lesions = [(at, round(v + 2 * margin, 2)) for at, v in lesions]
    return lesions


class SizedMatch(Record, eq=False):
    family: Family
    size: float | None
    site: Site | None
    more: tuple[tuple[float, Site], ...] = ()  # further lesions, each with its own size and site


class SiteFamilies:
    """Families of codes described by words and split by body-site groups (lesions by size here, wound repairs
    by length in bot/answers/lengths.py): the index of their patterns, and the words their sites teach the
    spelling corrector. Each finder adds how it reads its measure."""

    def __init__(self, families: tuple[Any, ...], words: Words):
        self.words = words
        self.families = families
        self.index: PatternIndex[Any] = PatternIndex([(f, f.when) for f in families], words,
                                                      [f.unless for f in families])

    def vocabulary(self) -> set[str]:
        words = self.index.vocabulary()
        for family in self.families:
            for site in family.sites:
                words.update(w.lower() for w in site.words)
        return words


class SizeFinder(SiteFamilies):
    """Which family a question describes, with the site and size it states (None when no family fits)."""

    def find(self, tokens: list[Token], text_: str) -> SizedMatch | None:
        found = self.index.matches(tokens)
        if not found:
            return None
        family = found[0][1]
        stems = {t.stem for t in tokens}
        site = next((s for s in family.sites if any(self.words.stem_of(w.lower()) in stems for w in s.words)), None)
        size = size_cm(text_, family.add_margins)
        if site is None and size is None:
            return None
        sizes = lesion_sizes(text_, family.add_margins)
        places = sorted(((m.start(), s) for s in family.sites for w in s.words
                         for m in re.finditer(r"\b" + re.escape(w.lower()) + r"\b", text_.lower())),
                        key=lambda p: p[0]) if site is not None and sizes else []

        def nearest(at: int) -> Site:
            """The site named nearest a size: one usually follows its size ("1.5 cm on the chest"), so one
            named before it counts twice as far."""
            return min(places, key=lambda p: p[0] - at if p[0] >= at else 2 * (at - p[0]))[1]

        if len(sizes) > 1 and places:
            # several lesions: each size goes with the site named nearest to it ("0.7 cm on the forehead")
            if len(places) == len(sizes):  # as many sites as sizes: in the order they are named
                paired = [(v, site) for (_, v), (_, site) in zip(sizes, places, strict=True)]
            else:
                paired = [(v, nearest(at)) for at, v in sizes]
            if len(paired) > 1:
                return SizedMatch(family, paired[0][0], paired[0][1], tuple(paired[1:]))
        if len({id(s) for _, s in places}) > 1:
            # one lesion, several sites named ("0.4 cm lesion on the nose and a biopsy on the back"): its own
            site = nearest(sizes[0][0])
        return SizedMatch(family, size, site)


def _band(family: Family, size: float) -> int:
    return next((i for i, top in enumerate(family.bands) if size <= top + 1e-9), len(family.bands))


def _band_name(family: Family, i: int) -> str:
    if i == 0:
        return f"{family.bands[0]:g} cm or less"
    if i == len(family.bands):
        return f"over {family.bands[-1]:g} cm"
    return f"{family.bands[i - 1] + 0.1:g}-{family.bands[i]:g} cm"


def answer(ask: Ask, engine: Engine) -> Answer:
    """The `sized` answerer: the code for the site and size, or the choices when one of them is missing."""
    match: SizedMatch = ask.rule  # type: ignore[assignment]
    family, fy = match.family, ask.fy
    named = ask.codes
    sections = [Section("How it is coded", [], " ".join([family.measure, *family.facts]))]
    if match.more and match.site is not None and match.size is not None:
        each = [(size, site, site.codes[_band(family, size)]) for size, site in ((match.size, match.site), *match.more)]
        headline = (f"Code each lesion on its own line ({family.title.lower()}): "
                    + "; ".join(f"{code} for {size:g} cm on the {site.name} ({_band_name(family, _band(family, size))})"
                                for size, site, code in each) + ".")
        codes = list(dict.fromkeys(code for _, _, code in each))
    elif family.by_pathology and match.site is not None and match.size is not None:
        # "excised a 1.2 cm lesion on the arm": benign and malignant excisions are different codes, and the
        # pathology report decides; both are named, never one guessed
        i = _band(family, match.size)
        at = family.sites.index(match.site)
        each = [(f, f.sites[at].codes[i]) for f in family.by_pathology]
        headline = ("The pathology report decides: " + "; ".join(
            f"{code} if it is a {f.title.lower().removeprefix('excision of a ')}" for f, code in each)
            + f" ({match.site.name}, {_band_name(family, i)}, {match.size:g} cm excised diameter).")
        codes = [code for _, code in each]
    elif match.site is not None and match.size is not None:
        i = _band(family, match.size)
        code = match.site.codes[i]
        stated = "excised diameter" if family.add_margins else "stated"
        said = (f"{code}: {family.title.lower()}, {match.site.name}, {_band_name(family, i)} ({match.size:g} cm "
                f"{stated}).")
        if named and code in named:
            headline = f"{code} is correct: {said[len(code) + 2:]}"
            others = [c for c in named if c != code]
            if others:
                headline += f" {', '.join(others)} {'is' if len(others) == 1 else 'are'} not: they describe other " \
                            "procedures (a biopsy, a destruction or another size or site)."
        elif named:
            headline = f"{said} Not {', '.join(named)}."
        else:
            headline = said
        codes = [code, *(c for c in named if c != code)]
    elif match.site is not None:
        at = family.sites.index(match.site)
        codes, parts = [], []
        for f in family.by_pathology or (family,):
            codes += f.sites[at].codes
            parts.append(f"for {f.title.lower()} on the {match.site.name}, the code depends on the size: "
                         + "; ".join(f"{c} {_band_name(f, i)}" for i, c in enumerate(f.sites[at].codes)) + ".")
        headline = " ".join(p[0].upper() + p[1:] for p in parts)
    else:
        i = _band(family, match.size or 0)
        codes, parts = [], []
        for f in family.by_pathology or (family,):
            codes += [s.codes[i] for s in f.sites]
            parts.append(f"for {f.title.lower()} of {_band_name(f, i)}, the code depends on the site: "
                         + "; ".join(f"{s.codes[i]} {s.name}" for s in f.sites) + ".")
        headline = " ".join(p[0].upper() + p[1:] for p in parts)
    if ask.repair is not None:  # the closure of the excision site: a code of its own beside the excision
        from bot.answers.lengths import repair_sentence

        repair_code, said_repair = repair_sentence(ask.repair)
        if repair_code not in codes:
            codes.append(repair_code)
            headline += f" Add {said_repair}."
    if ask.beside and codes:  # "... and did a punch biopsy of a second lesion": its own code, and the edit
        from bot.answers.beside import beside_sentences

        said_beside, ncci_section = beside_sentences(ask, engine, codes[0])
        headline += said_beside
        codes += [c for c in ask.beside if c not in codes]
        if ncci_section is not None:
            sections.insert(0, ncci_section)
    priced = [c for c in codes if (c, "") in fy.rvus]
    facts = [Fact(c, f"global {fy.rvus[(c, '')].global_days}") for c in priced[:1]]
    if facts:
        sections.append(Section(f"CY{fy.year} fee schedule", facts))
    from bot.replies import source_line

    return Answer(status="answered", intent="which_code", headline=headline, title=family.title, codes=priced,
                  year=fy.year if priced else None, sections=sections, source=source_line(fy) if priced else "")
