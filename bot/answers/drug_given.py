"""A drug given in the office: the drug's own code and the code for giving it ("b12 shot": J3420 + 96372).

A coder bills a drug given by injection as two lines: the drug supplied (its HCPCS Level II J code, in
units of the dose its descriptor states) and the administration (a CPT code chosen by the route: 96372
for an intramuscular or subcutaneous injection, 96374 for an IV push, 96365 for an infusion). The name
search finds the drug alone, so the answer used to leave the administration out, or to ask back between
the drug and the administration. Here, when the one code a question names in words is a drug of the
ranges in `knowledge/drug_administration.yaml` and the question says it was given, the answer is both
codes, priced side by side. Which drugs, which words and which routes live in that file.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answers.drug_dose import DosedDrug, is_by_dose, read_by_dose
from bot.record import Record
from bot.yamlfile import LineMap, Problems, check_fields, is_flag, is_text, is_text_list, load_yaml

if TYPE_CHECKING:
    from bot.answer import Answer
    from bot.engine import Engine
    from bot.understanding.ask import Ask
    from bot.understanding.reading import Reading
    from bot.understanding.words import Words

FILE = "drug_administration.yaml"


class Route(Record, eq=False):
    id: str
    code: str
    said: str
    words: tuple[str, ...]
    default: bool = False


class DrugRules(Record, eq=False):
    """knowledge/drug_administration.yaml, as read (made once at load; nothing assigns to it after)."""

    ranges: tuple[tuple[str, str], ...] = ()
    given: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()
    unless_unnamed: tuple[str, ...] = ()
    muscles: tuple[str, ...] = ()
    or_joint: tuple[str, ...] = ()
    joint_words: tuple[str, ...] = ()
    joint_drugs: frozenset[str] = frozenset()
    by_dose: tuple[DosedDrug, ...] = ()
    facts: tuple[str, ...] = ()

    def is_drug(self, code: str) -> bool:
        return len(code) == 5 and any(low <= code <= high for low, high in self.ranges)


def _is_ranges(value: Any) -> str | None:
    if not isinstance(value, list) or not value or not all(
            isinstance(r, dict) and set(r) == {"from", "to"} and all(isinstance(v, str) and len(v) == 5
                                                                    for v in r.values()) and r["from"] <= r["to"]
            for r in value):
        return "must be a list of {from: \"J0120\", to: \"J3591\"} (quoted five-character codes, from <= to)"
    return None


def _is_muscle_sites(value: Any) -> str | None:
    if not isinstance(value, dict) or not set(value) <= {"muscles", "or_joint"} or any(
            is_text_list(v) for v in value.values()):
        return "must be a mapping with muscles and or_joint, each a list of words"
    return None


ROUTE_SPEC = {"id": (is_text, True), "code": (is_text, True), "said": (is_text, True),
              "words": (is_text_list, True), "default": (is_flag, False)}


def load_drug_rules(root: Path, problems: Problems) -> DrugRules:
    """Read `knowledge/drug_administration.yaml` (optional: without it no drug is answered this way)."""
    path = root / FILE
    disp = f"knowledge/{FILE}"
    if not path.exists():
        return DrugRules()
    doc = load_yaml(path, disp, problems)
    if not isinstance(doc, LineMap):
        if doc is not None:
            problems.add(disp, 1, "(file)", "(file)", "must be a mapping with drugs, given, routes")
        return DrugRules()
    spec = {"drugs": (_is_ranges, True), "given": (is_text_list, True), "routes": (lambda v: None if isinstance(
        v, list) and v else "must be a list of routes", True), "unless_unnamed": (is_text_list, False),
        "muscle_sites": (_is_muscle_sites, False), "joint_words": (is_text_list, False),
        "joint_drugs": (is_text_list, False), "by_dose": (is_by_dose, False), "facts": (is_text_list, False)}
    if not check_fields(doc, spec, problems, disp, "(file)"):
        return DrugRules()
    sites = doc.get("muscle_sites") or {}
    routes = []
    for i, e in enumerate(doc["routes"]):
        name = str(e.get("id", f"route {i + 1}")) if isinstance(e, dict) else f"route {i + 1}"
        if check_fields(e, ROUTE_SPEC, problems, disp, name, doc.line_of("routes")):
            routes.append(Route(str(e["id"]), str(e["code"]), str(e["said"]), tuple(e["words"]),
                                bool(e.get("default", False))))
    if sum(r.default for r in routes) > 1:
        problems.add(disp, doc.line_of("routes"), "routes", "default", "at most one route can be the default")
    return DrugRules(ranges=tuple((str(r["from"]), str(r["to"])) for r in doc["drugs"]),
                     given=tuple(doc["given"]), routes=tuple(routes),
                     unless_unnamed=tuple(doc.get("unless_unnamed") or ()),
                     muscles=tuple(sites.get("muscles") or ()), or_joint=tuple(sites.get("or_joint") or ()),
                     joint_words=tuple(doc.get("joint_words") or ()),
                     joint_drugs=frozenset(str(c) for c in doc.get("joint_drugs") or ()),
                     by_dose=read_by_dose(doc.get("by_dose") or []), facts=tuple(doc.get("facts") or ()))


class DrugGivenFinder:
    """Whether a question names one drug, given: the drug and the route to bill its giving by."""

    def __init__(self, rules: DrugRules, words: Words):
        self.rules = rules

        def stems(phrases) -> list[frozenset[str]]:
            return [frozenset(s) for s in (words.content_stems(p) for p in phrases) if s]

        self._given = stems(rules.given)
        self._routes = [(r, stems(r.words)) for r in rules.routes]
        self._unless = stems(rules.unless_unnamed)
        self._muscles = stems(rules.muscles)
        self._or_joint = stems(rules.or_joint)
        self._joint = stems(rules.joint_words)

    def find(self, r: Reading, codes: list[str]) -> tuple[str, Route] | None:
        """(the drug, the route it was given by), when `codes` (named in words) is one drug code and the question
        says it was given."""
        if r.entities.codes:
            return None
        by_code = {route.code: route for route in self.rules.routes}
        if len(codes) == 2 and self.rules.is_drug(codes[0]) and codes[1] in by_code:
            return codes[0], by_code[codes[1]]  # "toradol 30 mg IM": the route's own code was found by its words
        if len(codes) != 1 or not self.rules.is_drug(codes[0]):
            return None
        route = self.route(r, codes[0])
        return (codes[0], route) if route is not None else None

    def route(self, r: Reading, drug: str) -> Route | None:
        """The route `drug` was given by, when the question says it was given and the route is not left open."""
        said = {t.stem for t in r.tokens} | {t.surface for t in r.tokens}
        if not any(s <= said for s in self._given):
            return None
        route = next((route for route, words in self._routes if any(s <= said for s in words)), None)
        if route is None and self._into_a_muscle(said, drug):
            route = next((route for route in self.rules.routes if route.default), None)
        if route is None:
            if any(s <= said for s in self._unless):
                return None  # "IV" alone: a push or an infusion
            route = next((route for route in self.rules.routes if route.default), None)
        return route


    def _into_a_muscle(self, said: set[str], drug: str) -> bool:
        """Whether the site named is a muscle ("toradol shot in the hip", "in the glute"): a muscle said without
        a joint word; the hip or the shoulder only for a drug not also injected into joints (a steroid "in the
        hip" may be the hip joint, where the joint injection's own code applies)."""
        if any(s <= said for s in self._joint):
            return False
        if any(s <= said for s in self._muscles):
            return True
        return drug not in self.rules.joint_drugs and any(s <= said for s in self._or_joint)


def answer(ask: Ask, engine: Engine) -> Answer:
    """The `drug_given` answerer: both codes side by side, the first sentence saying which is which."""
    from bot.answer import Section
    from bot.answers import ANSWERERS
    from bot.answers.titles import name_of

    drug, route = ask.rule  # type: ignore[misc]
    ask.kind, ask.what = "codes", ask.what or "describe"
    ans = ANSWERERS["codes"](ask, engine)
    drug_name = name_of(engine.kb, drug, engine.kb.rvu(drug, ask.year)) or drug
    units = units_said(ask, engine, drug)
    first = f"Bill {drug}{units} for the drug ({drug_name}) and {route.code} for giving it ({route.said})."
    ans.headline = first if ask.what == "describe" else f"{first} {ans.headline}"
    if engine.drug_finder.rules.facts:
        ans.sections.append(Section("How it is billed", [], " ".join(engine.drug_finder.rules.facts)))
    return ans


# the dose a Level II long description ends with: "per 15 mg", "up to 50 mg", "10 mg"
LONG_DOSE_RE = re.compile(r"(per |up to )?(\d{1,6}(?:\.\d{1,3})?) ?mg\s*$", re.IGNORECASE)


def units_said(ask: Ask, engine: Engine, drug: str) -> str:
    """" (4 units: 60 mg at 15 mg a unit)" when the question states one dose in mg and CMS's long description
    (the HCPCS file, when imported) states the code's dose in mg; else "". A part of a unit counts as a unit."""
    from bot.answers.drug_dose import DOSE_RE

    doses = {float(m.group(1)) for m in DOSE_RE.finditer(ask.reading.text)}
    long = engine.facility.hcpcs_long(drug) if len(doses) == 1 else None
    m = LONG_DOSE_RE.search(long or "")
    if m is None or float(m.group(2)) <= 0 or len(re.findall(r"\d ?mg\b", long or "", re.IGNORECASE)) != 1:
        # no dose in mg, or a mixture ("betamethasone acetate 3 mg and ... phosphate 3 mg"): units not said
        return ""
    dose, per = doses.pop(), float(m.group(2))
    n = max(1, math.ceil(dose / per - 1e-9))
    how = "up to " if (m.group(1) or "").lower().startswith("up") else ""
    return f" ({n} unit{'s' if n != 1 else ''}: {dose:g} mg at {how}{per:g} mg a unit)"
