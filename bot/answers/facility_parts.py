"""What the hospital, ASC and site-of-service answers share: the physician's part, titles and citations.

The physician's amounts come from `bot.fees` (the one payment formula); the facility rates from the CMS
files imported into `bot.facility`. Every amount is named for whom it pays, so the physician's fee in a
facility is never read as the facility's own payment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answer import Fact
from bot.fees import amount, money
from bot.replies import code_title, source_line

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.records import FeeYear, Locality

WAGE_OPPS = ("national unadjusted rate: a hospital's actual payment is wage-adjusted (60% of the rate is "
             "multiplied by its area's wage index)")
WAGE_ASC = ("national unadjusted rate: an ASC's actual payment is wage-adjusted (50% of the rate is multiplied "
            "by its area's wage index, from CMS's wage index file, which cptbot does not load)")
COINSURANCE_ASC = 0.20  # Addenda AA/BB, note: the patient pays 20% of the rate (none for most preventive services)


def title(engine: Engine, code: str, fy: FeeYear, descriptor: str = "") -> str:
    """The code's title: our curated name, the CMS long description (Level II), or CMS's short descriptor."""
    entry = engine.kb.codes.get(code)
    if entry is None:
        long = engine.facility.hcpcs_long(code)
        if long:
            return f"{code} · {long}"
    rvu = fy.rvus.get((code, ""))
    if entry is None and rvu is None and descriptor:
        return f"{code} · {descriptor}"
    return code_title(engine.kb, code, rvu)


def physician(fy: FeeYear, code: str, setting: str, locality: Locality | None = None) -> float | None:
    """The physician's fee schedule amount in a setting (national, or in `locality`), or None (not priced
    there, or no row)."""
    rvu = fy.rvus.get((code, ""))
    if rvu is None:
        return None
    value = amount(rvu, fy.release, setting, locality)  # type: ignore[arg-type]
    return None if value is None else float(value)


def physician_fact(fy: FeeYear, code: str, setting: str, locality: Locality | None = None) -> Fact:
    label = "Physician's fee in the office" if setting == "office" else "Physician's fee in a facility"
    value = physician(fy, code, setting, locality)
    why = "" if fy.rvus.get((code, "")) else " (no row in the physician fee schedule)"
    where = f", {locality.display}" if locality else ", national"
    return Fact(f"{label} (CY{fy.year}{where}, paid separately to the physician)", money(value) + why)


def physician_source(fy: FeeYear) -> str:
    return source_line(fy)


def dollars(value: float | None) -> str:
    return money(value)
