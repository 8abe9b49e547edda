"""`knowledge/facility.yaml`: the indicators' meanings, the words for each place of service, anesthesia names.

Checked like the rest of the knowledge base: every problem as `file:line: entry: field: what is wrong`.
"""

from __future__ import annotations

from pathlib import Path

from bot.record import Record
from bot.yamlfile import KnowledgeError, Problems, load_yaml

FILE = "facility.yaml"
PAID = ("yes", "no", "sometimes")
PLACES = ("office", "asc", "hospital")


class Indicator(Record, frozen=True):
    code: str
    paid: str  # "yes", "no", "sometimes": is there a separate payment
    meaning: str


class FacilityKnowledge(Record, eq=False):
    opps_status: dict[str, Indicator]
    asc_payment: dict[str, Indicator]
    places: dict[str, tuple[str, ...]]  # "office" / "asc" / "hospital" -> words
    anesthesia_names: dict[str, tuple[str, ...]]  # anesthesia code -> everyday names


def _indicators(doc, key: str, disp: str, problems: Problems) -> dict[str, Indicator]:
    table = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(table, dict) or not table:
        problems.add(disp, 1, key, key, "missing: a mapping of indicator -> {paid, meaning}")
        return {}
    out = {}
    for code, entry in table.items():
        line = table.line_of(code) if hasattr(table, "line_of") else 1
        if not isinstance(entry, dict):
            problems.add(disp, line, str(code), "(entry)", "must be a mapping with paid and meaning")
            continue
        paid, meaning = entry.get("paid"), entry.get("meaning")
        if paid not in PAID:
            problems.add(disp, line, str(code), "paid", f"must be one of {', '.join(PAID)}")
        if not isinstance(meaning, str) or not meaning.strip():
            problems.add(disp, line, str(code), "meaning", "must be a sentence in our own words")
            continue
        out[str(code).upper()] = Indicator(str(code).upper(), str(paid), meaning.strip())
    return out


def load_facility_knowledge(root: Path) -> FacilityKnowledge:
    """Read and check `facility.yaml` under the knowledge folder; KnowledgeError lists every problem."""
    problems = Problems()
    disp = f"knowledge/{FILE}"
    doc = load_yaml(root / FILE, disp, problems)
    if doc is None:
        raise KnowledgeError(problems)
    opps = _indicators(doc, "opps_status_indicators", disp, problems)
    asc = _indicators(doc, "asc_payment_indicators", disp, problems)
    places: dict[str, tuple[str, ...]] = {}
    raw = doc.get("places_of_service") if isinstance(doc, dict) else None
    for place in PLACES:
        words = raw.get(place) if isinstance(raw, dict) else None
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            problems.add(disp, raw.line_of(place) if isinstance(raw, dict) and place in raw else 1, place,
                         "places_of_service", "must be a list of words")
            continue
        places[place] = tuple(w.strip().lower() for w in words)
    names: dict[str, tuple[str, ...]] = {}
    for entry in doc.get("anesthesia_codes") or [] if isinstance(doc, dict) else []:
        line = entry.line_of("code") if hasattr(entry, "line_of") else 1
        code = str(entry.get("code", "")) if isinstance(entry, dict) else ""
        synonyms = entry.get("synonyms") if isinstance(entry, dict) else None
        if not (len(code) == 5 and code.isdigit() and code[0] == "0" and code <= "01999"):
            problems.add(disp, line, code or "(entry)", "code", "must be an anesthesia code, 00100-01999")
            continue
        if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip() for s in synonyms):
            problems.add(disp, line, code, "synonyms", "must be a list of names")
            continue
        if code in names:
            problems.add(disp, line, code, "code", "listed twice")
            continue
        names[code] = tuple(s.strip() for s in synonyms)
    if problems:
        raise KnowledgeError(problems)
    return FacilityKnowledge(opps, asc, places, names)
