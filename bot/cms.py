"""Readers for the CMS Physician Fee Schedule files, exactly as CMS publishes them.

CMS spreads the RVU file's column titles over several lines above the line that starts with `HCPCS`,
and the layout moves between years (2026 added `PRIC IND`), so columns are found by their joined titles,
never by position. The files are not UTF-8 safe; they are read as cp1252 (a superset of latin-1 for
printable text). Every problem is reported as a `CmsFileError` naming the file, line and column, so a
user who hands us the wrong file learns what is wrong instead of reading a traceback.

Readers: the national RVU file (PPRRVU*.csv), the GPCIs (Addendum E, GPCI*.csv), the counties of each
locality (*LOCCO*.csv) and the ZIP code to locality file (ZIP5_*.txt, fixed width). The county and ZIP
files write MACs and locality numbers their own way ("2102", "1"); their keys are zero-padded here to
the GPCI file's ("02102", "01") so every file names a locality the same way. `gather_inputs` opens what
a user names (files, folders, CMS's zips) and `classify` tells what a file is by its content.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from bot.record import Record
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
# The OPPS imaging cap (Deficit Reduction Act section 5102(b)): the PE and MP RVUs CMS uses to work out the
# hospital outpatient amount that caps the office payment of some imaging. Read when present (older or
# trimmed files without them are still read; their rows then have no cap).
OPTIONAL_RVU_COLUMNS: dict[str, str] = {
    "NON-FACILITY PE USED FOR OPPS PAYMENT AMOUNT": "opps_pe_nonfacility",
    "FACILITY PE USED FOR OPPS PAYMENT AMOUNT": "opps_pe_facility",
    "MP USED FOR OPPS PAYMENT AMOUNT": "opps_mp",
}
NUMERIC_FIELDS = ("work", "pe_nonfacility", "pe_facility", "mp", "total_nonfacility", "total_facility")
CODE_RE = re.compile(r"^[0-9A-Z]{5}$")
MAX_HEADER_LINES = 20


class RvuFile(Record, frozen=True):
    """A parsed national RVU file: its title facts and its pricing rows in file order."""

    path: str
    year: int
    released: str
    title: str
    conversion_factor: float
    rows: tuple[Rvu, ...]


def decode(data: bytes) -> str:
    """CMS files are cp1252 in places; bytes cp1252 leaves undefined fall back to latin-1.

    A file that starts with a UTF-8 byte-order mark (a ZIP5 file re-saved by an editor) was written as
    UTF-8: the mark is dropped and the rest read as UTF-8 (cp1252 would turn the mark into "ï»¿" and the
    first record would no longer line up).
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8")
        except UnicodeDecodeError:
            data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def csv_rows(text: str, name: str, delimiter: str = ",") -> list[list[str]]:
    """Every row of a CSV text, or one CmsFileError naming file, line and column (never a csv traceback).

    Refused: binary data (a NUL byte in the first 64 KB: a CMS file never has one), a carriage return alone
    inside an unquoted cell, and a cell over the csv module's size limit. The line and the column (counted
    from 1) of the offending character are found in the text itself.
    """
    nul = text.find("\x00", 0, 65536)
    if nul >= 0:
        raise _at(text, name, nul, "binary data (a NUL byte), not a CMS text file")
    if looks_binary(text):
        first = _CONTROL.search(text)
        raise _at(text, name, first.start() if first else 0, "binary data (control characters throughout), "
                                                            "not a CMS text file")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise CmsFileError(name, "a cell longer than any CMS cell: binary data, not a CMS text file",
                               line=reader.line_num or None) from None
        stray = re.search(r"\r(?!\n)", text)
        if stray is None:
            raise CmsFileError(name, f"not readable as CSV ({exc})", line=reader.line_num or None) from None
        raise _at(text, name, stray.start(), "a carriage return alone inside a cell (the file was edited or "
                                              "damaged; CMS files end lines with CR LF)") from None
    return rows


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def looks_binary(text: str) -> bool:
    """More than 1% control characters (tab, CR and LF aside) in the first 64 KB: no CMS text file has any."""
    head = text[:65536]
    return len(_CONTROL.findall(head)) > len(head) // 100


def _at(text: str, name: str, at: int, what: str) -> CmsFileError:
    """A problem at character offset `at`: its line and its column (delimiters before it, plus one)."""
    line_start = text.rfind("\n", 0, at) + 1
    line = text.count("\n", 0, at) + 1
    delimiter = "\t" if text.count("\t", line_start, at) > text.count(",", line_start, at) else ","
    return CmsFileError(name, what, line=line, column=f"column {text.count(delimiter, line_start, at) + 1}")


def _norm_title(parts: Iterable[str]) -> str:
    return " ".join(" ".join(p.split()) for p in parts if p and p.strip()).upper()


def parse_rvu_text(text: str, name: str) -> RvuFile:
    """Parse the text of a PPRRVU*.csv file. `name` is only used in error messages."""
    lines = csv_rows(text, name)
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
    for col, title in enumerate(titles):
        for wanted, field_name in OPTIONAL_RVU_COLUMNS.items():
            if field_name not in index and title == wanted:
                index[field_name] = col
    missing = [t for t, f in RVU_COLUMNS.items() if f not in index]
    if missing:
        raise CmsFileError(name, "column missing from the header lines above HCPCS"
                                 + (" (is this the national RVU file?)" if len(missing) > 3 else ""),
                           line=header_at + 1, column=", ".join(missing))
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
        opps = {}
        for f in OPTIONAL_RVU_COLUMNS.values():
            try:
                opps[f] = float(cells.get(f) or 0)
            except ValueError:
                opps[f] = 0.0  # an unreadable cap value: no cap, never a refused import
        if cf is None and nums["conversion_factor"]:
            cf = nums["conversion_factor"]
        rows.append(Rvu(
            code=code, modifier=cells["modifier"], status=cells["status"],
            work=nums["work"], pe_nonfacility=nums["pe_nonfacility"], pe_facility=nums["pe_facility"],
            mp=nums["mp"], total_nonfacility=nums["total_nonfacility"], total_facility=nums["total_facility"],
            nonfacility_na=cells["nonfacility_na"] == "NA", facility_na=cells["facility_na"] == "NA",
            pctc=cells["pctc"], global_days=cells["global_days"], mult_proc=cells["mult_proc"],
            bilateral=cells["bilateral"], assistant=cells["assistant"], co_surgeon=cells["co_surgeon"],
            team=cells["team"], endo_base=cells["endo_base"], description=cells["description"], **opps,
        ))
    if not rows:
        raise CmsFileError(name, "no code rows below the header (empty or truncated file)")
    _check_complete_last_line(text, lines, name, titles[-1] if titles else None)
    if year_m is None or cf is None:
        raise CmsFileError(name, "cannot tell the year or conversion factor from the file")
    return RvuFile(path=name, year=int(year_m.group(1)), released=released_m.group(1) if released_m else "",
                   title=title_m.group(0) if title_m else "", conversion_factor=cf, rows=tuple(rows))


def _check_complete_last_line(text: str, lines: list[list[str]], name: str, column: str | None) -> None:
    """CMS ends every file with a line break; a last data row without one was cut off mid-download.

    A row cut inside its last cell still has every column, so the column count cannot tell; the missing
    line break can. Only a data row counts (notes under a table may lack one harmlessly).
    """
    if not text or text.endswith(("\n", "\r")):
        return
    last = len(lines)
    while last > 0 and not any(c.strip() for c in lines[last - 1]):
        last -= 1
    if last and CODE_RE.match(lines[last - 1][0].strip() if lines[last - 1] else ""):
        raise CmsFileError(name, "the file ends in the middle of this row (no line break after it): "
                                 "it looks truncated", line=last, column=column)


def read_rvu_file(path: str | Path) -> RvuFile:
    p = Path(path)
    return parse_rvu_text(decode(p.read_bytes()), p.name)


GPCI_COLUMNS = {"mac": "MEDICARE ADMINISTRATIVE CONTRACTOR", "state": "STATE", "number": "LOCALITY NUMBER",
                "name": "LOCALITY NAME", "work_gpci": "PW GPCI", "pe_gpci": "PE GPCI", "mp_gpci": "MP GPCI"}


def parse_gpci_text(text: str, name: str) -> tuple[int, tuple[Locality, ...]]:
    """Parse Addendum E (GPCI2025.csv, GPCI2026.csv): the year and every locality's three GPCIs."""
    lines = csv_rows(text, name)
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
    _check_complete_last_line(text, lines, name, lines[header_at][-1].strip() or None)
    return int(year_m.group(1)), tuple(out)


def read_gpci_file(path: str | Path) -> tuple[int, tuple[Locality, ...]]:
    p = Path(path)
    return parse_gpci_text(decode(p.read_bytes()), p.name)


RELEASE_LETTERS = {"JANUARY": "A", "APRIL": "B", "JULY": "C", "OCTOBER": "D"}


def release_name(year: int, title: str) -> str:
    """CMS names its quarterly RVU releases RVU<yy><A-D>: January A, April B, July C, October D."""
    month = next((m for m in RELEASE_LETTERS if m in title.upper()), "JANUARY")
    return f"RVU{year % 100:02d}{RELEASE_LETTERS[month]}"


# --- release names ------------------------------------------------------------------------------------

NAME_MONTHS = {"JAN": "JANUARY", "APR": "APRIL", "JUL": "JULY", "OCT": "OCTOBER"}
RELEASE_NAME_RE = re.compile(r"RVU(\d\d)([A-D])", re.I)


def rvu_release(rvu: RvuFile, file_name: str = "") -> str:
    """The release name (RVU26C) of an RVU file: its year and the month in its title line.

    The title line ("2026 National Physician Fee Schedule Relative Value File July Release") is the
    authority; a file whose title lost its month falls back to the month in the CMS file name
    (PPRRVU2026_Jul_nonQPP.csv) or a release name in it. Guessing January would silently mislabel a
    correction release, so with neither the file is refused.
    """
    title = rvu.title.upper()
    if any(m in title for m in RELEASE_LETTERS):
        return release_name(rvu.year, title)
    upper = file_name.upper()
    named = RELEASE_NAME_RE.search(upper)
    if named and int(named.group(1)) == rvu.year % 100:
        return f"RVU{named.group(1)}{named.group(2).upper()}"
    month = next((full for short, full in NAME_MONTHS.items() if short in upper), None)
    if month:
        return release_name(rvu.year, month)
    raise CmsFileError(rvu.path, "cannot tell the release (January, April, July or October) from the title "
                                 "line or the file name")


def rvu_variant(file_name: str) -> str:
    """"nonQPP", "QPP" or "" from a CMS RVU file name: since 2026 CMS ships one file per conversion factor."""
    upper = file_name.upper()
    if "NONQPP" in upper:
        return "nonQPP"
    return "QPP" if "QPP" in upper else ""


def peek_rvu_text(text: str, name: str, rows: int = 40) -> RvuFile:
    """Parse only the title lines and the first `rows` rows: enough for the year and conversion factor."""
    cut = 0
    for _ in range(MAX_HEADER_LINES + rows):
        nxt = text.find("\n", cut)
        if nxt < 0:
            return parse_rvu_text(text, name)
        cut = nxt + 1
    return parse_rvu_text(text[:cut], name)


# --- county file (*LOCCO*.csv) -------------------------------------------------------------------------

# Field -> a word of its header cell, in the order they are looked for. The header reads
# "Medicare Adminstrative Contractor,Locality Number,State ,Fee Schedule Area ,Counties" (sic).
COUNTY_COLUMNS = {"mac": "CONTRACTOR", "number": "LOCALITY", "state": "STATE", "area": "AREA",
                  "counties": "COUNTIES"}


class CountyArea(Record, frozen=True):
    """One row of the county file: the counties a payment locality covers."""

    mac: str  # five digits, zero-padded as in the GPCI file ("2102" in the county file is "02102")
    number: str  # two digits ("1" in the county file is "01")
    state: str  # in full, as CMS prints it: "CALIFORNIA", "HAWAII/GUAM"
    area: str  # fee schedule area: "SAN FRANCISCO-OAKLAND-BERKELEY (MARIN CNTY)", "STATEWIDE"
    counties: str  # "MARIN", "ALL OTHER COUNTIES", "CLAY, JACKSON AND PLATTE"
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.mac}-{self.number}"


class CountyFile(Record, frozen=True):
    path: str
    year: int
    areas: tuple[CountyArea, ...]


def parse_county_text(text: str, name: str) -> CountyFile:
    """Parse the county file (25LOCCO.csv): one `CountyArea` per locality, keyed like the GPCI file.

    Its layout is loose: a blank line between rows, the state only on a state's first row, locality
    numbers and MACs without leading zeros, a locality listed twice, notes under the table. Keys are
    zero-padded here so they equal the GPCI file's (mac, number) keys; a row listed twice is kept once.
    """
    lines = csv_rows(text, name)
    header_at = next((i for i, r in enumerate(lines[:MAX_HEADER_LINES])
                      if r and r[0].strip().upper().startswith("MEDICARE ADM")
                      and any("COUNTIES" in c.upper() for c in r)), None)
    if header_at is None:
        raise CmsFileError(name, "not a CMS county file: no header line starting with 'Medicare "
                                 "Administrative Contractor' and naming 'Counties'")
    header = [c.strip() for c in lines[header_at]]
    index: dict[str, int] = {}
    for field_name, word in COUNTY_COLUMNS.items():
        col = next((i for i, h in enumerate(header) if word in h.upper() and i not in index.values()), None)
        if col is None:
            raise CmsFileError(name, "column missing", line=header_at + 1, column=word.title())
        index[field_name] = col
    titles = {f: header[i] for f, i in index.items()}
    banner = " ".join(c for r in lines[:header_at] for c in r)
    year_m = re.search(r"\b(20\d\d)\b", banner)
    if year_m is None:
        raise CmsFileError(name, "cannot tell the year from the title line", line=1)
    width = max(index.values()) + 1
    areas: dict[str, CountyArea] = {}
    state = ""
    for lineno, r in enumerate(lines[header_at + 1:], start=header_at + 2):
        cells = [c.strip() for c in r]
        if not any(cells):
            continue
        mac = cells[index["mac"]] if len(cells) > index["mac"] else ""
        if not mac.isdigit():
            if any(cells[1:]):
                raise CmsFileError(name, f"{mac!r} is not a contractor number", line=lineno,
                                   column=titles["mac"])
            continue  # a note under the table ("*  Payment locality is serviced by two carriers.")
        if len(cells) < width:
            raise CmsFileError(name, f"row has {len(cells)} columns, expected {width} (is the file truncated?)",
                               line=lineno)
        number = cells[index["number"]]
        if not number.isdigit() or len(number) > 2 or len(mac) > 5:
            bad, col = (number, "number") if not number.isdigit() or len(number) > 2 else (mac, "mac")
            raise CmsFileError(name, f"{bad!r} is not a {'locality' if col == 'number' else 'contractor'} number",
                               line=lineno, column=titles[col])
        state = " ".join(cells[index["state"]].split()) or state
        if not state:
            raise CmsFileError(name, "the first row names no state", line=lineno, column=titles["state"])
        area = CountyArea(mac=mac.zfill(5), number=number.zfill(2), state=state,
                          area=" ".join(cells[index["area"]].split()),
                          counties=" ".join(cells[index["counties"]].split()), line=lineno)
        earlier = areas.get(area.key)
        if earlier is not None and earlier.counties != area.counties:
            area = CountyArea(mac=area.mac, number=area.number, state=earlier.state, area=earlier.area,
                              counties=f"{earlier.counties}; {area.counties}", line=earlier.line)
        elif earlier is not None:
            continue
        areas[area.key] = area
    if not areas:
        raise CmsFileError(name, "no locality rows below the header (empty or truncated file)")
    _check_complete_last_line(text, lines, name, titles["counties"])
    return CountyFile(path=name, year=int(year_m.group(1)), areas=tuple(areas.values()))


def read_county_file(path: str | Path) -> CountyFile:
    p = Path(path)
    return parse_county_text(decode(p.read_bytes()), p.name)


# --- ZIP code file (ZIP5_*.txt) ---------------------------------------------------------------------

# (column title as ZIP5lyout.txt names it, start, end): 0-based, end exclusive.
ZIP5_LAYOUT = (("State", 0, 2), ("Zip Code", 2, 7), ("Carrier", 7, 12), ("Pricing Locality", 12, 14),
               ("Rural Indicator", 14, 15), ("Year/Quarter", 75, 80))
ZIP5_RECORD = 80
ZIP5_RE = re.compile(r"[A-Z]{2}\d{5}\d{5}\d{2}[ RB]")


class ZipLocalityFile(Record, frozen=True):
    """A parsed ZIP5 file: every ZIP code's Medicare payment locality, keyed like the GPCI file."""

    path: str
    year_quarter: str  # "20254": the file's effective year and quarter
    zips: dict[str, tuple[str, str]]  # "10001" -> ("13202", "01")
    first_line: dict[tuple[str, str], tuple[int, str]]  # each locality key -> first (line, ZIP) naming it
    last_line: int = 0

    @property
    def year(self) -> int:
        return int(self.year_quarter[:4])

    @property
    def quarter(self) -> int:
        return int(self.year_quarter[4])


def _zip5_problem(line: str, lineno: int, name: str, year_quarter: str) -> CmsFileError:
    """Say which field of a ZIP5 record is wrong (only called for a record the fast check refused)."""
    if len(line) < ZIP5_RECORD:
        cut = next(title for title, _, end in ZIP5_LAYOUT if end > len(line))
        return CmsFileError(name, f"the record has {len(line)} characters, a ZIP5 record has {ZIP5_RECORD} "
                                  "(is the file truncated?)", line=lineno, column=cut)
    checks = (("State", str.isalpha), ("Zip Code", str.isdigit), ("Carrier", str.isdigit),
              ("Pricing Locality", str.isdigit), ("Rural Indicator", lambda v: v in " RB"),
              ("Year/Quarter", lambda v: v.isdigit() and v[4] in "1234"))
    spans = {title: (start, end) for title, start, end in ZIP5_LAYOUT}
    for title, ok in checks:
        start, end = spans[title]
        value = line[start:end]
        if not ok(value):
            return CmsFileError(name, f"{value!r} is not a valid {title.lower()}", line=lineno, column=title)
    return CmsFileError(name, f"Year/Quarter {line[75:80]!r} differs from {year_quarter!r} on the first line",
                        line=lineno, column="Year/Quarter")


def parse_zip5_text(text: str, name: str) -> ZipLocalityFile:
    """Parse CMS's ZIP5 file (fixed width, layout in ZIP5lyout.txt) into ZIP -> (MAC, locality number).

    Every record must be complete: a short record is a truncated file, and the carrier and locality must
    be digits because they are looked up in the GPCI file as they stand.
    """
    zips: dict[str, tuple[str, str]] = {}
    first: dict[tuple[str, str], tuple[int, str]] = {}
    keys: dict[str, tuple[str, str]] = {}  # one shared tuple per locality keeps the store small
    year_quarter = ""
    lineno = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        line = raw
        if not year_quarter:
            year_quarter = line[75:80]
        if len(line) < ZIP5_RECORD or not ZIP5_RE.match(line) or line[75:80] != year_quarter:
            raise _zip5_problem(line, lineno, name, year_quarter if lineno > 1 else "")
        z, mac, number = line[2:7], line[7:12], line[12:14]
        key = keys.get(mac + number)
        if key is None:
            key = keys[mac + number] = (mac, number)
            first[key] = (lineno, z)
        earlier = zips.get(z)
        if earlier is not None and earlier != key:
            raise CmsFileError(name, f"ZIP {z} appears twice with different localities "
                                     f"({'-'.join(earlier)} and {'-'.join(key)})", line=lineno, column="Zip Code")
        zips[z] = key
    if not zips:
        raise CmsFileError(name, "no ZIP records (empty file)")
    if not (year_quarter.isdigit() and year_quarter[4] in "1234"):
        raise _zip5_problem(text.splitlines()[0], 1, name, "")
    return ZipLocalityFile(path=name, year_quarter=year_quarter, zips=zips, first_line=first, last_line=lineno)


def read_zip5_file(path: str | Path) -> ZipLocalityFile:
    p = Path(path)
    return parse_zip5_text(decode(p.read_bytes()), p.name)


# --- what a file is ---------------------------------------------------------------------------------

KINDS: dict[str, str] = {
    "rvu": "a CMS national RVU file (PPRRVU*.csv)",
    "gpci": "a CMS GPCI file (Addendum E, GPCI*.csv)",
    "counties": "a CMS county file (*LOCCO*.csv)",
    "zip5": "a CMS ZIP code file (ZIP5_*.txt)",
    "zip9": "the CMS ZIP+4 file (cptbot imports the ZIP5 file)",
    "zip_layout": "the record layout of the CMS ZIP code file, not the ZIP file itself (ZIP5_*.txt)",
    "anesthesia": "the CMS anesthesia conversion factor file (ANES*.csv), which cptbot does not use",
    "hcpcs_table": "a CMS table of HCPCS codes that is not the national RVU file",
    "unknown": "not a CMS file cptbot imports",
}
IMPORTED_KINDS = ("rvu", "gpci", "counties", "zip5")
NAME_PATTERNS = (("rvu", re.compile(r"^PPRRVU.*\.csv$", re.I)), ("gpci", re.compile(r"^GPCI.*\.csv$", re.I)),
                 ("counties", re.compile(r"LOCCO.*\.csv$", re.I)), ("zip5", re.compile(r"^ZIP5.*\.txt$", re.I)),
                 ("anesthesia", re.compile(r"^ANES.*\.csv$", re.I)))


def kind_by_name(file_name: str) -> str | None:
    """What a CMS file name says it is (PPRRVU*.csv, GPCI*.csv, *LOCCO*.csv, ZIP5*.txt), or None."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    return next((kind for kind, pattern in NAME_PATTERNS if pattern.search(base)), None)


def detect_kind(text: str) -> str:
    """What a CMS file is by its content (its first lines), whatever its name: a key of `KINDS`."""
    head = text[:16384].splitlines()[:MAX_HEADER_LINES + 1]
    if not head:
        return "unknown"
    first = head[0]
    if len(first) >= ZIP5_RECORD and ZIP5_RE.match(first):
        return "zip9" if first[21:25].strip().isdigit() else "zip5"
    upper = "\n".join(head).upper()
    if "RECORD LAYOUT" in upper:
        return "zip_layout"
    try:
        rows = list(csv.reader(head))
    except csv.Error:  # a stray carriage return or binary: the reader for the file's name explains it
        rows = []
    if any(r and r[0].strip().upper() == "HCPCS" for r in rows):
        return "rvu" if "RELATIVE VALUE" in upper else "hcpcs_table"
    for r in rows:
        if r and r[0].strip().upper().startswith("MEDICARE ADM"):
            joined = " ".join(r).upper()
            if "GPCI" in joined:
                return "gpci"
            if "COUNTIES" in joined:
                return "counties"
    if "COUNTIES INCLUDED" in upper:
        return "counties"
    if "ANES" in first.upper() and "CONTRACTOR" in first.upper():
        return "anesthesia"
    return "unknown"


# --- gathering the files to import ------------------------------------------------------------------

EXPECTED = "the CMS RVU zip (RVU26C.zip), PPRRVU*.csv, GPCI*.csv, *LOCCO*.csv or ZIP5_*.txt"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class CmsInput(Record, frozen=True):
    """One file to import, read into memory: named on the command line, or found in a zip or folder."""

    name: str  # the file's own name
    display: str  # how messages name it: "GPCI2026.csv" or "RVU26C.zip/GPCI2026.csv"
    data: bytes
    archive: str = ""  # the zip (or folder) it came from
    archive_sha256: str = ""
    picked: bool = False  # chosen from an archive or folder by its name, not named by the user
    qp_only: bool = False  # the QPP twin of an imported nonQPP file: read for its conversion factor only

    @cached_property
    def text(self) -> str:
        return decode(self.data)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _pick(container: str, names: list[str], notes: list[str]) -> list[tuple[str, bool]]:
    """Choose the members of a zip or folder to import, by name: (member name, read it for its QP CF only).

    CMS's RVU zip holds the same tables as .csv, .xlsx and .txt, plus PDFs and other tables; only the CSVs
    of the RVU, GPCI and county files (and ZIP5_*.txt in CMS's ZIP code zip) are taken.
    """
    base = {n: n.replace("\\", "/").rsplit("/", 1)[-1] for n in names}
    chosen = [n for n in names if kind_by_name(base[n]) in IMPORTED_KINDS
              and not re.search(r"LA?YOUT", base[n], re.I)]
    rvus = [n for n in chosen if kind_by_name(base[n]) == "rvu"]
    non_qpp = [n for n in rvus if rvu_variant(base[n]) == "nonQPP"]
    qp_twins = {n for n in rvus if rvu_variant(base[n]) == "QPP"} if non_qpp else set()
    if qp_twins:
        notes.append(f"{container} holds both {', '.join(sorted(base[n] for n in qp_twins))} and "
                     f"{', '.join(sorted(base[n] for n in non_qpp))}: imported the nonQPP file (the conversion "
                     "factor most clinicians are paid with) and took only the QP conversion factor from the "
                     "QPP file")
    kinds = {kind_by_name(base[n]) for n in chosen}
    if "rvu" not in kinds and "zip5" not in kinds:
        shown = ", ".join(sorted(base[n] for n in names)[:6]) + (", ..." if len(names) > 6 else "")
        raise CmsFileError(container, f"holds no CMS RVU file (PPRRVU*.csv) or ZIP code file (ZIP5_*.txt); "
                                      f"it holds {shown}")
    ignored = len(names) - len(chosen)
    if ignored:
        notes.append(f"{container}: ignored {ignored} other file{'s' if ignored != 1 else ''} "
                     "(other formats, documentation and tables cptbot does not use)")
    return [(n, n in qp_twins) for n in chosen]


MAX_MEMBER_BYTES = 64 * 1024 * 1024  # what one zip member may inflate to: 16 times CMS's largest imported file
_CHUNK = 1024 * 1024


def inflate(archive: zipfile.ZipFile, member: str, display: str) -> bytes:
    """A member's bytes, inflated chunk by chunk and refused once past MAX_MEMBER_BYTES.

    The size a zip declares can lie (a small "zip bomb" inflates to gigabytes), so the declared size is
    checked first and the bytes actually inflated are counted as they come.
    """
    too_big = CmsFileError(display, f"inflates to more than {MAX_MEMBER_BYTES // (1024 * 1024)} MB, far more than "
                                    "any CMS file: refused (a damaged or malicious archive?)")
    if archive.getinfo(member).file_size > MAX_MEMBER_BYTES:
        raise too_big
    parts: list[bytes] = []
    size = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > MAX_MEMBER_BYTES:
                    raise too_big
                parts.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        raise CmsFileError(display, "cannot be read from the archive (damaged or truncated download, or "
                                    "encrypted?)") from None
    return b"".join(parts)


def _from_zip(name: str, data: bytes, notes: list[str]) -> list[CmsInput]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise CmsFileError(name, "not a complete zip archive (is the download truncated?)") from None
    with archive:
        members = [i.filename for i in archive.infolist()
                   if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
        if not members:
            raise CmsFileError(name, "the zip archive is empty")
        digest = hashlib.sha256(data).hexdigest()
        out = []
        for member, qp_only in _pick(name, members, notes):
            base = member.rsplit("/", 1)[-1]
            content = inflate(archive, member, f"{name}/{base}")
            out.append(CmsInput(name=base, display=f"{name}/{base}", data=content, archive=name,
                                archive_sha256=digest, picked=True, qp_only=qp_only))
    notes.extend(_misnamed(name, out))
    return out


def _misnamed(zip_name: str, members: list[CmsInput]) -> list[str]:
    """Notes for a zip named for one release (RVU26C.zip) that holds another's files.

    What the files say wins (their title lines name year and month, and answers cite the member's own file
    name), but the mismatch is said out loud: importing "RVU26C.zip" must not quietly replace CY2025 data.
    """
    named = RELEASE_NAME_RE.search(zip_name.rsplit("/", 1)[-1].upper())
    if named is None:
        return []
    expected = f"RVU{named.group(1)}{named.group(2)}"
    notes = []
    for item in members:
        kind = kind_by_name(item.name)
        try:
            if kind == "rvu":
                found = rvu_release(peek_rvu_text(item.text, item.display), item.name)
                if found != expected:
                    notes.append(f"{zip_name} is named for release {expected}, but {item.name} in it is release "
                                 f"{found} (CY20{found[3:5]}): imported as {found}, and answers cite {item.name}")
            elif kind == "gpci":
                year, _ = parse_gpci_text(item.text, item.display)
                if year % 100 != int(named.group(1)):
                    notes.append(f"{zip_name} is named for CY20{named.group(1)}, but {item.name} in it holds the "
                                 f"CY{year} GPCIs: imported as CY{year}")
        except CmsFileError:
            continue  # the import itself reports what is wrong with the file
    return notes


def read_bytes(path: Path, display: str) -> bytes:
    """The file's bytes, or a CmsFileError naming it in one line (every importer reads its inputs this way)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CmsFileError(display, f"cannot be read ({exc.strerror or exc})") from None


def gather_inputs(paths: Iterable[str | Path]) -> tuple[list[CmsInput], list[str]]:
    """Read every file to import into memory: plain files, zip archives (as CMS ships them) and folders.

    Returns the inputs and notes worth telling the user (which members were taken, which ignored).
    Raises `CmsFileError` for a missing file, an empty or damaged zip, or an archive without an RVU or
    ZIP code file. A file named outright is kept whatever its name; `classify` decides what it is.
    """
    inputs: list[CmsInput] = []
    notes: list[str] = []
    for raw in paths:
        path = Path(raw)
        display = path.name or str(path)
        if not path.exists():
            raise CmsFileError(str(raw), "no such file")
        if path.is_dir():
            # A folder of release folders (rvu26c/, rvu25d/, zip/) is read as one import, one level down.
            files = sorted(f.relative_to(path).as_posix() for f in (*path.iterdir(), *(
                g for d in path.iterdir() if d.is_dir() for g in d.iterdir())) if f.is_file())
            if not files:
                raise CmsFileError(display + "/", "the folder is empty")
            for member, qp_only in _pick(display + "/", files, notes):
                base = member.rsplit("/", 1)[-1]
                inputs.append(CmsInput(name=base, display=f"{display}/{member}", picked=True, qp_only=qp_only,
                                       data=read_bytes(path / member, f"{display}/{member}"), archive=display + "/"))
            continue
        if path.suffix.lower() in (".xlsx", ".xls"):
            raise CmsFileError(display, "an Excel workbook: cptbot reads the CSV version of the same CMS file")
        data = read_bytes(path, display)
        if data[:4] in ZIP_MAGIC or path.suffix.lower() == ".zip":
            inputs.extend(_from_zip(display, data, notes))
        else:
            inputs.append(CmsInput(name=display, display=display, data=data))
    if not inputs:
        raise CmsFileError("(command line)", f"no file to import: name {EXPECTED}")
    return inputs, notes


def classify(item: CmsInput) -> str:
    """What an input is, by its content: one of `IMPORTED_KINDS`, or another key of `KINDS` to refuse.

    A file whose content and CMS name disagree (GPCI2026.csv renamed PPRRVU.csv) is refused: one of the two
    is wrong and importing either way could put the wrong numbers behind every answer. When the content is
    unrecognisable but the name is a CMS name, the reader for that name explains what is missing.
    """
    content = detect_kind(item.text)
    claimed = kind_by_name(item.name)
    if content in IMPORTED_KINDS:
        if claimed is not None and claimed != content:
            raise CmsFileError(item.display, f"named like {KINDS[claimed]}, but it is {KINDS[content]}")
        return content
    if content == "unknown" and claimed in IMPORTED_KINDS:
        return claimed
    return content
