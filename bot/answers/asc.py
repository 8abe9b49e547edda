"""An ambulatory surgical center's own payment for a code: CMS's ASC Addenda AA and BB, every loaded quarter.

Headline: the newest quarter's national unadjusted rate with its payment indicator in words; then the
multiple-procedure discount, the wage adjustment, the patient's coinsurance, the rate in each loaded quarter
(and the change from the year before), and the physician's own fee in a facility, paid separately. A code on
neither addendum is not payable in an ASC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answer import Answer, Fact, Section
from bot.answers.facility_parts import (
    COINSURANCE_ASC,
    WAGE_ASC,
    dollars,
    physician_fact,
    physician_source,
    title,
)
from bot.facility.db import DatasetInfo

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.facility.service import AscRow
    from bot.understanding.ask import Ask


def quarter_label(period: str) -> str:
    return DatasetInfo("asc_aa", period, int(period[:4]), "", "", "", 0, "", {}).label


def change_text(old: float | None, new: float | None) -> str:
    if old is None or new is None or not old:
        return ""
    delta = new - old
    if abs(delta) < 0.005:
        return "unchanged"
    sign = "+" if delta >= 0 else "−"
    return f"{sign}${abs(delta):,.2f} ({sign}{abs(delta) / old:.1%})"


def history_section(rows: list[AscRow], quarters: list[str]) -> Section:
    """The rate in every loaded quarter, newest first, and the change from the newest quarter a year earlier."""
    by_period = {r.period: r for r in rows}
    facts = []
    for q in quarters:
        r = by_period.get(q)
        facts.append(Fact(quarter_label(q), (dollars(r.rate) + f" ({r.pi})") if r and r.rate is not None
                          else f"no separate payment ({r.pi})" if r else "not on the ASC list"))
    body = ""
    newest = quarters[0]
    year = int(newest[:4])
    earlier = [q for q in quarters if int(q[:4]) == year - 1]
    if earlier and newest in by_period and earlier[0] in by_period:
        text = change_text(by_period[earlier[0]].rate, by_period[newest].rate)
        if text:
            body = f"From {quarter_label(earlier[0])} to {quarter_label(newest)}: {text}."
    if len(quarters) > 1 and newest in by_period and quarters[1] in by_period:
        text = change_text(by_period[quarters[1]].rate, by_period[newest].rate)
        if text:
            body += f" From the quarter before ({quarter_label(quarters[1])}): {text}."
    return Section("ASC rate by quarter (national unadjusted)", facts, body.strip())


def answer(ask: Ask, engine: Engine) -> Answer:
    fac, code, fy = engine.facility, ask.codes[0], ask.fy
    where = ask.localities[0] if ask.localities else None  # the physician's fee there; facility rates are national
    quarters = fac.asc_quarters()
    newest = quarters[0]
    info = fac.data.newest("asc_aa") if fac.data else None
    cite = f"{info.title}, {info.source}" if info else ""
    rows = fac.asc_history(code)
    current = next((r for r in rows if r.period == newest), None)
    physician = Section("Physician", [physician_fact(fy, code, "facility", where)],
                        "The surgeon bills the professional service separately from the ASC's payment.")
    if current is None:
        last = rows[0] if rows else None
        headline = (f"{code} is not on CMS's list of ASC covered procedures (Addendum AA) for "
                    f"{quarter_label(newest)}: Medicare does not pay an ASC for it.")
        if last:
            headline += f" It was on the list until {quarter_label(last.period)} ({last.pi})."
        return Answer(status="answered", intent="asc", codes=[code], year=int(newest[:4]), headline=headline,
                      title=title(engine, code, fy), sections=[physician], source=f"{cite}; {physician_source(fy)}")
    pi = fac.knowledge.asc_payment.get(current.pi)
    meaning = pi.meaning if pi else "see CMS's Addendum DD1 for this payment indicator"
    where = "covered surgical procedure (Addendum AA)" if current.addendum == "AA" else \
        "covered ancillary service (Addendum BB)"
    if current.rate is not None:
        headline = (f"Medicare's national unadjusted ASC rate for {code} is {dollars(current.rate)} in "
                    f"{quarter_label(newest)}, payment indicator {current.pi}: {meaning}.")
    else:
        headline = (f"The ASC gets no separate payment for {code} in {quarter_label(newest)}: payment indicator "
                    f"{current.pi}, {meaning}.")
    facts = [Fact("ASC's payment (national unadjusted)", dollars(current.rate) if current.rate is not None
                  else "no separate payment"),
             Fact("Payment indicator", f"{current.pi}: {meaning}"),
             Fact("On the ASC list as", where)]
    if current.addendum == "AA":
        facts.append(Fact("Multiple procedure discount", "applies: with another discounted procedure in the same "
                          "session, the lower-paying one is paid at 50%" if current.mpd == "Y" else
                          "does not apply: paid in full with other procedures"))
    if current.weight is not None:
        facts.append(Fact("Payment weight", f"{current.weight:.4f}"))
    if current.rate is not None:
        facts.append(Fact("Patient's coinsurance (20% of the rate)", dollars(current.rate * COINSURANCE_ASC)
                          + " (none for most preventive services)"))
    now = Section(f"Ambulatory surgical center, {quarter_label(newest)}", facts)
    history = history_section(rows, quarters)
    # "how did the ASC rate for 66984 change": the quarters are the answer, so they come first (a short
    # reply keeps the first sections); otherwise the current rate's facts lead.
    sections = [history, now, physician] if ask.reading.has("change") else [now, history, physician]
    return Answer(status="answered", intent="asc", codes=[code], year=int(newest[:4]), headline=headline,
                  title=title(engine, code, fy, current.descriptor), sections=sections,
                  notes=[f"The ASC rate is a {WAGE_ASC}."], source=f"{cite}; {physician_source(fy)}")
