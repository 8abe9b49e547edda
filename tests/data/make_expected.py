#!/usr/bin/env python3
"""Print the CMS numbers behind tests/data/dev_questions.yaml, so a reviewer can re-run and compare.

Every RVU, global period and dollar amount in the dev set comes from this output, computed from the CMS
files as CMS publishes them (read with bot.cms). Run from the repository root:

    python tests/data/make_expected.py            # CMS files in ../shared/data/cms
    python tests/data/make_expected.py DIR        # or in DIR

Rules: national = total RVU x CF; locality = (work x wGPCI + PE x peGPCI + MP x mpGPCI) x CF; office uses the
non-facility PE/total, facility the facility PE/total; NA means not priced; cents are rounded half up at the
end. Several procedures: indicator 2 highest 100%, others 50%; indicator 3 codes sharing an endoscopic base
are one family (highest in full, others at value minus the base), counted as one procedure; indicator 0 is
never reduced.
"""

from __future__ import annotations

import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from bot.cms import read_gpci_file, read_rvu_file

CMS = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared" / "data" / "cms"
FILES = {2026: ("rvu26c/PPRRVU2026_Jul_nonQPP.csv", "rvu26c/GPCI2026.csv"),
         2025: ("rvu25d/PPRRVU2025_Oct.csv", "rvu25d/GPCI2025.csv")}
RVU = {y: read_rvu_file(CMS / f[0]) for y, f in FILES.items()}
ROWS = {y: {r.code: r for r in f.rows if not r.modifier} for y, f in RVU.items()}
GPCI = {y: {loc.name.rstrip("*"): loc for loc in read_gpci_file(CMS / f[1])[1]} for y, f in FILES.items()}
OFFICE, FACILITY = "office", "facility"


def cents(x: float) -> str:
    return str(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def raw(code: str, setting: str, place: str | None = None, year: int = 2026) -> float | None:
    """Unrounded payment, or None where CMS marks the setting NA."""
    r, cf = ROWS[year][code], RVU[year].conversion_factor
    if r.nonfacility_na if setting == OFFICE else r.facility_na:
        return None
    if place is None:
        return (r.total_nonfacility if setting == OFFICE else r.total_facility) * cf
    g = GPCI[year][place]
    pe = r.pe_nonfacility if setting == OFFICE else r.pe_facility
    return (r.work * g.work_gpci + pe * g.pe_gpci + r.mp * g.mp_gpci) * cf


def pay(code: str, setting: str, place: str | None = None, year: int = 2026, factor: float = 1.0) -> str:
    x = raw(code, setting, place, year)
    return "not priced" if x is None else cents(x * factor)


def several(codes: list[str], setting: str, place: str | None = None, year: int = 2026) -> str:
    """Total for codes done on one day (multiple-procedure and endoscopy-family rules)."""
    amt = {c: raw(c, setting, place, year) for c in codes}
    if None in amt.values():
        return "not priced"
    units: list[float] = []
    unreduced = 0.0
    families: dict[str, list[str]] = {}
    for c in codes:
        r = ROWS[year][c]
        if r.mult_proc == "3" and r.endo_base:
            families.setdefault(r.endo_base, []).append(c)
        elif r.mult_proc == "2":
            units.append(amt[c])
        else:
            unreduced += amt[c]
    for base, members in families.items():
        members.sort(key=lambda c: -amt[c])
        base_value = raw(base, setting, place, year) or 0.0
        units.append(amt[members[0]] + sum(max(amt[c] - base_value, 0.0) for c in members[1:]))
    units.sort(reverse=True)
    total = unreduced + sum(u * (1.0 if i == 0 else 0.5) for i, u in enumerate(units))
    # Rounding each line to cents before adding can move the total by a cent: show that too when it does.
    by_line = sum(Decimal(cents(u * (1.0 if i == 0 else 0.5))) for i, u in enumerate(units))
    by_line += sum(Decimal(cents(amt[c])) for c in codes if ROWS[year][c].mult_proc not in ("2", "3"))
    return cents(total) + ("" if str(by_line) == cents(total) else f" (lines rounded first: {by_line})")


def card(code: str, year: int = 2026) -> str:
    r = ROWS[year].get(code)
    if r is None:
        return "no row in this year's file"
    na = " (office NA)" if r.nonfacility_na else ""
    return (f"work {r.work:.2f} | PE off {r.pe_nonfacility:.2f} fac {r.pe_facility:.2f} | MP {r.mp:.2f} | "
            f"total off {r.total_nonfacility:.2f} fac {r.total_facility:.2f}{na} | global {r.global_days} | "
            f"mult {r.mult_proc} base {r.endo_base or '-'} | bilat {r.bilateral} asst {r.assistant} "
            f"co {r.co_surgeon} team {r.team} | nat off {pay(code, OFFICE, year=year)} "
            f"fac {pay(code, FACILITY, year=year)}")


KB_CODES = ["57420", "57421", "57452", "57454", "57455", "57456", "57460", "57461", "57465", "57500", "57505",
            "57510", "57511", "57513", "57520", "57522", "57530", "57558", "58100", "58120", "58353", "58356",
            "58555", "58558", "58559", "58560", "58561", "58562", "58563", "58565", "58580", "47370", "47371",
            "47380", "47381", "47382", "47383", "47384", "99202", "99203", "99204", "99205", "99211", "99212",
            "99213", "99214", "99215"]

LOCAL = [  # (code, setting, locality as CMS names it, year)
    ("99214", OFFICE, "LOS ANGELES-LONG BEACH-ANAHEIM (LOS ANGELES/ORANGE CNTY)", 2026),
    ("57461", OFFICE, "ALABAMA", 2026),
    ("58100", OFFICE, "CHICAGO", 2026),
    ("58558", OFFICE, "HOUSTON", 2026),
    ("99203", OFFICE, "MANHATTAN", 2025),
    ("58563", FACILITY, "SEATTLE (KING CNTY)", 2026),
    ("99213", OFFICE, "MIAMI", 2026),
    ("58120", FACILITY, "NYC SUBURBS/LONG ISLAND", 2026),
    ("99215", OFFICE, "SAN FRANCISCO-OAKLAND-BERKELEY (SAN FRANCISCO/SAN MATEO/ALAMEDA/CONTRA COSTA CNTY)", 2026),
    ("57452", OFFICE, "METROPOLITAN BOSTON", 2026),
    ("58563", OFFICE, "ATLANTA", 2026),
    ("99213", OFFICE, "IOWA", 2026),
    ("99204", OFFICE, "METROPOLITAN PHILADELPHIA", 2026),
    ("47382", FACILITY, "DC + MD/VA SUBURBS", 2026),
    ("57520", OFFICE, "MANHATTAN", 2026),
    ("57520", FACILITY, "MANHATTAN", 2026),
    ("58100", OFFICE, "PUERTO RICO", 2026),
    ("99213", OFFICE, "ALASKA", 2026),
    ("58100", OFFICE, "ALABAMA", 2025),
    ("57454", OFFICE, "REST OF TEXAS", 2026),
]

SEVERAL = [  # (codes, setting, locality, year)
    (["58558", "58120"], OFFICE, None, 2026),
    (["58558", "58120"], FACILITY, None, 2026),
    (["57454", "58100"], OFFICE, None, 2026),
    (["57454", "58100"], FACILITY, None, 2026),
    (["57461", "57456"], OFFICE, None, 2026),
    (["58563", "58558"], OFFICE, None, 2026),
    (["58563", "58558"], FACILITY, None, 2026),
    (["47382", "47383"], OFFICE, None, 2026),
    (["47382", "47383"], FACILITY, None, 2026),
    (["57520", "58120"], FACILITY, None, 2026),
    (["99213", "57452"], OFFICE, None, 2026),
    (["58558", "58120", "57461"], OFFICE, None, 2026),
    (["58558", "58120"], OFFICE, "MANHATTAN", 2026),
    (["57454", "57465"], OFFICE, None, 2026),
    (["58561", "58562"], FACILITY, None, 2026),
    (["58561", "58120"], FACILITY, None, 2026),
    (["58558", "58120"], OFFICE, None, 2025),
]

MODIFIED = [  # (code, setting, modifier, factor) from the code's indicator in the RVU file
    ("47370", FACILITY, "80", 0.16),
    ("47380", FACILITY, "62", 0.625),
    ("58561", FACILITY, "AS", 0.16 * 0.85),
    ("58565", OFFICE, "50", 1.0),
]


def zip_locality(zip_code: str) -> str:
    """Carrier and locality of a ZIP code in the CMS ZIP file (fixed width: state, ZIP, carrier, locality)."""
    for line in (CMS / "zip" / "ZIP5_OCT2025.txt").read_text(encoding="latin-1").splitlines():
        if line[2:7] == zip_code:
            return f"{line[7:12]}-{line[12:14]}"
    return "not in the file"


def main() -> None:
    for y, f in sorted(RVU.items(), reverse=True):
        print(f"CY{y}: {f.title} {f.released}, conversion factor {f.conversion_factor}")
    print("CY2026 qualifying APM participants: conversion factor 33.5675 (CMS; see SOURCES.md, not in the file)")
    print("\n# CY2026 (and CY2025) card per code")
    for code in KB_CODES:
        print(f"{code} 2026: {card(code)}")
        print(f"{code} 2025: {card(code, 2025)}")
    print("\n# locality payments")
    for code, setting, place, year in LOCAL:
        print(f"{code} {setting} {place} {year}: {pay(code, setting, place, year)}")
    for zip_code in ("10001", "11201"):
        print(f"ZIP {zip_code}: locality {zip_locality(zip_code)}")
    print("\n# several procedures on one day")
    for codes, setting, place, year in SEVERAL:
        print(f"{' + '.join(codes)} {setting} {place or 'national'} {year}: {several(codes, setting, place, year)}")
    print("\n# pricing modifiers")
    for code, setting, mod, factor in MODIFIED:
        print(f"{code}-{mod} {setting} national 2026 (x{factor:g}): {pay(code, setting, factor=factor)}")


if __name__ == "__main__":
    main()
