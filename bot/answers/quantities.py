"""Codes chosen by a quantity the question states: a count (muscles, skin tags, extremities) or minutes.

Many CPT families differ only by a number: 20552 is one or two muscles and 20553 three or more; 99406 is
3-10 minutes of counseling and 99407 more than 10; 11200 covers up to 15 skin tags and the add-on 11201
each further 10. When a question's words fit members of such a family, the engine used to ask back
between them (or take the first). Here the quantity stated chooses: the member whose band holds it, with
the add-on's units past the last band. Without a quantity the engine still asks back; a quantity outside
every band is said, never guessed. The families live in `knowledge/quantities.yaml` (bands checked
against the RVU file's short descriptors by tests); adding one is a YAML edit. Reading the quantity is one
regular-expression pass over the text.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answer import Answer, Section
from bot.answers.rules_yaml import load_entries, text, texts
from bot.record import Record
from bot.understanding.counts import find_count
from bot.understanding.words import has_digit
from bot.yamlfile import Problems, is_text, is_text_list

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

FILE = "quantities.yaml"
MEASURES = ("count", "minutes", "age")
# a patient's age in years: "age 45", "aged 45", "a 45 year old", "45 yo", "45 y/o", "65 and over", "65+"
# ("2 years ago" is not an age; an age in months is not read: an infant's family member is asked about)
# (compiled on first use by `re`'s cache, and only for a question with a digit, or "hour" for HOUR_RE)
AGE_RE = (r"(?i)\bage[ds]?\s*:?\s*(\d{1,3})\b"
          r"|(?<![\w.])(\d{1,3})\s*-?\s*(?:years?|yrs?|yo|y/o)\b(?![- ]ago|\s+ago)"
          r"|(?<![\w.])(\d{1,3})\s*(?:\+|and (?:over|older|up)\b)")
MINUTES_RE = r"(?i)(?<![\w.])(\d{1,3})\s*(?:-|to)?\s*(?:minutes?|mins?|min)\b"
HOUR_RE = r"(?i)\b(?:an|one|1)\s+hours?\b|\bhalf\s+(?:an\s+)?hour\b"


class Band(Record, frozen=True):
    code: str
    low: int
    high: int | None  # None: "or more"

    def holds(self, n: int) -> bool:
        return n >= self.low and (self.high is None or n <= self.high)

    def said(self, counted: str) -> str:
        if self.high is None:
            return f"{self.low} or more {counted}"
        if self.high == self.low:
            return f"{self.low} {counted}"
        return f"{self.low}-{self.high} {counted}"


class Family(Record, eq=False):
    """One family of codes chosen by a stated quantity, as written in quantities.yaml."""

    id: str
    title: str
    measure: str  # "count", "minutes" or "age"
    counted: str
    bands: tuple[Band, ...]
    more_code: str = ""  # the add-on past the last band, once per `more_per` or part of it
    more_per: int = 0
    facts: tuple[str, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        return (*(b.code for b in self.bands), *((self.more_code,) if self.more_code else ()))


def _is_bands(value: Any) -> str | None:
    problem = ("must be a list of {code, from, to}, smallest first, not overlapping "
               "(omit `to` on the last for 'or more')")
    if not isinstance(value, list) or not value:
        return problem
    last = 0
    for i, b in enumerate(value):
        if not isinstance(b, dict) or not set(b) <= {"code", "from", "to"} or not {"code", "from"} <= set(b):
            return problem
        if not isinstance(b["code"], str) or len(b["code"]) != 5 or not isinstance(b["from"], int) \
                or b["from"] <= last or ("to" in b and (not isinstance(b["to"], int) or b["to"] < b["from"])):
            return problem
        if "to" not in b and i != len(value) - 1:
            return problem
        last = b.get("to", b["from"])
    return None


def _is_more(value: Any) -> str | None:
    if not isinstance(value, dict) or set(value) != {"code", "per"} or not isinstance(value["code"], str) \
            or len(value["code"]) != 5 or not isinstance(value["per"], int) or value["per"] <= 0:
        return "must be {code: \"11201\", per: 10}"
    return None


def _is_measure(value: Any) -> str | None:
    return None if value in MEASURES else f"must be one of {', '.join(MEASURES)}"


SPEC = {"id": (is_text, True), "title": (is_text, True), "measure": (_is_measure, True),
        "counted": (is_text, True), "bands": (_is_bands, True), "each_more": (_is_more, False),
        "facts": (is_text_list, False)}


def load_families(root: Path, problems: Problems) -> tuple[Family, ...]:
    """Read `knowledge/quantities.yaml`; problems go to `problems` as file:line: entry: field: what."""
    out = []
    for e in load_entries(root, FILE, "families", SPEC, problems):
        bands = tuple(Band(str(b["code"]), int(b["from"]), int(b["to"]) if "to" in b else None) for b in e["bands"])
        more = e.get("each_more") or {}
        if more and bands[-1].high is None:
            problems.add(f"knowledge/{FILE}", e.line_of("each_more"), e["id"], "each_more",
                         "an add-on past the last band needs the last band to end (`to`)")
            continue
        out.append(Family(id=e["id"], title=text(e, "title"), measure=str(e["measure"]), counted=text(e, "counted"),
                          bands=bands, more_code=str(more.get("code", "")), more_per=int(more.get("per", 0)),
                          facts=texts(e, "facts")))
    return tuple(out)


def stated(text_: str, measure: str) -> int | None:
    """The quantity of `measure` the text states: minutes ("15 minutes", "12 min", "an hour"), a patient's age
    in years ("age 45", "65 and over"), or a count of things in digits or words ("three muscles", "25 skin
    tags"); None when it states none."""
    if measure == "minutes":
        found = [int(m.group(1)) for m in re.finditer(MINUTES_RE, text_)] if has_digit(text_) else []
        if found:
            return found[-1]  # "3 to 10 minutes" reads as the upper figure; one time is the usual case
        hour = re.search(HOUR_RE, text_) if "hour" in text_.lower() else None
        if hour:
            return 30 if hour.group(0).lower().startswith("half") else 60
        return None
    if measure == "age":
        ages = [int(next(g for g in m.groups() if g)) for m in re.finditer(AGE_RE, text_)] if has_digit(text_) else []
        return ages[0] if ages and ages[0] <= 120 else None
    return find_count(text_)


class QuantityMatch(Record, eq=False):
    family: Family
    amount: int
    band: Band | None  # None: the amount is past the last band (add-on units) or outside every band
    more_units: int = 0  # units of the add-on past the last band


def choose(families: tuple[Family, ...], candidates: list[str], text_: str,
           also_said: frozenset[str] = frozenset()) -> QuantityMatch | None:
    """The family the candidate codes belong to, with the quantity stated; None when no family fits the
    candidates or the text states no quantity of its measure (the caller then asks back as before).
    `also_said`: words the question says in other letters ("est" read as "established"), compared with the
    families' titles beside the text's own words."""
    if not candidates:
        return None
    said = _words(text_) | also_said
    # every candidate must be a member: "knee x-ray 4 views" that also fetched chest x-rays is not chosen
    # among the chest codes
    family = next((f for f in families if all(c in f.codes for c in candidates)), None)
    if family is not None and _said_of_a_sibling(family, families, said):
        # "established office visit 25 minutes" whose words fetched only the new patient's codes: the sibling
        # the question names, when it names one only
        family = _sibling_said(family, families, said)
    if family is None:
        family = _told_apart(families, candidates, said)
    if family is None:
        return None
    amount = stated(text_, family.measure)
    if amount is None:
        return None
    band = next((b for b in family.bands if b.holds(amount)), None)
    last = family.bands[-1]
    if band is None and family.more_code and last.high is not None and amount > last.high:
        return QuantityMatch(family, amount, last, math.ceil((amount - last.high) / family.more_per))
    return QuantityMatch(family, amount, band)


def _told_apart(families: tuple[Family, ...], candidates: list[str], said: set[str]) -> Family | None:
    """When not every candidate is of one family: the one family most of them are of, or, among several, the
    one the question's words tell apart by its title ("preventive visit, established, 52 yo": the established
    patient's family, not the new patient's); else None. A family whose sibling's title the question says
    instead gives way to that sibling ("est office visit 25 min" is the established patient's family)."""
    hit = [f for f in families if any(c in f.codes for c in candidates)]
    if not hit or sum(any(c in f.codes for f in hit) for c in candidates) * 2 <= len(candidates):
        return None  # most of the candidates must be members (the infant codes stand outside the age bands)
    if len(hit) == 1:
        return _sibling_said(hit[0], families, said) if _said_of_a_sibling(hit[0], families, said) else hit[0]
    titles = [_title_words(f) for f in hit]
    shared = set.intersection(*titles)
    told = [f for f, words in zip(hit, titles, strict=True) if (words - shared) & said]
    return told[0] if len(told) == 1 and not _said_of_a_sibling(told[0], families, said) else None


def _sibling_said(family: Family, families: tuple[Family, ...], said: set[str]) -> Family | None:
    """The one sibling family (its title shares most words with `family`'s) whose own title words the question
    says, when it says none of `family`'s own; else None (then the caller asks back)."""
    mine = _title_words(family)
    found = []
    for other in families:
        theirs = _title_words(other)
        if other is not family and len(mine & theirs) * 2 >= len(mine | theirs) and (theirs - mine) & said:
            found.append(other)
    if len(found) != 1 or (mine - _title_words(found[0])) & said:
        return None
    return found[0]


def _words(text_: str) -> set[str]:
    """The lower-case words of a text, to compare a question with the families' titles."""
    return set(re.findall(r"[a-z]+", text_.lower()))


def _title_words(family: Family) -> set[str]:
    """A title's words that tell families apart: not its articles and prepositions ("a" new patient's title
    against "an" established one's)."""
    return {w for w in _words(family.title) if len(w) > 2}


def _said_of_a_sibling(family: Family, families: tuple[Family, ...], said: set[str]) -> bool:
    """Whether the question says what only a sibling family's title says (a family whose title shares most
    words with this one's: the new patient's and the established patient's)."""
    mine = _title_words(family)
    for other in families:
        theirs = _title_words(other)
        if other is not family and len(mine & theirs) * 2 >= len(mine | theirs) and (theirs - mine) & said:
            return True
    return False


def answer(ask: Ask, engine: Engine) -> Answer:
    """The `quantity` answerer: the member of the family for the stated quantity (with the add-on's units
    past its last band), or that no member fits it."""
    match: QuantityMatch = ask.rule  # type: ignore[assignment]
    family, fy = match.family, ask.fy
    bands = "; ".join(f"{b.code} {b.said(family.counted)}" for b in family.bands)
    if family.more_code:
        bands += f"; {family.more_code} each further {family.more_per} or part of it (add-on)"
    amount = f"{match.amount} {family.counted}"
    if match.band is None:
        headline = (f"None of the {family.title.lower()} codes fits {amount}: {bands}. Check the count or time "
                    "documented; below the first band the service is not reported on its own.")
        codes = list(family.codes)
        status = "clarify"
    elif match.more_units:
        headline = (f"{match.band.code} for the first {match.band.high} and {family.more_code} x "
                    f"{match.more_units} for the rest ({amount} stated): {family.title.lower()}.")
        codes = [match.band.code, family.more_code]
        status = "answered"
    else:
        headline = f"{match.band.code}: {family.title.lower()}, {match.band.said(family.counted)} ({amount} stated)."
        codes = [match.band.code]
        status = "answered"
    sections = [Section("How it is counted", [], " ".join([f"The codes by {family.measure}: {bands}.",
                                                          *family.facts]))]
    priced = [c for c in codes if (c, "") in fy.rvus]
    from bot.replies import source_line

    return Answer(status=status, intent="which_code", headline=headline, title=family.title, codes=priced,
                  year=fy.year if priced else None, sections=sections, source=source_line(fy) if priced else "")
