"""Medicare payment: the one module that turns RVUs into dollars.

Rules (CMS Physician Fee Schedule; Medicare Claims Processing Manual, chapter 12):
- national amount = total RVU x conversion factor;
- locality amount = (work x work GPCI + PE x PE GPCI + MP x MP GPCI) x conversion factor;
- the office (non-facility) uses the non-facility PE RVU, a hospital or ASC (facility) the facility PE RVU;
- where CMS marks a setting NA the service is not priced there: there is no amount, not a zero;
- amounts are rounded to cents only at the end (half up), never in between;
- several procedures on one day are reduced by each code's multiple-procedure indicator (section 40.6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from bot.records import Locality, Release, Rvu

Setting = Literal["office", "facility"]
SETTINGS: tuple[Setting, ...] = ("office", "facility")
SETTING_LABELS = {"office": "Office (non-facility)", "facility": "Facility (hospital/ASC)"}


def cents(amount: float) -> Decimal:
    """Round to cents, half up, as CMS prints its payment amounts."""
    return Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def money(amount: float | Decimal | None) -> str:
    return "not priced" if amount is None else f"${cents(float(amount)):,.2f}"


def is_priced(rvu: Rvu, setting: Setting) -> bool:
    return not (rvu.nonfacility_na if setting == "office" else rvu.facility_na)


def raw_amount(rvu: Rvu, release: Release, setting: Setting, locality: Locality | None = None) -> float | None:
    """Unrounded payment in one setting, or None where CMS does not price the service there."""
    if not is_priced(rvu, setting):
        return None
    pe = rvu.pe_nonfacility if setting == "office" else rvu.pe_facility
    if locality is None:
        total = rvu.total_nonfacility if setting == "office" else rvu.total_facility
        return total * release.conversion_factor
    return (rvu.work * locality.work_gpci + pe * locality.pe_gpci + rvu.mp * locality.mp_gpci) \
        * release.conversion_factor


def amount(rvu: Rvu, release: Release, setting: Setting, locality: Locality | None = None) -> Decimal | None:
    raw = raw_amount(rvu, release, setting, locality)
    return None if raw is None else cents(raw)


# --- several procedures on one day -------------------------------------------------------------------

STANDARD_RATES = {"2": (1.0, 0.5), "1": (1.0, 0.5, 0.25)}  # later procedures keep the last rate
MPI_MEANING = {
    "0": "no multiple-procedure reduction applies",
    "1": "standard reduction (pre-1995 rules: 100%, 50%, then 25%)",
    "2": "standard reduction: 100% for the highest, 50% for each other",
    "3": "endoscopy family rule: the others in the family are paid their value minus the base endoscopy",
    "4": "diagnostic imaging reduction to the technical component (not modelled here)",
    "5": "therapy practice-expense reduction (not modelled here)",
    "6": "diagnostic cardiovascular reduction (not modelled here)",
    "7": "diagnostic ophthalmology reduction (not modelled here)",
    "9": "the concept does not apply",
}


@dataclass(frozen=True)
class ProcedureLine:
    code: str
    full: float | None  # unreduced amount (None: not priced in this setting)
    paid: float | None  # after the reduction
    rule: str  # in words: "100% (highest)", "50%", "endoscopy: minus base 57452", ...


@dataclass(frozen=True)
class MultipleResult:
    setting: Setting
    lines: tuple[ProcedureLine, ...]
    total: Decimal | None  # None when a code is not priced in this setting
    notes: tuple[str, ...]


def multiple_procedures(rvus: Sequence[Rvu], release: Release, setting: Setting,
                        locality: Locality | None = None, base_rvus: dict[str, Rvu] | None = None
                        ) -> MultipleResult:
    """Apply the multiple-procedure rules to codes done on one day, in one setting.

    Codes with indicator 3 are grouped by their endoscopic base: the most valuable of a family is paid in
    full, each other at its value minus the base's value; the family then counts as one procedure. The
    procedures (families counted once) are ranked by amount; indicator 2 pays 100% then 50% for each
    other. Indicator 0 is never reduced. `base_rvus` gives the RVU rows of endoscopic bases not billed.
    """
    base_rvus = base_rvus or {}
    notes: list[str] = []
    unpriced = [r.code for r in rvus if not is_priced(r, setting)]
    if unpriced:
        return MultipleResult(setting, tuple(ProcedureLine(r.code, None, None, "not priced in this setting")
                                             for r in rvus), None,
                              (f"{', '.join(unpriced)} is not priced in this setting.",))
    full = {i: raw_amount(r, release, setting, locality) or 0.0 for i, r in enumerate(rvus)}
    rule: dict[int, str] = {}
    paid: dict[int, float] = {}
    units: list[tuple[float, list[int]]] = []  # (value, members) ranked for the standard rule
    families: dict[str, list[int]] = {}
    for i, r in enumerate(rvus):
        if r.mult_proc == "3" and r.endo_base:
            families.setdefault(r.endo_base, []).append(i)
        elif r.mult_proc in ("2", "1"):
            units.append((full[i], [i]))
        else:
            paid[i] = full[i]
            rule[i] = "100% (" + MPI_MEANING.get(r.mult_proc, f"indicator {r.mult_proc}") + ")"
            if r.mult_proc not in ("0", "9"):
                notes.append(f"{r.code}: {MPI_MEANING.get(r.mult_proc, 'indicator ' + r.mult_proc)}.")
    for base, members in families.items():
        members.sort(key=lambda i: -full[i])
        base_row = next((r for r in rvus if r.code == base), None) or base_rvus.get(base)
        base_value = (raw_amount(base_row, release, setting, locality) or 0.0) if base_row else 0.0
        if base_row is None and len(members) > 1:
            notes.append(f"The value of base endoscopy {base} was not available; family not reduced.")
        head = members[0]
        fam_paid = {head: full[head]}
        rule[head] = f"endoscopy family {base}: highest, in full"
        for i in members[1:]:
            fam_paid[i] = max(full[i] - base_value, 0.0)
            rule[i] = f"endoscopy family {base}: its value minus base {base}"
        units.append((sum(fam_paid.values()), members))
        paid.update(fam_paid)
    units.sort(key=lambda u: -u[0])
    all_one = all(rvus[m[0]].mult_proc == "1" for _, m in units) if units else False
    rates = STANDARD_RATES["1" if all_one else "2"]
    for rank, (_, members) in enumerate(units):
        rate = rates[min(rank, len(rates) - 1)]
        for i in members:
            paid[i] = paid.get(i, full[i]) * rate
            label = "100% (highest)" if rank == 0 else f"{rate:.0%} (multiple-procedure reduction)"
            rule[i] = f"{label}; {rule[i]}" if i in rule else label
    if len(units) > 5:
        notes.append("More than five procedures: Medicare prices the sixth and later by report.")
    lines = tuple(ProcedureLine(r.code, full[i], paid[i], rule[i]) for i, r in enumerate(rvus))
    order = sorted(range(len(lines)), key=lambda i: -(lines[i].paid or 0.0))
    total = cents(sum(paid.values()))
    return MultipleResult(setting, tuple(lines[i] for i in order), total, tuple(notes))


# --- modifiers that change the amount ------------------------------------------------------------------

@dataclass(frozen=True)
class ModifierPricing:
    """What a pricing modifier does to a code's amount, given the code's indicator in the RVU file."""

    modifier: str
    indicator: str
    factor: float | None  # multiply the fee schedule amount by this; None: not paid or priced by report
    explanation: str


ASSISTANT_SHARE = 0.16
NON_PHYSICIAN_ASSISTANT_SHARE = 0.85  # AS: 85% of the assistant share, so 13.6% of the amount
CO_SURGEON_SHARE = 0.625


def modifier_pricing(rvu: Rvu, modifier: str) -> ModifierPricing | None:
    """The payment effect of 50, 62, 66, 80/81/82 and AS on this code; None for other modifiers.

    The indicators come from the code's row of the RVU file (BILAT SURG, ASST SURG, CO-SURG, TEAM SURG).
    """
    m = modifier.upper()
    if m == "50":
        ind = rvu.bilateral
        table = {"1": (1.5, "bilateral indicator 1: both sides on one line with 50 are paid at 150%"),
                 "2": (1.0, "bilateral indicator 2: the code already covers both sides; 50 adds nothing (100%)"),
                 "3": (2.0, "bilateral indicator 3: each side is paid at 100% (200% for both)"),
                 "0": (None, "bilateral indicator 0: the 150% rule does not apply; 50 is not payable with it"),
                 "9": (None, "bilateral indicator 9: the bilateral concept does not apply to this code")}
    elif m in ("80", "81", "82", "AS"):
        ind = rvu.assistant
        share = ASSISTANT_SHARE * (NON_PHYSICIAN_ASSISTANT_SHARE if m == "AS" else 1.0)
        who = "a non-physician assistant (AS) gets 85% of 16%, i.e. 13.6%" if m == "AS" else \
            "the assistant gets 16% of the surgeon's amount"
        table = {"2": (share, f"assistant indicator 2: payable; {who}"),
                 "0": (share, f"assistant indicator 0: paid only with documentation of medical necessity; {who}"),
                 "1": (None, "assistant indicator 1: an assistant at surgery is not paid for this code"),
                 "9": (None, "assistant indicator 9: the concept does not apply to this code")}
    elif m == "62":
        ind = rvu.co_surgeon
        table = {"2": (CO_SURGEON_SHARE, "co-surgeon indicator 2: permitted; each surgeon gets 62.5%"),
                 "1": (CO_SURGEON_SHARE, "co-surgeon indicator 1: paid with documentation; each surgeon 62.5%"),
                 "0": (None, "co-surgeon indicator 0: co-surgeons are not permitted for this code"),
                 "9": (None, "co-surgeon indicator 9: the concept does not apply to this code")}
    elif m == "66":
        ind = rvu.team
        table = {"2": (None, "team indicator 2: team surgery permitted; the contractor prices it by report"),
                 "1": (None, "team indicator 1: team surgery paid with documentation, priced by report"),
                 "0": (None, "team indicator 0: team surgery is not permitted for this code"),
                 "9": (None, "team indicator 9: the concept does not apply to this code")}
    else:
        return None
    factor, text = table.get(ind, (None, f"indicator {ind}: see the CMS RVU file documentation"))
    return ModifierPricing(m, ind, factor, text)


def adjusted_rvu(rvu: Rvu, factor: float) -> Rvu:
    """The row scaled by a modifier's factor, so the multiple-procedure rules rank the adjusted amount."""
    return replace(rvu, work=rvu.work * factor, pe_nonfacility=rvu.pe_nonfacility * factor,
                   pe_facility=rvu.pe_facility * factor, mp=rvu.mp * factor,
                   total_nonfacility=rvu.total_nonfacility * factor, total_facility=rvu.total_facility * factor)
