"""Readers for the CMS Physician Fee Schedule files, exactly as CMS publishes them.

CMS spreads the RVU file's column titles over several lines above the line that starts with `HCPCS`,
and the layout moves between years (2026 added `PRIC IND`), so columns are found by their joined titles,
never by position. The files are not UTF-8 safe; they are read as cp1252 (a superset of latin-1 for
printable text). Every problem is reported as a `CmsFileError` naming the file, line and column, so a
user who hands us the wrong file learns what is wrong instead of reading a traceback.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.records import Locality, Rvu


class CmsFileError(ValueError):
    """A CMS file that cannot be read: wrong file, truncated, a missing column or a bad cell."""

    def __init__(self, file: str, message: str, line: int | None = None, column: str | None = None):
        self.file, self.line, self.column = file, line, column
        where = file + (f":{line}" if line else "")
        super().__init__(f"{where}: {column + ': ' if column else ''}{message}")


# Joined column title -> field name. The joined title is the column's header lines, top to bottom.
RVU_COLUMNS: dict[str, str] = {
    "HCPCS": "code",
    "MOD": "modifier",
    "DESCRIPTION": "description",
    "STATUS CODE": "status",
    "WORK RVU": "work",
    "NON-FAC PE RVU": "pe_nonfacility",
    "NON-FAC NA INDICATOR": "nonfacility_na",
    "FACILITY PE RVU": "pe_facility",
    "FACILITY NA INDICATOR": "facility_na",
    "MP RVU": "mp",
    "NON-FACILITY TOTAL": "total_nonfacility",
    "FACILITY TOTAL": "total_facility",
    "PCTC IND": "pctc",
    "GLOB DAYS": "global_days",
    "MULT PROC": "mult_proc",
    "BILAT SURG": "bilateral",
    "ASST SURG": "assistant",
    "CO- SURG": "co_surgeon",
    "TEAM SURG": "team",
    "ENDO BASE": "endo_base",
    "CONV FACTOR": "conversion_factor",
}
NUMERIC_FIELDS = ("work", "pe_nonfacility", "pe_facility", "mp", "total_nonfacility", "total_facility")
CODE_RE = re.compile(r"^[0-9A-Z]{5}$")
MAX_HEADER_LINES = 20


@dataclass(frozen=True)
class RvuFile:
    """A parsed national RVU file: its title facts and its pricing rows in file order."""

    path: str
    year: int
    released: str
    title: str
    conversion_factor: float
    rows: tuple[Rvu, ...]


def decode(data: bytes) -> str:
    """CMS files are cp1252 in places; bytes cp1252 leaves undefined fall back to latin-1."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _norm_title(parts: Iterable[str]) -> str:
    return " ".join(" ".join(p.split()) for p in parts if p and p.strip()).upper()


def parse_rvu_text(text: str, name: str) -> RvuFile:
    """Parse the text of a PPRRVU*.csv file. `name` is only used in error messages."""
    lines = list(csv.reader(io.StringIO(text)))
    header_at = next((i for i, r in enumerate(lines[:MAX_HEADER_LINES]) if r and r[0].strip() == "HCPCS"), None)
    if header_at is None:
        raise CmsFileError(name, "not a CMS RVU file: no header line starting with HCPCS in its first "
                                 f"{MAX_HEADER_LINES} lines")
    width = len(lines[header_at])
    titles = []
    for col in range(width):
        parts = [r[col] if col < len(r) else "" for r in lines[:header_at + 1]]
        # Only the lines directly above that carry column titles: skip the file's banner lines, which sit
        # in column C and are long sentences.
        parts = [p for p in parts if len(p) < 40]
        titles.append(_norm_title(parts))
    index: dict[str, int] = {}
    for col, title in enumerate(titles):
        for wanted, field_name in RVU_COLUMNS.items():
            if field_name not in index and (title == wanted or title.endswith(" " + wanted)):
                index[field_name] = col
    missing = [t for t, f in RVU_COLUMNS.items() if f not in index]
    if missing:
        raise CmsFileError(name, f"column missing: {', '.join(missing)}", line=header_at + 1)
    banner = " ".join(c for r in lines[:header_at] for c in r if c)
    year_m = re.search(r"\b(20\d\d)\b", banner)
    released_m = re.search(r"RELEASED\s+([0-9/]+)", banner, re.I)
    title_m = re.search(r"20\d\d National Physician Fee Schedule Relative Value File(?: \w+)? Release", banner)
    rows: list[Rvu] = []
    cf: float | None = None
    for lineno, r in enumerate(lines[header_at + 1:], start=header_at + 2):
        if not r or not any(c.strip() for c in r):
            continue
        code = r[0].strip()
        if not CODE_RE.match(code):
            continue  # trailing notes below the table
        if len(r) < width:
            raise CmsFileError(name, f"row for {code} has {len(r)} columns, expected {width} "
                                     "(is the file truncated?)", line=lineno)
        cells = {f: r[i].strip() for f, i in index.items()}
        nums: dict[str, float] = {}
        for f in (*NUMERIC_FIELDS, "conversion_factor"):
            try:
                nums[f] = float(cells[f] or 0)
            except ValueError:
                col = next(t for t, ff in RVU_COLUMNS.items() if ff == f)
                raise CmsFileError(name, f"{cells[f]!r} is not a number", line=lineno, column=col) from None
        if cf is None and nums["conversion_factor"]:
            cf = nums["conversion_factor"]
        rows.append(Rvu(
            code=code, modifier=cells["modifier"], status=cells["status"],
            work=nums["work"], pe_nonfacility=nums["pe_nonfacility"], pe_facility=nums["pe_facility"],
            mp=nums["mp"], total_nonfacility=nums["total_nonfacility"], total_facility=nums["total_facility"],
            nonfacility_na=cells["nonfacility_na"] == "NA", facility_na=cells["facility_na"] == "NA",
            pctc=cells["pctc"], global_days=cells["global_days"], mult_proc=cells["mult_proc"],
            bilateral=cells["bilateral"], assistant=cells["assistant"], co_surgeon=cells["co_surgeon"],
            team=cells["team"], endo_base=cells["endo_base"], description=cells["description"],
        ))
    if not rows:
        raise CmsFileError(name, "no code rows below the header (empty or truncated file)")
    if year_m is None or cf is None:
        raise CmsFileError(name, "cannot tell the year or conversion factor from the file")
    return RvuFile(path=name, year=int(year_m.group(1)), released=released_m.group(1) if released_m else "",
                   title=title_m.group(0) if title_m else "", conversion_factor=cf, rows=tuple(rows))


def read_rvu_file(path: str | Path) -> RvuFile:
    p = Path(path)
    return parse_rvu_text(decode(p.read_bytes()), p.name)


GPCI_COLUMNS = {"mac": "MEDICARE ADMINISTRATIVE CONTRACTOR", "state": "STATE", "number": "LOCALITY NUMBER",
                "name": "LOCALITY NAME", "work_gpci": "PW GPCI", "pe_gpci": "PE GPCI", "mp_gpci": "MP GPCI"}


def parse_gpci_text(text: str, name: str) -> tuple[int, tuple[Locality, ...]]:
    """Parse Addendum E (GPCI2025.csv, GPCI2026.csv): the year and every locality's three GPCIs."""
    lines = list(csv.reader(io.StringIO(text)))
    header_at = next((i for i, r in enumerate(lines[:MAX_HEADER_LINES])
                      if r and r[0].strip().upper().startswith("MEDICARE ADMINISTRATIVE CONTRACTOR")), None)
    if header_at is None:
        raise CmsFileError(name, "not a CMS GPCI file (Addendum E): no header line starting with "
                                 "'Medicare Administrative Contractor'")
    header = [h.upper() for h in lines[header_at]]
    index: dict[str, int] = {}
    for field_name, title in GPCI_COLUMNS.items():
        col = next((i for i, h in enumerate(header) if title in h), None)
        if col is None:
            raise CmsFileError(name, "column missing", line=header_at + 1, column=title)
        index[field_name] = col
    banner = " ".join(c for r in lines[:header_at + 1] for c in r)
    year_m = re.search(r"CY\s*(20\d\d)", banner) or re.search(r"\b(20\d\d)\b", banner)
    if year_m is None:
        raise CmsFileError(name, "cannot tell the year from the title lines")
    out: list[Locality] = []
    for lineno, r in enumerate(lines[header_at + 1:], start=header_at + 2):
        if len(r) <= max(index.values()) or not r[index["mac"]].strip().isdigit():
            continue  # blank lines and the notes under the table
        cells = {f: r[i].strip() for f, i in index.items()}
        vals: dict[str, float] = {}
        for f in ("work_gpci", "pe_gpci", "mp_gpci"):
            try:
                vals[f] = float(cells[f])
            except ValueError:
                raise CmsFileError(name, f"{cells[f]!r} is not a number", line=lineno,
                                   column=GPCI_COLUMNS[f]) from None
        out.append(Locality(mac=cells["mac"], state=cells["state"], number=cells["number"].zfill(2),
                            name=cells["name"], **vals))
    if not out:
        raise CmsFileError(name, "no locality rows below the header (empty or truncated file)")
    return int(year_m.group(1)), tuple(out)


def read_gpci_file(path: str | Path) -> tuple[int, tuple[Locality, ...]]:
    p = Path(path)
    return parse_gpci_text(decode(p.read_bytes()), p.name)


RELEASE_LETTERS = {"JANUARY": "A", "APRIL": "B", "JULY": "C", "OCTOBER": "D"}


def release_name(year: int, title: str) -> str:
    """CMS names its quarterly RVU releases RVU<yy><A-D>: January A, April B, July C, October D."""
    month = next((m for m in RELEASE_LETTERS if m in title.upper()), "JANUARY")
    return f"RVU{year % 100:02d}{RELEASE_LETTERS[month]}"
