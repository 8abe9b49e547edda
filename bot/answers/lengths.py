"""Wound repairs coded by complexity, site group and total length (knowledge/repair_lengths.yaml).

CPT splits repairs by complexity (simple, intermediate, complex), by a group of sites (trunk and limbs;
face, ears, eyelids, nose, lips ...) and by length in bands. It adds the lengths of the repairs of one
complexity within one site group and reports the sum once: two simple arm lacerations of 2 cm and 3 cm are
one code for 5 cm, while a face and an arm laceration are coded apart. A question that names the repair's
complexity is answered with the code of each site group's total; without a length or a site it lists the
choices; a length outside every band (a complex repair of 1 cm) is said, never guessed. Families are YAML;
adding one is a YAML edit. Lengths are read in cm or mm in one regular-expression pass.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answer import Answer, Section
from bot.answers.patterns import patterns_problem
from bot.answers.rules_yaml import load_entries, text, texts
from bot.answers.sized import SiteFamilies, lesion_sizes
from bot.record import Record
from bot.understanding.words import Token
from bot.yamlfile import Problems, is_text, is_text_list

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

FILE = "repair_lengths.yaml"


class Band(Record, frozen=True):
    code: str
    low: float  # the band holds lengths from `low` (0: any) ...
    high: float | None  # ... up to `high` cm; None: over the previous band


class SiteGroup(Record, eq=False):
    name: str
    words: tuple[str, ...]
    bands: tuple[Band, ...]
    more_code: str = ""  # the add-on for each further `more_per` cm past the last band
    more_per: float = 0.0


class Family(Record, eq=False):
    id: str
    title: str
    when: tuple[str, ...]
    sites: tuple[SiteGroup, ...]
    facts: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v > 0


def _is_sites(value: Any) -> str | None:
    problem = ("must be a list of sites, each {name, words, bands, each_more (optional)}; bands each {code, "
               "from (optional), to (cm; omitted on the last for 'over')}, rising")
    if not isinstance(value, list) or not value:
        return problem
    for site in value:
        if not isinstance(site, dict) or not {"name", "words", "bands"} <= set(site) <= {
                "name", "words", "bands", "each_more"} or is_text(site["name"]) or is_text_list(site["words"]):
            return problem
        bands = site["bands"]
        if not isinstance(bands, list) or not bands:
            return problem
        last = 0.0
        for i, b in enumerate(bands):
            if not isinstance(b, dict) or "code" not in b or not set(b) <= {"code", "from", "to"} \
                    or not isinstance(b["code"], str) or len(b["code"]) != 5:
                return problem
            if ("from" in b and not _number(b["from"])) or ("to" in b and (not _number(b["to"]) or b["to"] <= last)):
                return problem
            if "to" not in b and i != len(bands) - 1:
                return problem
            last = float(b.get("to", last))
        more = site.get("each_more")
        if more is not None and (not isinstance(more, dict) or set(more) != {"code", "per"}
                                 or not isinstance(more["code"], str) or not _number(more["per"])
                                 or "to" not in bands[-1]):
            return problem + "; each_more {code, per} needs the last band to end (`to`)"
    return None


SPEC = {"id": (is_text, True), "title": (is_text, True), "when": (patterns_problem, True),
        "unless": (patterns_problem, False), "sites": (_is_sites, True), "facts": (is_text_list, False)}


def load_families(root: Path, problems: Problems) -> tuple[Family, ...]:
    """Read `knowledge/repair_lengths.yaml`; problems go to `problems` as file:line: entry: field: what."""
    out = []
    for e in load_entries(root, FILE, "families", SPEC, problems):
        sites = []
        for s in e["sites"]:
            bands, low = [], 0.0
            for b in s["bands"]:
                bands.append(Band(str(b["code"]), float(b.get("from", low)),
                                  float(b["to"]) if "to" in b else None))
                low = float(b["to"]) + 0.1 if "to" in b else low
            more = s.get("each_more") or {}
            sites.append(SiteGroup(str(s["name"]), tuple(str(w) for w in s["words"]), tuple(bands),
                                   str(more.get("code", "")), float(more.get("per", 0))))
        out.append(Family(id=e["id"], title=text(e, "title"), when=texts(e, "when"), sites=tuple(sites),
                          facts=texts(e, "facts"), unless=texts(e, "unless")))
    return tuple(out)


class Coded(Record, eq=False):
    site: SiteGroup
    total: float
    parts: tuple[float, ...]  # the lengths added up
    band: Band | None  # None: no band holds the total
    more_units: int = 0


class RepairMatch(Record, eq=False):
    family: Family
    coded: tuple[Coded, ...]  # one per site group with lengths; empty when a length or the site is missing
    sites: tuple[SiteGroup, ...] = ()  # the site groups named (when no length is stated)
    length: float | None = None  # the length stated (when no site is named)

    def one_code(self) -> str:
        """The one code the repairs come to (one site group, no add-on), or ""."""
        if len(self.coded) == 1 and self.coded[0].band is not None and not self.coded[0].more_units:
            return self.coded[0].band.code
        return ""


def band_of(site: SiteGroup, total: float) -> tuple[Band | None, int]:
    """The band holding `total` cm, with the add-on's units past the last band."""
    for b in site.bands:
        if total < b.low - 1e-9:
            return None, 0
        if b.high is None or total <= b.high + 1e-9:
            return b, 0
    last = site.bands[-1]
    if site.more_code and last.high is not None:
        return last, math.ceil((total - last.high) / site.more_per - 1e-9)
    return None, 0


class RepairFinder(SiteFamilies):
    """Which repair family a question describes, with each site group's lengths (None when none fits)."""

    def find(self, tokens: list[Token], text_: str) -> RepairMatch | None:
        found = self.index.matches(tokens)
        if not found:
            return None
        family = found[0][1]
        low = text_.lower()
        places = sorted((m.start(), s) for s in family.sites for w in s.words
                        for m in re.finditer(r"\b" + re.escape(w.lower()) + r"\b", low))
        lengths = lesion_sizes(text_, repairs=True)  # an excision's own size is not a repair's length
        if not lengths or not places:
            named = tuple(dict.fromkeys(s for _, s in places))
            return RepairMatch(family, (), named, lengths[0][1] if lengths else None)
        if len(places) == len(lengths):  # as many sites as lengths: in the order they are named
            paired = [(v, s) for (_, v), (_, s) in zip(lengths, places, strict=True)]
        else:  # a site usually follows its length ("2 cm on the arm"): one before counts twice as far
            paired = [(v, min(places, key=lambda p: p[0] - at if p[0] >= at else 2 * (at - p[0]))[1])
                      for at, v in lengths]
        groups: dict[str, list[float]] = {}
        by_name = {s.name: s for s in family.sites}
        for v, s in paired:
            groups.setdefault(s.name, []).append(v)
        coded = []
        for name, parts in groups.items():
            total = round(sum(parts), 2)
            band, units = band_of(by_name[name], total)
            coded.append(Coded(by_name[name], total, tuple(parts), band, units))
        return RepairMatch(family, tuple(coded))


def _band_name(site: SiteGroup, b: Band) -> str:
    if b.high is None:
        return f"over {site.bands[-2].high:g} cm" if len(site.bands) > 1 else "any length"
    return f"{b.low:g}-{b.high:g} cm" if b.low > 0 else f"{b.high:g} cm or less"


def _bands(site: SiteGroup) -> str:
    said = "; ".join(f"{b.code} {_band_name(site, b)}" for b in site.bands)
    if site.more_code:
        said += f"; {site.more_code} each further {site.more_per:g} cm or part of it (add-on)"
    return said


def repair_sentence(match: RepairMatch) -> tuple[str, str]:
    """The one code a repair comes to and what it is in words ("12032 for the intermediate repair, 2.5 cm on
    the trunk, arms or legs (2.6-7.5 cm)"), for an answer that codes a repair beside something else."""
    c = match.coded[0]
    assert c.band is not None
    return c.band.code, (f"{c.band.code} for the {match.family.title.lower()}, {c.total:g} cm on the {c.site.name} "
                         f"({_band_name(c.site, c.band)})")


def answer(ask: Ask, engine: Engine) -> Answer:
    """The `repair` answerer: each site group's total length and its code, or the choices."""
    match: RepairMatch = ask.rule  # type: ignore[assignment]
    family, fy = match.family, ask.fy
    kind = family.title.lower()
    status = "answered"
    if match.coded:
        said, codes = [], []
        for c in match.coded:
            summed = (" + ".join(f"{p:g}" for p in c.parts) + f" = {c.total:g} cm") if len(c.parts) > 1 \
                else f"{c.total:g} cm"
            if c.band is None:
                status = "clarify"
                said.append(f"no {kind} code fits {summed} on the {c.site.name} ({_bands(c.site)})")
                continue
            codes.append(c.band.code)
            if c.more_units:
                codes.append(c.site.more_code)
                said.append(f"{c.band.code} and {c.site.more_code} x {c.more_units} for {summed} on the "
                            f"{c.site.name}")
            else:
                said.append(f"{c.band.code} for {summed} on the {c.site.name} ({_band_name(c.site, c.band)})")
        headline = f"{family.title}: " + "; ".join(said) + "."
        if any(len(c.parts) > 1 for c in match.coded):
            headline += " Repairs of the same complexity in the same site group are added together and coded once."
        if len(match.coded) > 1:
            headline += " Each site group is its own line."
    elif match.sites:
        codes = [b.code for s in match.sites for b in s.bands]
        headline = (f"For {kind}, the code depends on the total length: "
                    + " / ".join(f"{s.name}: {_bands(s)}" for s in match.sites) + ".")
        status = "clarify"
    else:
        status = "clarify"
        if match.length is not None:
            options = [(s, band_of(s, match.length)[0]) for s in family.sites]
            codes = [b.code for _, b in options if b is not None]
            headline = (f"For {kind} of {match.length:g} cm, the code depends on the site: "
                        + "; ".join(f"{b.code} {s.name}" if b is not None else f"none for the {s.name}"
                                    for s, b in options) + ".")
        else:
            codes = []
            headline = (f"For {kind}, the code depends on the site and the total length: "
                        + " / ".join(f"{s.name}: {_bands(s)}" for s in family.sites) + ".")
    sections = [Section("How it is coded", [], " ".join([
        "CPT adds the lengths of repairs of the same complexity in the same site group and reports the sum "
        "once; different site groups or complexities are coded apart.", *family.facts]))]
    priced = [c for c in dict.fromkeys(codes) if (c, "") in fy.rvus]
    from bot.replies import source_line

    return Answer(status=status, intent="which_code", headline=headline, title=family.title, codes=priced,
                  year=fy.year if priced else None, sections=sections, source=source_line(fy) if priced else "")
