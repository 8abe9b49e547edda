"""The hospital outpatient department's own payment for a code: CMS's OPPS Addendum B.

Headline: the national unadjusted rate with its APC and status indicator; then what the indicator means
for the hospital's payment (our words, knowledge/facility.yaml), the patient's copayment as Addendum B
gives it, that the real rate is wage-adjusted, and the physician's own fee in a facility, paid separately.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answer import Answer, Fact, Section
from bot.answers.facility_parts import WAGE_OPPS, dollars, physician_fact, physician_source, title

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def answer(ask: Ask, engine: Engine) -> Answer:
    fac, code, fy = engine.facility, ask.codes[0], ask.fy
    where = ask.localities[0] if ask.localities else None  # the physician's fee there; facility rates are national
    row = fac.opps(code)
    info = fac.data.newest("opps_b") if fac.data else None
    year = info.year if info else None
    cite = f"{info.title}, {info.source}" if info else ""
    if row is None:
        return Answer(status="answered", intent="hospital", codes=[code], year=year, title=title(engine, code, fy),
                      headline=f"{code} is not on CMS's CY{year} OPPS Addendum B: Medicare has no hospital outpatient "
                               "payment for it under the OPPS.",
                      sections=[Section("Physician", [physician_fact(fy, code, "facility", where)])],
                      source=f"{cite}; {physician_source(fy)}")
    si = fac.knowledge.opps_status.get(row.si)
    meaning = si.meaning if si else "see CMS's Addendum D1 for this status indicator"
    apc = f"APC {row.apc}" + (f" ({row.apc_title})" if row.apc_title else "") if row.apc else ""
    if row.rate is not None:
        headline = (f"Medicare's national unadjusted hospital outpatient (OPPS) rate for {code} is "
                    f"{dollars(row.rate)} in CY{year}" + (f", {apc}" if apc else "") + f", status {row.si}: "
                    f"{meaning}.")
    else:
        headline = f"The hospital gets no separate OPPS payment for {code} in CY{year}: status {row.si}, {meaning}."
    facts = [Fact("Hospital's payment (OPPS, national unadjusted)", dollars(row.rate) if row.rate is not None
                  else "no separate payment")]
    if apc:
        facts.append(Fact("APC", apc))
    facts.append(Fact("Status indicator", f"{row.si}: {meaning}"))
    if row.weight is not None:
        cf = info.extra.get("conversion_factor") if info else None
        facts.append(Fact("Relative weight", f"{row.weight:.4f}"
                          + (f" × OPPS conversion factor ${cf:.3f}" if cf else "")))
    copay = row.copay_national if row.copay_national is not None else row.copay_minimum
    if copay is not None:
        facts.append(Fact("Patient's copayment (national unadjusted)", dollars(copay)))
    if row.copay_adjusted is not None:
        facts.append(Fact("Patient's copayment, adjusted", dollars(row.copay_adjusted)))
    sections = [Section(f"Hospital outpatient department, CY{year}", facts),
                Section("Physician", [physician_fact(fy, code, "facility", where)],
                        "The physician bills the professional service separately from the hospital's payment.")]
    notes = [f"The OPPS rate is a {WAGE_OPPS}."]
    if row.note:
        notes.append(f"CMS's note: {row.note}")
    return Answer(status="answered", intent="hospital", codes=[code], year=year, headline=headline,
                  title=title(engine, code, fy, row.descriptor), sections=sections, notes=notes,
                  source=f"{cite}; {physician_source(fy)}")
