"""What Medicare pays in total for a code in each place of service, side by side, each part named.

- office: the physician's fee in the office (non-facility) is the whole payment;
- ASC: the physician's fee in a facility + the ASC's own rate (newest loaded quarter);
- hospital outpatient: the physician's fee in a facility + the hospital's OPPS rate.
Each source's year is stated (the physician fee schedule, the ASC quarter and the OPPS year can differ),
and the patient's share where the files give it. All amounts are national and unadjusted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answer import Answer, Fact, Section
from bot.answers.asc import quarter_label
from bot.answers.facility_parts import COINSURANCE_ASC, dollars, physician, physician_source, title

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def _total(*parts: float | None) -> float | None:
    return None if any(p is None for p in parts) else round(sum(parts), 2)  # type: ignore[arg-type]


def answer(ask: Ask, engine: Engine) -> Answer:
    fac, code, fy = engine.facility, ask.codes[0], ask.fy
    office = physician(fy, code, "office")
    in_facility = physician(fy, code, "facility")
    quarters = fac.asc_quarters()
    asc_row = next((r for r in fac.asc_history(code) if r.period == quarters[0]), None)
    opps = fac.opps(code)
    opps_info = fac.data.newest("opps_b") if fac.data else None
    asc_info = fac.data.newest("asc_aa") if fac.data else None
    pfs = f"CY{fy.year} physician fee schedule"
    q = quarter_label(quarters[0])
    rows: list[tuple[str, float | None]] = []
    sections = []

    office_facts = [Fact(f"Physician's fee in the office ({pfs})", dollars(office))]
    office_facts.append(Fact("Total", dollars(office) if office is not None else "not priced in the office"))
    sections.append(Section("Office", office_facts, "The physician's office amount covers the practice's costs "
                                                    "too: there is no separate facility payment."))
    rows.append(("office", office))

    asc_rate = asc_row.rate if asc_row else None
    asc_facts = [Fact(f"Physician's fee in a facility ({pfs})", dollars(in_facility)),
                 Fact(f"ASC's payment ({q})", dollars(asc_rate) if asc_rate is not None else
                      ("no separate payment" if asc_row else "not on the ASC list: not payable in an ASC"))]
    asc_total = _total(in_facility, asc_rate)
    asc_facts.append(Fact("Total", dollars(asc_total) if asc_total is not None else "not payable as a total"))
    if asc_rate is not None:
        asc_facts.append(Fact("Patient's coinsurance on the ASC's part (20%)", dollars(asc_rate * COINSURANCE_ASC)))
    sections.append(Section("Ambulatory surgical center", asc_facts))
    rows.append(("ASC", asc_total))

    opps_rate = opps.rate if opps else None
    opps_year = opps_info.year if opps_info else None
    hosp_facts = [Fact(f"Physician's fee in a facility ({pfs})", dollars(in_facility)),
                  Fact(f"Hospital's payment (OPPS CY{opps_year})", dollars(opps_rate) if opps_rate is not None else
                       (f"no separate payment (status {opps.si})" if opps else "not on OPPS Addendum B"))]
    hosp_total = _total(in_facility, opps_rate)
    hosp_facts.append(Fact("Total", dollars(hosp_total) if hosp_total is not None else "not payable as a total"))
    if opps and opps_rate is not None:
        copay = opps.copay_national if opps.copay_national is not None else opps.copay_minimum
        if copay is not None:
            hosp_facts.append(Fact("Patient's copayment on the hospital's part (OPPS)", dollars(copay)))
    sections.append(Section("Hospital outpatient department", hosp_facts))
    rows.append(("hospital outpatient", hosp_total))

    priced = [(name, v) for name, v in rows if v is not None]
    if priced:
        parts = ", ".join(f"{name} {dollars(v)}" for name, v in priced)
        cheapest = min(priced, key=lambda x: x[1])[0]
        headline = (f"Medicare's total national payment for {code}: {parts} (physician + facility). "
                    f"Lowest in the {cheapest}." if len(priced) > 1 else
                    f"Medicare's total national payment for {code}: {parts}.")
    else:
        headline = f"Medicare does not price {code} in the office, an ASC or a hospital outpatient department."
    sources = [physician_source(fy)]
    if asc_info:
        sources.append(f"{asc_info.title}, {asc_info.source}")
    if opps_info:
        sources.append(f"{opps_info.title}, {opps_info.source}")
    notes = ["National unadjusted amounts: the physician's part is adjusted by the locality's GPCIs, the ASC's and "
             "the hospital's by the wage index.",
             f"The sources' years differ: physician fees CY{fy.year}, ASC {q}, OPPS CY{opps_year}."]
    return Answer(status="answered", intent="site_of_service", codes=[code], year=fy.year, headline=headline,
                  title=title(engine, code, fy), sections=sections, notes=notes, source="; ".join(sources))
