"""A drug whose HCPCS code depends on the dose ("depo medrol 40 mg": J1030; "depo medrol injection": which dose?).

Some drugs have one Level II code per vial size beside a 1 mg code (methylprednisolone acetate: J1010 1 mg,
J1020 20 mg, J1030 40 mg, J1040 80 mg), and their brand names look like other drugs' ("Depo-Medrol" is not
"Depo-Provera", J1050). A name search on the brand finds the wrong drug or one code of several, and
answering one code when the dose decides is a confident guess. Here a name of a drug listed under `by_dose`
in `knowledge/drug_administration.yaml` is read before any other name: the dose stated picks the code (a code
of exactly that dose, else the smallest "up to" code that holds it, else the per-unit code in units); no dose
stated asks back, one choice per code. Said with words of giving it, the administration code is added as
for any drug given (bot/answers/drug_given).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.record import Record
from bot.yamlfile import is_text_list

if TYPE_CHECKING:
    from bot.answer import Answer
    from bot.answers.drug_given import Route
    from bot.engine import Engine
    from bot.understanding.ask import Ask
    from bot.understanding.reading import Reading
    from bot.understanding.words import Words

# "40 mg", "40mg", "80 milligrams": the dose stated (bounded digits: linear in the input)
DOSE_RE = re.compile(r"(?<![\w.])(\d{1,5}(?:\.\d{1,3})?)\s?(?:mg|milligrams?)\b", re.IGNORECASE)


class DoseCode(Record, frozen=True):
    code: str
    mg: float
    up_to: bool = False


class DosedDrug(Record, frozen=True):
    names: tuple[str, ...]
    said: str
    codes: tuple[DoseCode, ...]


class DoseMatch(Record, frozen=True):
    """A dosed drug named: the dose stated (None: not stated), the code and units it picks, the route given."""

    drug: DosedDrug
    dose: float | None
    code: DoseCode | None
    units: int
    route: Route | None


def is_by_dose(value: Any) -> str | None:
    """`by_dose`: a list of {names, said, codes: [{code, mg, up_to?}]}, codes quoted, doses positive."""
    bad = "must be a list of {names: [...], said: text, codes: [{code: \"J1030\", mg: 40, up_to: false}]}"
    if not isinstance(value, list):
        return bad
    for e in value:
        if not isinstance(e, dict) or set(e) != {"names", "said", "codes"} or is_text_list(e["names"]) or \
                not isinstance(e["said"], str) or not isinstance(e["codes"], list) or not e["codes"]:
            return bad
        for c in e["codes"]:
            if not isinstance(c, dict) or not {"code", "mg"} <= set(c) <= {"code", "mg", "up_to"} or \
                    not isinstance(c["code"], str) or isinstance(c["mg"], bool) or \
                    not isinstance(c["mg"], int | float) or c["mg"] <= 0 or not isinstance(c.get("up_to", False), bool):
                return bad
    return None


def read_by_dose(value: list[dict]) -> tuple[DosedDrug, ...]:
    return tuple(DosedDrug(tuple(e["names"]), str(e["said"]),
                           tuple(DoseCode(str(c["code"]), float(c["mg"]), bool(c.get("up_to", False)))
                                 for c in e["codes"])) for e in value)


def pick(drug: DosedDrug, dose: float) -> tuple[DoseCode, int] | None:
    """The code (and units) for `dose` mg: a code of that very dose; else the smallest "up to" code that holds
    it; else the smallest per-unit code the dose is a whole number of. None when none fits."""
    exact = next((c for c in drug.codes if not c.up_to and c.mg == dose), None)
    if exact is not None:
        return exact, 1
    holding = sorted((c for c in drug.codes if c.up_to and dose <= c.mg), key=lambda c: c.mg)
    if holding:
        return holding[0], 1
    unit = min((c for c in drug.codes if not c.up_to), key=lambda c: c.mg, default=None)
    if unit is not None and dose / unit.mg == int(dose / unit.mg):
        return unit, int(dose / unit.mg)
    return None


def dose_said(c: DoseCode) -> str:
    return f"{'up to ' if c.up_to else ''}{c.mg:g} mg"


def without_names(names: tuple[str, ...] | list[str], text: str) -> str:
    """`text` with each of `names` (spaces and hyphens alike) and any dose in mg blanked out."""
    for name in sorted(names, key=len, reverse=True):
        pattern = r"[\s-]*".join(re.escape(w) for w in re.split(r"[\s-]+", name.strip()) if w)
        if pattern:
            text = re.sub(rf"(?<!\w){pattern}(?!\w)", " ", text, flags=re.IGNORECASE)
    return DOSE_RE.sub(" ", text)


class DosedFinder:
    """Whether a question names a drug of `by_dose`, by brand or generic name."""

    def __init__(self, drugs: tuple[DosedDrug, ...], words: Words):
        self.drugs = drugs
        self._names = [(d, [frozenset(s) for s in (words.content_stems(n) for n in d.names) if s]) for d in drugs]

    def without_names(self, drug: DosedDrug, text: str) -> str:
        """The question with the drug's names blanked out, to look for a procedure said beside it ("knee joint
        injection with depo medrol 40 mg": the joint injection)."""
        return without_names(drug.names, text)

    def find(self, r: Reading) -> DosedDrug | None:
        said = {t.stem for t in r.tokens} | {t.surface for t in r.tokens}
        found = [d for d, names in self._names if any(n <= said for n in names)]
        return found[0] if len(found) == 1 else None


def match(drug: DosedDrug, r: Reading, route: Route | None) -> DoseMatch:
    doses = {float(m.group(1)) for m in DOSE_RE.finditer(r.text)}
    if len(doses) != 1:  # none said, or several (which one is this drug's?): ask
        return DoseMatch(drug, None, None, 0, route)
    dose = doses.pop()
    picked = pick(drug, dose)
    return DoseMatch(drug, dose, picked[0] if picked else None, picked[1] if picked else 0, route)


def answer(ask: Ask, engine: Engine) -> Answer:
    """The code for the dose stated (with the administration's when it was given), or the codes to choose from."""
    from bot.answer import Answer, Choice, Section

    m: DoseMatch = ask.rule  # type: ignore[assignment]
    drug = m.drug
    by_dose = "; ".join(f"{c.code} {dose_said(c)}" for c in drug.codes)
    listed = [c.code for c in drug.codes if (c.code, "") in ask.fy.rvus]
    notes = []
    if engine.kb.imported and listed and len(listed) < len(drug.codes):
        notes.append(f"Of these codes, CMS's CY{ask.year} physician fee schedule file lists {', '.join(listed)} "
                     "only.")
    with_procedure = ""
    if ask.codes:
        from bot.answers.titles import name_of

        named = " or ".join(f"{c} ({name_of(engine.kb, c, engine.kb.rvu(c, ask.year)) or c})" for c in ask.codes)
        which = "its own code," if len(ask.codes) == 1 else "its own code, whichever the record describes:"
        with_procedure = (f" The procedure named is billed with {which} {named}, which includes giving the drug: "
                          "no administration code is added.")
    sections = [Section("Codes by dose", [], f"{drug.said[:1].upper()}{drug.said[1:]} is coded by the dose "
                                             f"given: {by_dose}. Units are the dose given over the code's dose.")]
    if m.code is None:
        why = "Which dose was given?" if m.dose is None else f"No code of {m.dose:g} mg fits; which dose was given?"
        name = drug.names[0]
        choices = [Choice(code=c.code, label=f"{c.code} · {drug.said}, {dose_said(c)}",
                          question=f"{name} {c.mg:g} mg" + (" injection" if m.route else ""))
                   for c in drug.codes]
        return Answer(status="clarify", intent="clarify", codes=[c.code for c in drug.codes] + ask.codes,
                      year=ask.year, headline=f"{drug.said[:1].upper()}{drug.said[1:]} has one HCPCS code per dose "
                                          f"({by_dose}). {why}{with_procedure}", choices=choices, notes=notes)
    code = m.code.code
    units = f"{m.units} unit{'s' if m.units != 1 else ''}"
    first = f"Bill {code} ({units}) for {m.dose:g} mg of {drug.said}"
    first += f" and {m.route.code} for giving it ({m.route.said})." if m.route else "."
    unit_code = min((c for c in drug.codes if not c.up_to), key=lambda c: c.mg, default=None)
    if unit_code is not None and unit_code.code != code and m.dose is not None and \
            m.dose / unit_code.mg == int(m.dose / unit_code.mg):
        first += (f" The {dose_said(unit_code)} code, {unit_code.code}, in {int(m.dose / unit_code.mg)} units, "
                  "describes the same dose where a payer asks for it.")
    first += with_procedure
    codes = [code] + ([m.route.code] if m.route else []) + ask.codes
    return Answer(status="answered", intent="drug_given", codes=codes, year=ask.year,
                  title=f"{code} · {drug.said}, {dose_said(m.code)}", headline=first, sections=sections, notes=notes)
