"""The knowledge base: the curated YAML in `knowledge/`, read, checked and indexed.

Layout (all YAML, editable without Python):
- `codes/*.yaml`: codes in words (name, description, context, synonyms, specialties, related).
- `fees/<year>.yaml`: one CMS release per year: its facts and the RVU rows of the curated codes.
- `localities/<year>.yaml`: that year's GPCIs for every Medicare locality.
- `modifiers.yaml`, `global_periods.yaml`: explanations, one place each.
- `lexicon.yaml`: how words are normalised (equivalent words, stopwords, rewrites).
- `places.yaml`: state names and everyday names for localities ("NYC" -> Manhattan).

The numbers in `fees/` and `localities/` are written by `cptbot kb extract` from the CMS files, and a test
proves they equal those files. `load_knowledge` checks everything and raises `KnowledgeError` listing every
problem as `file:line: entry: field: what is wrong`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot.record import Record, field
from bot.records import CodeEntry, FeeYear, GlobalPeriod, Locality, Modifier, PaymentStatus, Release, Rvu
from bot.yamlfile import (
    KnowledgeError,
    LineMap,
    Problems,
    check_fields,
    is_code_text,
    is_flag,
    is_number,
    is_text,
    is_text_list,
    load_yaml,
)

CODE_PATTERN = re.compile(r"^(\d{5}|\d{4}[FT]|0\d{3}[AUM]|[A-V]\d{4})$")
MODIFIER_PATTERN = re.compile(r"^[0-9A-Z]{2}$")
GLOBAL_CODES = ("000", "010", "090", "MMM", "XXX", "YYY", "ZZZ")

CODE_SPEC = {
    "code": (is_code_text, True), "name": (is_text, True), "description": (is_text, True),
    "context": (is_text, False), "synonyms": (is_text_list, True), "specialties": (is_text_list, False),
    "related": (is_text_list, False), "primary_for": (is_text_list, False),
}
RVU_SPEC = {
    "status": (is_code_text, True), "work": (is_number, True), "pe_nonfacility": (is_number, True),
    "pe_facility": (is_number, True), "mp": (is_number, True), "total_nonfacility": (is_number, True),
    "total_facility": (is_number, True), "nonfacility_na": (is_flag, True), "facility_na": (is_flag, True),
    "pctc": (is_code_text, True), "global_days": (is_code_text, True), "mult_proc": (is_code_text, True),
    "bilateral": (is_code_text, True), "assistant": (is_code_text, True), "co_surgeon": (is_code_text, True),
    "team": (is_code_text, True), "endo_base": (is_code_text, True),
}
RELEASE_SPEC = {
    "year": (is_number, True), "release": (is_text, True), "title": (is_text, True),
    "released": (is_text, False), "source_file": (is_text, True), "conversion_factor": (is_number, True),
    "qp_conversion_factor": (is_number, False), "absent": (is_text_list, False),
    "rvus": (lambda v: None if isinstance(v, dict) else "must be a mapping of code: values", True),
}
LOCALITY_SPEC = {
    "mac": (is_code_text, True), "state": (is_text, True), "number": (is_code_text, True),
    "name": (is_text, True), "work": (is_number, True), "pe": (is_number, True), "mp": (is_number, True),
    "counties": (is_text, False),
}
MODIFIER_SPEC = {
    "code": (is_code_text, True), "name": (is_text, True), "summary": (is_text, True),
    "use_when": (is_text, True), "not_when": (is_text, True), "payment": (is_text, True),
    "situations": (is_text_list, True), "see_also": (is_text_list, False),
}
COMMON_NAME_SPEC = {"code": (is_code_text, True), "synonyms": (is_text_list, True),
                    "primary_for": (is_text_list, False)}
STATUS_SPEC = {"code": (is_code_text, True), "name": (is_text, True), "meaning": (is_text, True),
               "instead": (is_text, False), "condition": (is_text, False)}
GLOBAL_SPEC = {
    "code": (is_code_text, True), "name": (is_text, True), "meaning": (is_text, True),
    "visits": (is_text, True), "modifiers": (is_text_list, False),
}


class Lexicon(Record, eq=False):
    """How words are normalised before matching; all of it from `lexicon.yaml`."""

    equivalents: dict[str, str] = field(default_factory=dict)  # word -> the word it stands for
    stopwords: frozenset[str] = frozenset()
    rewrites: dict[str, str] = field(default_factory=dict)  # phrase -> phrase, before tokenising
    settings: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "office"/"facility" -> phrases
    relative_years: dict[str, int] = field(default_factory=dict)  # "last year" -> -1 (from the newest year)
    negations: frozenset[str] = frozenset()  # "without", "no": the words after them are excluded, not named
    sides: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "bilateral"/"unilateral" -> phrases


class Places(Record, eq=False):
    states: dict[str, str] = field(default_factory=dict)  # "NY" -> "new york"
    locality_aliases: dict[str, str] = field(default_factory=dict)  # "nyc" -> "MANHATTAN"
    # A place in several localities: "kansas city" -> ("METROPOLITAN KANSAS CITY", "KANSAS"): ask which.
    ask_back: dict[str, tuple[str, ...]] = field(default_factory=dict)


class KnowledgeBase(Record, eq=False):
    codes: dict[str, CodeEntry]
    years: dict[int, FeeYear]
    modifiers: dict[str, Modifier]
    global_periods: dict[str, GlobalPeriod]
    lexicon: Lexicon
    places: Places
    zip_localities: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # zip -> (mac, locality no.)
    # For imported CMS rows: how CMS abbreviates descriptor words, and the everyday names of common codes.
    abbreviations: dict[str, str] = field(default_factory=dict)
    common_names: dict[str, CodeEntry] = field(default_factory=dict)
    statuses: dict[str, PaymentStatus] = field(default_factory=dict)  # RVU-file status -> words
    imported: bool = False  # True when a full CMS release from the data directory is merged in
    # Rule topics, situations that imply a modifier, and declines (bot/answers/topics, situations, decline).
    topics: tuple = ()
    situations: tuple = ()
    declines: tuple = ()
    lesion_sizes: tuple = ()  # families of codes chosen by a lesion's site and size (bot/answers/sized)
    quantities: tuple = ()  # families of codes chosen by a stated count or time (bot/answers/quantities)
    repair_lengths: tuple = ()  # wound repairs by complexity, site group and length (bot/answers/lengths)
    anatomic_sites: tuple = ()  # sites that exclude one another (bot/understanding/sites)
    drug_rules: object = None  # drugs given and the administration codes by route (bot/answers/drug_given)
    exchanges: object = None  # devices removed and replaced: the codes to report (bot/answers/exchanges)

    @property
    def newest_year(self) -> int:
        return max(self.years)

    def rvu(self, code: str, year: int, modifier: str = "") -> Rvu | None:
        fee_year = self.years.get(year)
        return fee_year.rvus.get((code, modifier)) if fee_year else None

    def known_code(self, code: str) -> bool:
        return code in self.codes or any((code, "") in y.rvus for y in self.years.values())


def shipped_dir(name: str) -> Path:
    """Where `knowledge/` or `intents/` is: an override, the source checkout, or the installed package."""
    override = os.environ.get(f"CPTBOT_{name.upper()}_DIR")
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    return Path(__file__).resolve().parent / "_shipped" / name


def _str_list(entry: LineMap, key: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    return tuple(v.strip() for v in value if isinstance(v, str))


def _load_codes(root: Path, problems: Problems) -> dict[str, CodeEntry]:
    codes: dict[str, CodeEntry] = {}
    where: dict[str, str] = {}
    for path in sorted((root / "codes").glob("*.yaml")):
        disp = f"knowledge/codes/{path.name}"
        doc = load_yaml(path, disp, problems)
        if doc is None:
            continue
        if not isinstance(doc, LineMap) or not isinstance(doc.get("codes"), list):
            problems.add(disp, 1, "(file)", "codes", "the file must hold `codes:` with a list of entries")
            continue
        for i, entry in enumerate(doc["codes"]):
            name = str(entry.get("code", f"entry {i + 1}")) if isinstance(entry, dict) else f"entry {i + 1}"
            if not check_fields(entry, CODE_SPEC, problems, disp, name, doc.line_of("codes")):
                continue
            code = entry["code"]
            if not CODE_PATTERN.match(code):
                problems.add(disp, entry.line_of("code"), name, "code",
                             "not a CPT/HCPCS code (5 digits, 4 digits + F or T, or a letter A-V + 4 digits)")
                continue
            if code in codes:
                problems.add(disp, entry.line_of("code"), name, "code", f"already defined in {where[code]}")
                continue
            where[code] = disp
            codes[code] = CodeEntry(
                code=code, name=entry["name"].strip(), description=" ".join(entry["description"].split()),
                context=" ".join(str(entry.get("context", "")).split()), synonyms=_str_list(entry, "synonyms"),
                specialties=_str_list(entry, "specialties"), related=_str_list(entry, "related"),
                primary_for=_str_list(entry, "primary_for"),
            )
    return codes


def _load_fee_years(root: Path, problems: Problems) -> dict[int, FeeYear]:
    years: dict[int, FeeYear] = {}
    for path in sorted((root / "fees").glob("*.yaml")):
        disp = f"knowledge/fees/{path.name}"
        doc = load_yaml(path, disp, problems)
        if doc is None:
            continue
        if not check_fields(doc, RELEASE_SPEC, problems, disp, "(release)"):
            continue
        year = int(doc["year"])
        release = Release(year=year, name=doc["release"], title=doc["title"],
                          conversion_factor=float(doc["conversion_factor"]),
                          qp_conversion_factor=doc.get("qp_conversion_factor"),
                          released=str(doc.get("released", "")), source_file=doc["source_file"])
        rvus: dict[tuple[str, str], Rvu] = {}
        for key, row in doc["rvus"].items():
            key = str(key)
            code, _, mod = key.partition("-")
            if not check_fields(row, RVU_SPEC, problems, disp, key, doc.line_of("rvus")):
                continue
            if row["global_days"] not in GLOBAL_CODES:
                problems.add(disp, row.line_of("global_days"), key, "global_days",
                             f"{row['global_days']!r} is not one of {', '.join(GLOBAL_CODES)}")
            rvus[(code, mod)] = Rvu(code=code, modifier=mod, **{k: row[k] for k in RVU_SPEC})
        localities = _load_localities(root, year, problems)
        years[year] = FeeYear(release=release, rvus=rvus, localities=localities,
                              absent=frozenset(doc.get("absent") or ()))
    if not years and not problems:
        problems.add("knowledge/fees", 1, "(folder)", "(files)", "no fee schedule year found")
    return years


def _load_localities(root: Path, year: int, problems: Problems) -> tuple[Locality, ...]:
    path = root / "localities" / f"{year}.yaml"
    disp = f"knowledge/localities/{path.name}"
    if not path.exists():
        problems.add(disp, 1, "(file)", "(file)", f"missing: every fee year needs its localities ({year})")
        return ()
    doc = load_yaml(path, disp, problems)
    if doc is None:
        return ()
    if not isinstance(doc, LineMap) or not isinstance(doc.get("localities"), list):
        problems.add(disp, 1, "(file)", "localities", "the file must hold `localities:` with a list")
        return ()
    out = []
    for i, entry in enumerate(doc["localities"]):
        name = str(entry.get("name", f"entry {i + 1}")) if isinstance(entry, dict) else f"entry {i + 1}"
        if check_fields(entry, LOCALITY_SPEC, problems, disp, name, doc.line_of("localities")):
            out.append(Locality(mac=entry["mac"], state=entry["state"], number=entry["number"],
                                name=entry["name"], work_gpci=float(entry["work"]), pe_gpci=float(entry["pe"]),
                                mp_gpci=float(entry["mp"]), counties=entry.get("counties", "")))
    return tuple(out)


def _load_list(root: Path, filename: str, key: str, spec: dict, problems: Problems) -> list[LineMap]:
    disp = f"knowledge/{filename}"
    doc = load_yaml(root / filename, disp, problems)
    if doc is None:
        return []
    if not isinstance(doc, LineMap) or not isinstance(doc.get(key), list):
        problems.add(disp, 1, "(file)", key, f"the file must hold `{key}:` with a list of entries")
        return []
    out = []
    seen: set[str] = set()
    for i, entry in enumerate(doc[key]):
        name = str(entry.get("code", f"entry {i + 1}")) if isinstance(entry, dict) else f"entry {i + 1}"
        if not check_fields(entry, spec, problems, disp, name, doc.line_of(key)):
            continue
        if entry["code"] in seen:
            problems.add(disp, entry.line_of("code"), name, "code", "defined twice")
            continue
        seen.add(entry["code"])
        out.append(entry)
    return out


def _load_modifiers(root: Path, problems: Problems) -> dict[str, Modifier]:
    out = {}
    for e in _load_list(root, "modifiers.yaml", "modifiers", MODIFIER_SPEC, problems):
        if not MODIFIER_PATTERN.match(e["code"]):
            problems.add("knowledge/modifiers.yaml", e.line_of("code"), e["code"], "code",
                         "a modifier is two characters, digits or capital letters")
            continue
        out[e["code"]] = Modifier(
            code=e["code"], name=e["name"].strip(), summary=" ".join(e["summary"].split()),
            use_when=" ".join(e["use_when"].split()), not_when=" ".join(e["not_when"].split()),
            payment=" ".join(e["payment"].split()), situations=_str_list(e, "situations"),
            see_also=_str_list(e, "see_also"))
    return out


def _load_globals(root: Path, problems: Problems) -> dict[str, GlobalPeriod]:
    out = {}
    for e in _load_list(root, "global_periods.yaml", "global_periods", GLOBAL_SPEC, problems):
        if e["code"] not in GLOBAL_CODES:
            problems.add("knowledge/global_periods.yaml", e.line_of("code"), e["code"], "code",
                         f"not one of {', '.join(GLOBAL_CODES)}")
            continue
        out[e["code"]] = GlobalPeriod(code=e["code"], name=e["name"].strip(),
                                      meaning=" ".join(e["meaning"].split()),
                                      visits=" ".join(e["visits"].split()),
                                      modifiers=_str_list(e, "modifiers"))
    return out


def _load_statuses(root: Path, problems: Problems) -> dict[str, PaymentStatus]:
    """`payment_status.yaml`: what each RVU-file status means for payment, in words."""
    if not (root / "payment_status.yaml").exists():
        return {}

    def words(e: LineMap, key: str) -> str:
        return " ".join(str(e.get(key, "")).split())

    return {e["code"]: PaymentStatus(code=e["code"], name=words(e, "name"), meaning=words(e, "meaning"),
                                     instead=words(e, "instead"), condition=words(e, "condition"))
            for e in _load_list(root, "payment_status.yaml", "statuses", STATUS_SPEC, problems)}


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _mapping(doc: Any, key: str, disp: str, problems: Problems, accept: Callable[[Any], bool] = _is_str,
             shape: str = "must be a mapping of text: text", wrong: str = "must map text to text") -> dict[str, Any]:
    """`doc[key]` as a mapping with lower-cased keys; entries whose value `accept` refuses become problems."""
    value = doc.get(key, {}) if isinstance(doc, dict) else {}
    if not isinstance(value, dict):
        problems.add(disp, doc.line_of(key), "(file)", key, shape)
        return {}
    out = {}
    for k, v in value.items():
        if not accept(v) or not str(k).strip():
            problems.add(disp, value.line_of(k) if isinstance(value, LineMap) else 1, str(k), key,
                         f"{wrong}, got {v!r}")
            continue
        out[str(k).lower()] = v
    return out


def _load_lexicon(root: Path, problems: Problems) -> Lexicon:
    disp = "knowledge/lexicon.yaml"
    doc = load_yaml(root / "lexicon.yaml", disp, problems) or {}
    equivalents: dict[str, str] = {}
    groups = doc.get("equivalents", {}) if isinstance(doc, dict) else {}
    if not isinstance(groups, dict):
        problems.add(disp, doc.line_of("equivalents"), "(file)", "equivalents",
                     "must map a word to the list of words that mean the same")
        groups = {}
    for head, words in groups.items():
        if is_text_list(words):
            problems.add(disp, groups.line_of(head), str(head), "equivalents", is_text_list(words) or "")
            continue
        for w in words:
            if " " in w.strip():
                problems.add(disp, groups.line_of(head), str(head), "equivalents",
                             f"{w!r} has several words; put phrases under `rewrites`")
                continue
            equivalents[w.lower()] = str(head).lower()
    stop = doc.get("stopwords", []) if isinstance(doc, dict) else []
    if is_text_list(stop):
        problems.add(disp, doc.line_of("stopwords"), "(file)", "stopwords", is_text_list(stop) or "")
        stop = []
    settings: dict[str, tuple[str, ...]] = {}
    raw_settings = doc.get("settings", {}) if isinstance(doc, dict) else {}
    for name in ("office", "facility"):
        words = raw_settings.get(name) if isinstance(raw_settings, dict) else None
        if is_text_list(words):
            problems.add(disp, doc.line_of("settings") if isinstance(doc, LineMap) else 1, name, "settings",
                         "must list the words that name this place of service")
            continue
        settings[name] = tuple(w.lower() for w in words)
    sides: dict[str, tuple[str, ...]] = {}
    raw_sides = doc.get("sides", {}) if isinstance(doc, dict) else {}
    for name in ("bilateral", "unilateral"):
        words = raw_sides.get(name, []) if isinstance(raw_sides, dict) else None
        if is_text_list(words):
            problems.add(disp, doc.line_of("sides") if isinstance(doc, LineMap) else 1, name, "sides",
                         "must list the words that say which sides a procedure was done on")
            continue
        sides[name] = tuple(w.lower() for w in words)
    negations = doc.get("negations", []) if isinstance(doc, dict) else []
    if is_text_list(negations):
        problems.add(disp, doc.line_of("negations"), "(file)", "negations", is_text_list(negations) or "")
        negations = []
    return Lexicon(equivalents=equivalents, stopwords=frozenset(w.lower() for w in stop),
                   negations=frozenset(w.lower() for w in negations),
                   rewrites=_mapping(doc, "rewrites", disp, problems), settings=settings, sides=sides,
                   # phrase -> years before (negative) or after the newest fee schedule year
                   relative_years=_mapping(doc, "relative_years", disp, problems, _is_whole_number,
                                           "must map a phrase to a whole number of years (e.g. last year: -1)",
                                           "must be a whole number of years"))


def _load_places(root: Path, problems: Problems) -> Places:
    disp = "knowledge/places.yaml"
    doc = load_yaml(root / "places.yaml", disp, problems) or {}
    states = {k.upper(): v.lower() for k, v in _mapping(doc, "states", disp, problems).items()}
    ask_back = _mapping(doc, "ask_back", disp, problems,
                        accept=lambda v: isinstance(v, list) and len(v) > 1 and all(_is_str(x) for x in v),
                        shape="must be a mapping of place: [locality, locality, ...]",
                        wrong="must map a place to a list of two or more CMS locality names")
    return Places(states=states, locality_aliases=_mapping(doc, "locality_aliases", disp, problems),
                  ask_back={k: tuple(v) for k, v in ask_back.items()})


def _load_abbreviations(root: Path, problems: Problems) -> dict[str, str]:
    """`abbreviations.yaml`: CMS descriptor token -> plain words. Optional: only imported rows use it."""
    path = root / "abbreviations.yaml"
    if not path.exists():
        return {}
    disp = "knowledge/abbreviations.yaml"
    doc = load_yaml(path, disp, problems)
    if doc is None:
        return {}
    if not isinstance(doc, LineMap) or not isinstance(doc.get("abbreviations"), dict):
        problems.add(disp, 1, "(file)", "abbreviations", "the file must hold `abbreviations:` with token: words")
        return {}
    out = _mapping(doc, "abbreviations", disp, problems)
    for token, words in out.items():
        if not words.strip():
            problems.add(disp, doc["abbreviations"].line_of(token), token, "abbreviations", "must not be empty")
    return {k: v.lower() for k, v in out.items() if v.strip()}


def _load_common_names(root: Path, problems: Problems) -> dict[str, CodeEntry]:
    """`common_names.yaml`: the words people use for frequent codes outside the curated set.

    They apply only to codes present in an imported CMS release; without one the engine can still say
    which code a name stands for and that the fee schedule needs importing.
    """
    if not (root / "common_names.yaml").exists():
        return {}
    out: dict[str, CodeEntry] = {}
    for e in _load_list(root, "common_names.yaml", "codes", COMMON_NAME_SPEC, problems):
        code = e["code"]
        if not CODE_PATTERN.match(code):
            problems.add("knowledge/common_names.yaml", e.line_of("code"), code, "code",
                         "not a CPT/HCPCS code (5 digits, 4 digits + F or T, or a letter A-V + 4 digits)")
            continue
        synonyms = _str_list(e, "synonyms")
        primary = _str_list(e, "primary_for")
        lowered = {s.lower() for s in synonyms}
        for p in primary:
            if p.lower() not in lowered:
                problems.add("knowledge/common_names.yaml", e.line_of("primary_for"), code, "primary_for",
                             f"{p!r} is not one of the entry's synonyms")
        out[code] = CodeEntry(code=code, name="", synonyms=synonyms, primary_for=primary, curated=False)
    return out


def _cross_check(kb: KnowledgeBase, problems: Problems) -> None:
    """Relations between files: every curated code is priced in every year, references resolve."""
    for code, entry in kb.codes.items():
        for year, fee_year in kb.years.items():
            if (code, "") not in fee_year.rvus and code not in fee_year.absent:
                problems.add(f"knowledge/fees/{year}.yaml", 1, code, "rvus",
                             f"no RVU row for {code}, which knowledge/codes defines "
                             "(run `cptbot kb extract` to fill it from the CMS file)")
        for rel in entry.related:
            if rel not in kb.codes:
                problems.add("knowledge/codes", 1, code, "related", f"{rel} is not a curated code")
    for code, entry in kb.codes.items():
        missing_primary = {p.lower() for p in entry.primary_for} - {s.lower() for s in (entry.name, *entry.synonyms)}
        if missing_primary:
            problems.add("knowledge/codes", 1, code, "primary_for",
                         f"{', '.join(sorted(missing_primary))} must also be a synonym (or the name) of {code}")
    for code in kb.common_names:
        if code in kb.codes:
            problems.add("knowledge/common_names.yaml", 1, code, "code",
                         f"{code} is curated in knowledge/codes; put its synonyms there")
    for mod in kb.modifiers.values():
        for other in mod.see_also:
            if other not in kb.modifiers:
                problems.add("knowledge/modifiers.yaml", 1, mod.code, "see_also", f"{other} is not defined")
    for gp in kb.global_periods.values():
        for other in gp.modifiers:
            if other not in kb.modifiers:
                problems.add("knowledge/global_periods.yaml", 1, gp.code, "modifiers",
                             f"{other} is not defined in modifiers.yaml")
    missing = [g for g in GLOBAL_CODES if g not in kb.global_periods]
    if missing and kb.global_periods:
        problems.add("knowledge/global_periods.yaml", 1, "(file)", "global_periods",
                     f"no entry for {', '.join(missing)}")


def load_knowledge(root: Path | None = None) -> KnowledgeBase:
    """Read and check the whole knowledge base; raise KnowledgeError listing every problem."""
    root = root or shipped_dir("knowledge")
    problems = Problems()
    if not root.is_dir():
        problems.add(str(root), 1, "(folder)", "(folder)", "knowledge folder not found")
        raise KnowledgeError(problems)
    kb = KnowledgeBase(
        codes=_load_codes(root, problems), years=_load_fee_years(root, problems),
        modifiers=_load_modifiers(root, problems), global_periods=_load_globals(root, problems),
        lexicon=_load_lexicon(root, problems), places=_load_places(root, problems),
        abbreviations=_load_abbreviations(root, problems), common_names=_load_common_names(root, problems),
        statuses=_load_statuses(root, problems),
    )
    _cross_check(kb, problems)
    _load_rules(root, kb, problems)
    if problems:
        raise KnowledgeError(problems)
    return kb


def _load_rules(root: Path, kb: KnowledgeBase, problems: Problems) -> None:
    """topics.yaml, situations.yaml, declines.yaml: read by their answerers' modules, checked here with the rest."""
    from bot.answers.decline import load_declines
    from bot.answers.drug_given import load_drug_rules
    from bot.answers.exchanges import load_exchanges
    from bot.answers.lengths import load_families as load_repairs
    from bot.answers.quantities import load_families as load_quantities
    from bot.answers.situations import load_situations
    from bot.answers.sized import load_families
    from bot.answers.topics import load_topics
    from bot.understanding.sites import load_site_families

    known = set(kb.modifiers)
    kb.topics = load_topics(root, problems, known)
    kb.situations = load_situations(root, problems, known)
    kb.declines = load_declines(root, problems)
    kb.lesion_sizes = load_families(root, problems)
    kb.quantities = load_quantities(root, problems)
    kb.repair_lengths = load_repairs(root, problems)
    kb.anatomic_sites = load_site_families(root, problems)
    kb.drug_rules = load_drug_rules(root, problems)
    kb.exchanges = load_exchanges(root, problems)
