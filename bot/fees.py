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

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from bot.record import Record, replace
from bot.records import Locality, Release, Rvu

Setting = Literal["office", "facility"]
SETTINGS: tuple[Setting, ...] = ("office", "facility")
SETTING_LABELS = {"office": "Office (non-facility)", "facility": "Physician's fee in a facility (hospital/ASC)"}
PLACES = {"office": "in the office", "facility": "in a facility"}


def cents(amount: float) -> Decimal:
    """Round to cents, half up, as CMS prints its payment amounts."""
    return Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def money(amount: float | Decimal | None) -> str:
    return "not priced" if amount is None else f"${cents(float(amount)):,.2f}"


def is_priced(rvu: Rvu, setting: Setting) -> bool:
    return not (rvu.nonfacility_na if setting == "office" else rvu.facility_na)


def formula_amount(rvu: Rvu, release: Release, setting: Setting, locality: Locality | None = None) -> float | None:
    """The fee schedule formula's unrounded amount in one setting (before the OPPS imaging cap), or None
    where CMS does not price the service there."""
    if not is_priced(rvu, setting):
        return None
    pe = rvu.pe_nonfacility if setting == "office" else rvu.pe_facility
    if locality is None:
        total = rvu.total_nonfacility if setting == "office" else rvu.total_facility
        return total * release.conversion_factor
    return (rvu.work * locality.work_gpci + pe * locality.pe_gpci + rvu.mp * locality.mp_gpci) \
        * release.conversion_factor


def opps_cap(rvu: Rvu, release: Release, setting: Setting, locality: Locality | None = None) -> float | None:
    """The hospital outpatient (OPPS) amount that caps this imaging service, or None when it is not capped.

    The RVU file gives the PE and MP RVUs "used for OPPS payment amount" for imaging under the Deficit
    Reduction Act cap; the payment is the lower of the fee schedule amount and this amount, worked with
    the same work RVU, GPCIs and conversion factor.
    """
    opps_pe = rvu.opps_pe_nonfacility if setting == "office" else rvu.opps_pe_facility
    if not (opps_pe or rvu.opps_mp) or not is_priced(rvu, setting):
        return None
    g = locality or Locality("", "", "", "", 1.0, 1.0, 1.0)
    return (rvu.work * g.work_gpci + opps_pe * g.pe_gpci + rvu.opps_mp * g.mp_gpci) * release.conversion_factor


def is_capped(rvu: Rvu, release: Release, setting: Setting, locality: Locality | None = None) -> bool:
    cap, formula = opps_cap(rvu, release, setting, locality), formula_amount(rvu, release, setting, locality)
    return cap is not None and formula is not None and cents(cap) < cents(formula)


def raw_amount(rvu: Rvu, release: Release, setting: Setting, locality: Locality | None = None) -> float | None:
    """Unrounded payment in one setting, or None where CMS does not price the service there: the fee
    schedule formula, lowered to the OPPS amount for imaging CMS caps there."""
    formula = formula_amount(rvu, release, setting, locality)
    cap = opps_cap(rvu, release, setting, locality)
    return formula if cap is None or formula is None else min(formula, cap)


def amount(rvu: Rvu, release: Release, setting: Setting, locality: Locality | None = None) -> Decimal | None:
    raw = raw_amount(rvu, release, setting, locality)
    return None if raw is None else cents(raw)


# --- several procedures on one day -------------------------------------------------------------------

STANDARD_RATES = {"2": (1.0, 0.5), "1": (1.0, 0.5, 0.25)}  # later procedures keep the last rate
MAX_RANKED = 5  # the sixth and later procedures of the standard rule are priced "by report"
# Reductions of the second and later services of a family, applied to one part of their amount only
# (RVU file documentation, multiple procedure indicators 4-7; Claims Processing Manual ch. 12 and 13).
IMAGING_TC_CUT, IMAGING_PC_CUT = 0.50, 0.05
CARDIOVASCULAR_TC_CUT = 0.25
OPHTHALMOLOGY_TC_CUT = 0.20
THERAPY_PE_CUT = 0.50
MPI_MEANING = {
    "0": "no multiple-procedure reduction applies",
    "1": "standard reduction (pre-1995 rules: 100%, 50%, then 25%)",
    "2": "standard reduction: 100% for the highest, 50% for each other",
    "3": "endoscopy family rule: the others in the family are paid their value minus the base endoscopy, "
         "and the base is not paid separately",
    "4": "diagnostic imaging: in one session the technical component of each imaging service after the "
         "highest is paid at 50%, and the professional component at 95%",
    "5": "therapy: the practice expense of each therapy service after the highest is paid at 50%",
    "6": "diagnostic cardiovascular: the technical component of each such test after the highest is paid "
         "at 75%",
    "7": "diagnostic ophthalmology: the technical component of each such test after the highest is paid "
         "at 80%",
    "9": "the multiple-procedure concept does not apply",
}
PAID_STATUSES = ("A", "R", "T")


def has_rvus(rvu: Rvu) -> bool:
    return rvu.total_nonfacility > 0 or rvu.total_facility > 0


def payable(rvu: Rvu) -> bool:
    """Whether Medicare pays this row under the fee schedule from its RVUs (status A, R or T with RVUs).

    Every other status (bundled, carrier-priced, excluded, not covered, not valid, anesthesia, measurement,
    supplies) has no fee schedule amount, even where the file prints RVUs beside it.
    """
    return rvu.status in PAID_STATUSES and has_rvus(rvu)


def is_drug(rvu: Rvu) -> bool:
    """J codes are drugs: Medicare pays them from its ASP drug pricing file, not the fee schedule."""
    return rvu.code.startswith("J") and rvu.status not in ("I", "N")


def payment_status(rvu: Rvu) -> str:
    """The key of the words that say how Medicare pays this row (see knowledge/payment_status.yaml):
    its CMS status letter, "drug" for J codes, or "R-unpriced" for restricted codes without RVUs."""
    if is_drug(rvu):
        return "drug"
    if rvu.status == "R" and not has_rvus(rvu):
        return "R-unpriced"
    return rvu.status


class ProcedureLine(Record, eq=False):
    code: str
    full: Decimal | None  # unreduced amount in cents (None: no fee schedule amount here)
    paid: Decimal | None  # after the reductions, in cents (None: not paid, or not priceable here)
    rule: str  # in words: "100% (highest)", "50%", "endoscopy: minus base 57452", "not paid: bundled"...
    counted: bool = True  # False: left out of the total (not payable, or included in another service)


class MultipleResult(Record, eq=False):
    setting: Setting
    lines: tuple[ProcedureLine, ...]
    total: Decimal | None  # the sum of the lines' paid amounts; None when the claim can't be priced here
    notes: tuple[str, ...]


def _parts(rvu: Rvu, rows: Mapping[tuple[str, str], Rvu], release: Release, setting: Setting,
           locality: Locality | None, factor: float) -> tuple[float, float] | None:
    """(technical, professional) parts of a diagnostic service's amount, or None when the files can't say."""
    full = (raw_amount(rvu, release, setting, locality) or 0.0) * factor
    if rvu.modifier == "TC" or rvu.pctc == "3":
        return full, 0.0
    if rvu.modifier == "26" or rvu.pctc in ("2", "6", "8"):
        return 0.0, full
    tc, pc = rows.get((rvu.code, "TC")), rows.get((rvu.code, "26"))
    if rvu.pctc != "1" or tc is None or pc is None:
        return None
    return ((raw_amount(tc, release, setting, locality) or 0.0) * factor,
            (raw_amount(pc, release, setting, locality) or 0.0) * factor)


def _pe_part(rvu: Rvu, release: Release, setting: Setting, locality: Locality | None, factor: float) -> float:
    pe = rvu.pe_nonfacility if setting == "office" else rvu.pe_facility
    return pe * (locality.pe_gpci if locality else 1.0) * release.conversion_factor * factor


def multiple_procedures(rvus: Sequence[Rvu], release: Release, setting: Setting,
                        locality: Locality | None = None, rows: Mapping[tuple[str, str], Rvu] | None = None,
                        factors: Sequence[float] | None = None, labels: Sequence[str] | None = None
                        ) -> MultipleResult:
    """Apply the multiple-procedure rules to services done on one day, in one setting.

    `rows` is the year's RVU rows (for endoscopic bases not billed and the TC/26 rows of diagnostic tests);
    `factors` scale each service first (a bilateral 150%); `labels` name each line ("58558-50").
    - A service Medicare does not pay under the fee schedule is listed with its reason, out of the total;
      a status T injection is bundled when another paid service is billed the same day.
    - A setting where any service is NA has no total.
    - Indicator 3 families: a base billed with a member of its family is not paid separately; the most
      valuable member is paid in full, each other member its value minus the base; the family then counts
      as one procedure of the standard rule.
    - Indicators 1/2 (and families): ranked by amount, 100% then 50% (25% for 1); the sixth and later are
      priced by report, so then there is no total.
    - Indicators 4/6/7: the technical part (and for 4 also the professional part at 5%) of each service of
      the same kind after the highest is reduced; 5: the practice expense of each therapy after the highest
      is halved. Where the files do not split a test into its parts, there is no total.
    Every line is rounded to cents and the total is the sum of the lines as shown.
    """
    rows = rows or {}
    factors = list(factors) if factors is not None else [1.0] * len(rvus)
    labels = list(labels) if labels is not None else [r.code for r in rvus]
    notes: list[str] = []
    rule: dict[int, str] = {}
    paid: dict[int, float] = {}
    left_out: dict[int, str] = {}
    full: dict[int, float] = {}
    blocked = False
    for i, r in enumerate(rvus):
        if not payable(r) or factors[i] == 0:
            left_out[i] = "not paid under the fee schedule" if factors[i] else "not paid with this modifier"
    others_paid = [i for i, r in enumerate(rvus) if i not in left_out and r.status in ("A", "R")]
    for i, r in enumerate(rvus):
        if i not in left_out and r.status == "T" and others_paid:
            left_out[i] = "status T: bundled, paid only when no other fee schedule service is billed that day"
    for i, r in enumerate(rvus):
        if i in left_out:
            continue
        if not is_priced(r, setting):
            left_out[i] = f"not priced {PLACES[setting]} (CMS: NA)"
            blocked = True
            notes.append(f"{labels[i]} is not priced {PLACES[setting]} (CMS: NA), so there is no total there.")
            continue
        full[i] = (raw_amount(r, release, setting, locality) or 0.0) * factors[i]
    active = [i for i in range(len(rvus)) if i not in left_out]

    # endoscopy families, with a billed base joining its family
    families: dict[str, list[int]] = {}
    for i in active:
        r = rvus[i]
        if r.mult_proc == "3" and r.endo_base:
            families.setdefault(r.endo_base, []).append(i)
    units: list[tuple[float, list[int]]] = []  # standard-rule units: (value, members)
    in_family: set[int] = set()
    for base, members in families.items():
        billed_base = [i for i in active if rvus[i].code == base]
        members[:] = [i for i in members if i not in billed_base]
        if not members:
            continue  # the base alone is an ordinary procedure
        base_row = rows.get((base, "")) or (rvus[billed_base[0]] if billed_base else None)
        base_value = (raw_amount(base_row, release, setting, locality) or 0.0) if base_row else 0.0
        members.sort(key=lambda i: -full[i])
        head = members[0]
        paid[head] = full[head]
        rule[head] = f"endoscopy family {base}: highest, in full"
        for i in members[1:]:
            if base_row is None:
                blocked = True
                notes.append(f"The value of base endoscopy {base} is not in the file, so the family of "
                             f"{labels[i]} can't be priced.")
            paid[i] = max(full[i] - base_value * factors[i], 0.0)
            rule[i] = f"endoscopy family {base}: its value minus base {base}"
        for i in billed_base:
            left_out[i] = f"endoscopy base {base}: included in {labels[head]}, not paid separately"
        in_family.update(members + billed_base)
        units.append((sum(paid[i] for i in members), members))
    for i in active:
        if i not in in_family and rvus[i].mult_proc in ("1", "2", "3"):
            units.append((full[i], [i]))
    units.sort(key=lambda u: -u[0])
    all_one = bool(units) and all(rvus[m[0]].mult_proc == "1" for _, m in units)
    rates = STANDARD_RATES["1" if all_one else "2"]
    for rank, (_, members) in enumerate(units):
        if rank >= MAX_RANKED:
            for i in members:
                paid[i] = 0.0
                rule[i] = "sixth or later procedure: priced by report by the Medicare contractor"
                left_out[i] = rule[i]
            blocked = True
            continue
        rate = rates[min(rank, len(rates) - 1)]
        for i in members:
            paid[i] = paid.get(i, full[i]) * rate
            label = "100% (highest)" if rank == 0 else f"{rate:.0%} (multiple-procedure reduction)"
            rule[i] = f"{label}; {rule[i]}" if i in rule else label
    if len(units) > MAX_RANKED:
        notes.append("More than five procedures: Medicare prices the sixth and later by report, so there is "
                     "no total.")

    # diagnostic tests and therapy: a part of each service after the highest is reduced
    for mpi, cuts, kind in (("4", (IMAGING_TC_CUT, IMAGING_PC_CUT), "diagnostic imaging"),
                            ("6", (CARDIOVASCULAR_TC_CUT, 0.0), "diagnostic cardiovascular"),
                            ("7", (OPHTHALMOLOGY_TC_CUT, 0.0), "diagnostic ophthalmology")):
        group = [i for i in active if rvus[i].mult_proc == mpi]
        if len(group) < 2:
            for i in group:
                paid[i], rule[i] = full[i], f"100% (the only {kind} service)"
            continue
        parts = {i: _parts(rvus[i], rows, release, setting, locality, factors[i]) for i in group}
        unknown = [labels[i] for i in group if parts[i] is None]
        if unknown:
            blocked = True
            notes.append(f"{', '.join(unknown)}: CMS prices the technical part of this test under a code of "
                         "its own, and the RVU file does not say which, so the "
                         f"{kind} reduction can't be worked out here.")
            for i in group:
                paid[i], rule[i] = full[i], f"{kind}: reduction not computable from the files"
            continue
        tc_top = max(group, key=lambda i: parts[i][0])
        pc_top = max(group, key=lambda i: parts[i][1])
        for i in group:
            tc, pc = parts[i]
            cut = (0.0 if i == tc_top else cuts[0] * tc) + (0.0 if i == pc_top else cuts[1] * pc)
            paid[i] = full[i] - cut
            said = []
            if i != tc_top and tc:
                said.append(f"technical part at {1 - cuts[0]:.0%}")
            if i != pc_top and pc and cuts[1]:
                said.append(f"professional part at {1 - cuts[1]:.0%}")
            rule[i] = f"{kind}: " + (", ".join(said) if said else "highest, in full")
    therapy = [i for i in active if rvus[i].mult_proc == "5"]
    pe_top = max(therapy, key=lambda i: _pe_part(rvus[i], release, setting, locality, factors[i]), default=None)
    for i in therapy:
        if i == pe_top or len(therapy) < 2:
            paid[i], rule[i] = full[i], "therapy: highest practice expense, in full"
        else:
            paid[i] = full[i] - THERAPY_PE_CUT * _pe_part(rvus[i], release, setting, locality, factors[i])
            rule[i] = "therapy: practice expense at 50%"
    for i in active:
        if i not in paid and i not in left_out:
            paid[i] = full[i]
            rule[i] = "100% (" + MPI_MEANING.get(rvus[i].mult_proc, f"indicator {rvus[i].mult_proc}") + ")"

    lines = []
    for i in range(len(rvus)):
        shown_full = cents(full[i]) if i in full else None
        if i in left_out:
            lines.append(ProcedureLine(labels[i], shown_full, None, left_out[i], counted=False))
        else:
            lines.append(ProcedureLine(labels[i], shown_full, cents(paid[i]), rule[i]))
    lines.sort(key=lambda line: (not line.counted, -(line.paid or 0)))
    counted = [line.paid for line in lines if line.counted and line.paid is not None]
    total = None if blocked or not counted else sum(counted, Decimal("0.00"))
    return MultipleResult(setting, tuple(lines), total, tuple(dict.fromkeys(notes)))


# --- modifiers that change the amount ------------------------------------------------------------------

class ModifierPricing(Record, eq=False):
    """What a pricing modifier does to a code's amount, given the code's indicator in the RVU file.

    `factor` multiplies the code's fee schedule amount (1.5 for a bilateral 150%, 0.16 for an assistant);
    None means the file gives no amount: not paid, or priced by the Medicare contractor ("by report").
    `whose` says whose amount it is ("the assistant's", "each surgeon's", "both sides together").
    """

    modifier: str
    indicator: str
    factor: float | None
    explanation: str
    whose: str = ""
    paid: bool = True  # False: Medicare does not pay the service with this modifier

    @property
    def ruled_out(self) -> bool:
        """The code's own indicator rules the modifier out: not paid or not permitted on it (an indicator for which
        the concept does not apply is not a refusal), or 50 on a code CMS already prices as both sides."""
        return (not self.paid and "does not apply" not in self.explanation) or (
            self.modifier == "50" and self.indicator == "2")


ASSISTANT_SHARE = 0.16
NON_PHYSICIAN_ASSISTANT_SHARE = 0.85  # AS: 85% of the assistant share, so 13.6% of the amount
CO_SURGEON_SHARE = 0.625
PRICING_MODIFIERS = ("50", "RT+LT", "62", "66", "80", "81", "82", "AS", "52", "53")
BILATERAL_FACTORS = {"0": 1.0, "1": 1.5, "2": 1.0, "3": 2.0}


def modifier_pricing(rvu: Rvu, modifier: str) -> ModifierPricing | None:
    """The payment effect of 50 (or RT and LT), 62, 66, 80/81/82, AS, 52 and 53 on this code; None for others.

    The indicators come from the code's row of the RVU file (BILAT SURG, ASST SURG, CO-SURG, TEAM SURG); 52
    and 53 without a row of their own are priced by the contractor.
    """
    m = modifier.upper()
    if m in ("50", "RT+LT"):
        ind = rvu.bilateral
        how = "with modifier 50" if m == "50" else "as RT and LT"
        table = {
            "0": (1.0, "bilateral indicator 0: the 150% rule does not apply; both sides together are paid 100% "
                       f"of the single amount when billed {how}", "both sides together"),
            "1": (1.5, f"bilateral indicator 1: both sides billed {how} are paid 150% of the single amount",
                  "both sides together"),
            "2": (1.0, "bilateral indicator 2: the code's value already covers both sides, so both sides "
                       "together are paid 100% of the single amount", "both sides together"),
            "3": (2.0, "bilateral indicator 3: each side is paid 100% of the single amount (200% for both)",
                  "both sides together"),
            "9": (None, "bilateral indicator 9: the bilateral concept does not apply to this code", ""),
        }
    elif m in ("80", "81", "82", "AS"):
        ind = rvu.assistant
        share = ASSISTANT_SHARE * (NON_PHYSICIAN_ASSISTANT_SHARE if m == "AS" else 1.0)
        who = ("a non-physician assistant (AS: PA, NP or CNS) gets 85% of the 16% assistant share, i.e. 13.6% "
               "of the surgeon's amount") if m == "AS" else "the assistant gets 16% of the surgeon's amount"
        table = {"2": (share, f"assistant indicator 2: payable; {who}", "the assistant's"),
                 "0": (share, f"assistant indicator 0: paid only with documentation of medical necessity; {who}",
                       "the assistant's"),
                 "1": (None, "assistant indicator 1: an assistant at surgery is not paid for this code", ""),
                 "9": (None, "assistant indicator 9: the concept does not apply to this code", "")}
    elif m == "62":
        ind = rvu.co_surgeon
        table = {"2": (CO_SURGEON_SHARE, "co-surgeon indicator 2: permitted; each surgeon gets 62.5%",
                       "each surgeon's"),
                 "1": (CO_SURGEON_SHARE, "co-surgeon indicator 1: paid with documentation; each surgeon 62.5%",
                       "each surgeon's"),
                 "0": (None, "co-surgeon indicator 0: co-surgeons are not permitted for this code", ""),
                 "9": (None, "co-surgeon indicator 9: the concept does not apply to this code", "")}
    elif m == "66":
        ind = rvu.team
        table = {"2": (None, "team indicator 2: team surgery permitted; the contractor prices it by report", ""),
                 "1": (None, "team indicator 1: team surgery paid with documentation, priced by report", ""),
                 "0": (None, "team indicator 0: team surgery is not permitted for this code", ""),
                 "9": (None, "team indicator 9: the concept does not apply to this code", "")}
    elif m in ("52", "53"):
        what = "reduced" if m == "52" else "discontinued"
        return ModifierPricing(m, "", None, f"CMS prices no {what}-service row (-{m}) for {rvu.code}: the Medicare "
                               "contractor sets the reduced amount from the documentation (by report)")
    else:
        return None
    factor, text, whose = table.get(ind, (None, f"indicator {ind}: see the CMS RVU file documentation", ""))
    unpaid = factor is None and any(w in text for w in ("not paid", "not permitted", "does not apply"))
    return ModifierPricing(m, ind, factor, text, whose, paid=not unpaid)


def adjusted_rvu(rvu: Rvu, factor: float) -> Rvu:
    """The row scaled by a modifier's factor, so the multiple-procedure rules rank the adjusted amount."""
    return replace(rvu, work=rvu.work * factor, pe_nonfacility=rvu.pe_nonfacility * factor,
                   pe_facility=rvu.pe_facility * factor, mp=rvu.mp * factor,
                   total_nonfacility=rvu.total_nonfacility * factor, total_facility=rvu.total_facility * factor)
