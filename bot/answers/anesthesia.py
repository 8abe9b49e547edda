"""Anesthesia: an anesthesia code's base units, and Medicare's payment for a time.

Payment = (base units + time units) × the locality's anesthesia conversion factor, one time unit per
15 minutes (CMS, Medicare Claims Processing Manual ch. 12 §50). Base units come from CMS's base unit table,
conversion factors from the ANES file of the RVU release; each part is shown, with the years loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answer import Answer, Fact, Section
from bot.fees import money
from bot.replies import code_title

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

MINUTES_PER_UNIT = 15
SHOWN_LOCALITIES = 12


def units_text(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


def answer(ask: Ask, engine: Engine) -> Answer:
    fac, code, fy = engine.facility, ask.codes[0], ask.fy
    title = code_title(engine.kb, code, fy.rvus.get((code, "")))
    found = fac.base_units(code)
    base_info = fac.data.newest("anes_base") if fac.data else None
    base_cite = f"{base_info.title} ({base_info.source})" if base_info else ""
    if found is None:
        return Answer(status="not_found", intent="anesthesia", codes=[code], year=None, title=title,
                      headline=f"{code} is not in CMS's anesthesia base unit table ({base_cite}).")
    units, base_year = found
    headline = f"{code} has {units_text(units)} anesthesia base units (CMS's CY{base_year} table)."
    sections = [Section("Base units", [Fact("Base units", units_text(units)),
                                       Fact("Time units", f"1 per {MINUTES_PER_UNIT} minutes of anesthesia time")])]
    notes: list[str] = []
    cf_year, cfs = fac.anesthesia_cfs()
    sources = [base_cite]
    cf_info = fac.data.newest("anes_cf") if fac.data else None
    if cf_info:
        sources.append(cf_info.title)
    minutes = ask.minutes
    if minutes is not None and cfs:
        time_units = minutes / MINUTES_PER_UNIT
        total_units = units + time_units
        formula = (f"({units_text(units)} base + {units_text(time_units)} time units for {minutes:g} minutes) "
                   f"= {units_text(total_units)} units")
        localities = list(ask.localities)
        if not localities and ask.entities.state:
            localities = engine.places.by_state.get(ask.entities.state, [])
        rows = []
        for loc in localities:
            found_cf = cfs.get(loc.key)
            if found_cf:
                rows.append((loc.display, found_cf[1]))
        national = cf_info.extra.get("national_cf") if cf_info else None
        if not rows and national:
            rows.append(("national", national))
        # One place: the whole formula on its row. Several (a state's localities): the headline states the
        # formula once and each row only its factor, so every locality fits in a short reply.
        each = formula if len(rows) == 1 else f"{units_text(total_units)} units"
        facts = [Fact(where, f"{each} × ${cf:.2f} = {money(total_units * cf)}")
                 for where, cf in rows[:SHOWN_LOCALITIES]]
        if rows:
            first_where, first_cf = rows[0]
            pay = money(total_units * first_cf)
            headline = (f"Medicare pays {pay} for {code} with {minutes:g} minutes"
                        f"{'' if first_where == 'national' else ' in ' + first_where} in CY{cf_year}: "
                        f"{formula} × the anesthesia conversion factor ${first_cf:.2f}.")
            if len(rows) > 1:
                low, high = (money(total_units * f(c for _, c in rows)) for f in (min, max))
                headline = (f"Medicare pays for {code} with {minutes:g} minutes in CY{cf_year}: {formula} × each "
                            f"locality's anesthesia conversion factor, from {low} to {high}.")
        sections.insert(0, Section(f"Payment, CY{cf_year} anesthesia conversion factors", facts))  # the ask
        notes.append("Contractors may round time units (many to one decimal place); medical direction "
                     "(modifiers QK, QX, QY: 50% each) and qualifying circumstances are not applied here.")
    elif cfs:
        national = cf_info.extra.get("national_cf") if cf_info else None
        if national:
            sections.append(Section(f"Payment, CY{cf_year}", [Fact("National anesthesia conversion factor",
                                                                    f"${national:.4f}")],
                                    "Payment = (base units + minutes ÷ 15) × the locality's anesthesia conversion "
                                    "factor: ask with a time, e.g. `" + code + " 60 minutes in texas`."))
    else:
        notes.append("No anesthesia conversion factors are loaded (import the ANES file of the RVU release).")
    return Answer(status="answered", intent="anesthesia", codes=[code], year=int(cf_year) if cf_year else None,
                  headline=headline, title=title, sections=sections, notes=notes, source="; ".join(sources))
