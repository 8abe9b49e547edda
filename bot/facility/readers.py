"""Readers for CMS's facility files, exactly as CMS publishes them.

- OPPS Addendum B (payment by HCPCS code) and Addendum A (the APCs): tab-separated text, a few preamble lines,
  then a header row whose names carry stray spaces (" SI", " APC ");
- ASC Addenda AA (covered surgical procedures) and BB (covered ancillary services): CSV, three preamble rows,
  then a header whose payment columns carry the quarter ("April 2026 Payment Indicator");
- anesthesia base units: CMS's xlsx or its Section 508 text (a header of three lines: CODE / 2022 BASE UNIT);
- anesthesia conversion factors by locality (ANES2025.csv, from the RVU zip);
- HCPCS Level II long descriptions: CMS's alpha-numeric file as xlsx (HCPC/LONG DESCRIPTION..., or the
  two-column HCPCS/LONG_DESCRIPTION cut), or its fixed-width text with CMS's record layout.

Columns are found by their trimmed header names, never by position; the year and quarter come from the
header or the file name (and must agree when both say it); money is read from text such as "$1,255.73 ".
Every problem is a `CmsFileError` naming the file, the line and the column.
"""

from __future__ import annotations

import re
import statistics
from decimal import Decimal, InvalidOperation

from bot.cms import CmsFileError, csv_rows
from bot.record import Record, field

CODE_RE = re.compile(r"^[0-9A-Z]{5}$")
MODIFIER_RE = re.compile(r"^[0-9A-Z]{2}$")
MONTHS = {m: i for i, m in enumerate(("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST",
                                      "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"), start=1)}
MONTH_ABBR = {m[:3]: i for m, i in MONTHS.items()}
HEADER_ROWS = 25  # the header row is within the first lines of every file below
MONEY_RE = re.compile(r"^\$?\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?|-?\.[0-9]+)$")


class Dataset(Record):
    """One facility file, parsed and checked: what `db.write` stores as one unit (replaced as a whole)."""

    kind: str  # "opps_b", "opps_a", "asc_aa", "asc_bb", "anes_base", "anes_cf", "hcpcs"
    period: str  # "2025-01" (a quarter's first month) or "2025" for yearly files
    year: int
    title: str  # what answers cite: "CY2025 OPPS Addendum B (January 2025)"
    name: str  # the file's name as the user gave it (or zip/member)
    rows: list[tuple] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # e.g. {"conversion_factor": 89.169}
    sha256: str = ""  # of the file's bytes, set by the importer
    size: int = 0


def norm_header(cell: str) -> str:
    return " ".join(cell.replace("_", " ").split()).upper()


def money(text: str, name: str, line: int, column: str) -> float | None:
    """'$1,255.73 ' -> 1255.73; blank or '.' (CMS's "none") -> None; anything else is an error."""
    t = text.strip()
    if t in ("", ".", "-"):
        return None
    m = MONEY_RE.match(t.replace(" ", ""))
    if not m:
        raise CmsFileError(name, f"{text.strip()!r} is not an amount of money", line=line, column=column)
    try:
        return float(Decimal(m.group(1).replace(",", "")))
    except InvalidOperation:
        raise CmsFileError(name, f"{text.strip()!r} is not an amount of money", line=line, column=column) from None


def number(text: str, name: str, line: int, column: str) -> float | None:
    t = text.strip()
    if t == "":
        return None
    try:
        return float(t.replace(",", ""))
    except ValueError:
        raise CmsFileError(name, f"{t!r} is not a number", line=line, column=column) from None


def _find_header(rows: list[list[str]], first: tuple[str, ...], name: str, what: str) -> int:
    for i, r in enumerate(rows[:HEADER_ROWS]):
        if r and norm_header(r[0]) in first:
            return i
    raise CmsFileError(name, f"not {what}: no header row starting with {first[0].title()!r} in its first "
                             f"{HEADER_ROWS} lines")


def _columns(header: list[str], wanted: dict[str, tuple[str, ...]], optional: tuple[str, ...], name: str,
             line: int, suffix: bool = False) -> dict[str, int]:
    """Field -> column index, by trimmed header names (with `suffix`, a name may be preceded by a quarter)."""
    found: dict[str, int] = {}
    names = [norm_header(h) for h in header]
    for fld, options in wanted.items():
        for col, h in enumerate(names):
            if h in options or (suffix and any(h.endswith(" " + o) for o in options)):
                found.setdefault(fld, col)
    missing = [wanted[f][0].title() for f in wanted if f not in found and f not in optional]
    if missing:
        raise CmsFileError(name, "column missing from the header row", line=line + 1, column=", ".join(missing))
    return found


def _cell(row: list[str], col: int | None) -> str:
    return row[col].strip() if col is not None and col < len(row) else ""


def _year_in(text: str) -> int | None:
    m = re.search(r"\b(20\d\d)\b", text)
    return int(m.group(1)) if m else None


def _period_from_name(file_name: str) -> tuple[int, int] | None:
    """(year, month) a CMS file name states: ASC_Addendum_AA_20260401.csv, HCPC2025_JUL_ANWEB, ANES2025."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    m = re.search(r"(20\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", base)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = re.search(r"(20\d\d)[_ -]?(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)", base, re.I)
    if m:
        return int(m.group(1)), MONTH_ABBR[m.group(2).upper()]
    m = re.search(r"(?<!\d)(20\d\d)(?!\d)", base)
    return (int(m.group(1)), 0) if m else None


def _is_note(row: list[str]) -> bool:
    """A blank line or a footnote below a table ("NOTE 1: ..."), not a row of data."""
    first = row[0].strip() if row else ""
    return not any(c.strip() for c in row) or (first != "" and (" " in first or len(first) > 12)
                                                and not CODE_RE.match(first))


def _code(row: list[str], col: int, name: str, line: int, column: str) -> str:
    # CMS's files carry the odd stray non-ASCII byte after a code (Addendum B: "A4341\x9f"); it is dropped.
    code = "".join(ch for ch in _cell(row, col) if ch.isascii()).strip().upper()
    if not CODE_RE.match(code):
        raise CmsFileError(name, f"{code!r} is not a HCPCS code", line=line, column=column)
    return code


def _check_complete(rows: list[list[str]], width: int, name: str, header_at: int) -> None:
    """A table whose last data row is cut short is a truncated download."""
    data = [(i, r) for i, r in enumerate(rows) if i > header_at and not _is_note(r)]
    if not data:
        raise CmsFileError(name, "has a header row but no rows of data (truncated?)", line=header_at + 2)
    i, last = data[-1]
    if len(last) < width:
        raise CmsFileError(name, f"the last row has {len(last)} of {width} columns (is the file truncated?)",
                           line=i + 1)


def _conversion_factor(pairs: list[tuple[float, float]]) -> float | None:
    """Rate / weight, which is one number per payment system and year (the median ignores the odd row)."""
    ratios = [rate / weight for weight, rate in pairs if weight and rate]
    return round(statistics.median(ratios), 3) if ratios else None


# --- OPPS addenda ------------------------------------------------------------------------------------------

OPPS_B = {"code": ("HCPCS CODE", "HCPCS"), "descriptor": ("SHORT DESCRIPTOR",), "ci": ("CI",), "si": ("SI",),
          "apc": ("APC",), "weight": ("RELATIVE WEIGHT",), "rate": ("PAYMENT RATE",),
          "copay_national": ("NATIONAL UNADJUSTED COPAYMENT",), "copay_minimum": ("MINIMUM UNADJUSTED COPAYMENT",),
          "copay_adjusted": ("ADJUSTED BENEFICIARY COPAYMENT",), "note": ("NOTE",)}
OPPS_A = {"apc": ("APC",), "title": ("GROUP TITLE",), "si": ("SI",), "weight": ("RELATIVE WEIGHT",),
          "rate": ("PAYMENT RATE",), "copay_minimum": ("MINIMUM UNADJUSTED COPAYMENT",)}


def _opps_period(rows: list[list[str]], header_at: int, file_name: str, name: str) -> tuple[int, int, str]:
    banner = " ".join(c for r in rows[:header_at] for c in r if c)
    year = None
    m = re.search(r"\bCY\s*(20\d\d)\b", banner, re.I) or re.search(
        r"\b(?:JANUARY|APRIL|JULY|OCTOBER)\s+(20\d\d)\b", banner, re.I)
    if m:
        year = int(m.group(1))
    month_m = re.search(r"\b(JANUARY|APRIL|JULY|OCTOBER)\s+20\d\d\b", banner, re.I)
    month = MONTHS[month_m.group(1).upper()] if month_m else 1  # the final rule's addenda take effect in January
    by_name = _period_from_name(file_name)
    if year is None and by_name:
        year = by_name[0]
    if year is None:
        raise CmsFileError(name, "cannot tell the year: neither the title lines (\"for CY 2025\") nor the file "
                                 "name state it", line=1)
    if by_name and by_name[0] != year:
        raise CmsFileError(name, f"the title says CY{year} but the file name says {by_name[0]}", line=1)
    return year, month, banner


def _tsv_rows(text: str, name: str) -> list[list[str]]:
    return csv_rows(text, name, delimiter="\t")


def parse_opps_b(text: str, name: str) -> Dataset:
    rows = _tsv_rows(text, name)
    h = _find_header(rows, ("HCPCS CODE",), name, "an OPPS Addendum B")
    cols = _columns(rows[h], OPPS_B, ("ci", "copay_national", "copay_adjusted", "note"), name, h)
    year, month, _ = _opps_period(rows, h, name, name)
    _check_complete(rows, len(rows[h]), name, h)
    out, pairs = [], []
    for i in range(h + 1, len(rows)):
        r, line = rows[i], i + 1
        if _is_note(r):
            continue
        code = _code(r, cols["code"], name, line, "HCPCS Code")
        si = _cell(r, cols["si"]).upper()
        if not si:
            raise CmsFileError(name, "the status indicator is blank", line=line, column="SI")
        weight = number(_cell(r, cols["weight"]), name, line, "Relative Weight")
        rate = money(_cell(r, cols["rate"]), name, line, "Payment Rate")
        apc = _cell(r, cols["apc"])
        if apc and not apc.isdigit():
            raise CmsFileError(name, f"{apc!r} is not an APC number", line=line, column="APC")
        out.append((code, _cell(r, cols["descriptor"]), _cell(r, cols.get("ci")), si, apc.zfill(4) if apc else "",
                    weight, rate, money(_cell(r, cols.get("copay_national")), name, line, "National Unadjusted "
                                        "Copayment"),
                    money(_cell(r, cols["copay_minimum"]), name, line, "Minimum Unadjusted Copayment"),
                    money(_cell(r, cols.get("copay_adjusted")), name, line, "Adjusted Beneficiary Copayment"),
                    _cell(r, cols.get("note"))))
        if weight and rate:
            pairs.append((weight, rate))
    out = _unique(out, name)
    period = f"{year}-{month:02d}"
    return Dataset("opps_b", period, year, f"CY{year} OPPS Addendum B ({_month_name(month)} {year})", name, out,
                   {"conversion_factor": _conversion_factor(pairs)})


def parse_opps_a(text: str, name: str) -> Dataset:
    rows = _tsv_rows(text, name)
    h = _find_header(rows, ("APC",), name, "an OPPS Addendum A")
    cols = _columns(rows[h], OPPS_A, ("weight", "rate", "copay_minimum", "si"), name, h)
    year, month, _ = _opps_period(rows, h, name, name)
    _check_complete(rows, len(rows[h]), name, h)
    out = []
    for i in range(h + 1, len(rows)):
        r, line = rows[i], i + 1
        if _is_note(r):
            continue
        apc = _cell(r, cols["apc"])
        if not apc.isdigit():
            raise CmsFileError(name, f"{apc!r} is not an APC number", line=line, column="APC")
        out.append((apc.zfill(4), _cell(r, cols["title"]), _cell(r, cols.get("si")).upper(),
                    number(_cell(r, cols.get("weight")), name, line, "Relative Weight"),
                    money(_cell(r, cols.get("rate")), name, line, "Payment Rate"),
                    money(_cell(r, cols.get("copay_minimum")), name, line, "Minimum Unadjusted Copayment")))
    out = _unique(out, name, "APC")
    return Dataset("opps_a", f"{year}-{month:02d}", year, f"CY{year} OPPS Addendum A ({_month_name(month)} {year})",
                   name, out)


def _month_name(month: int) -> str:
    return next(m.title() for m, i in MONTHS.items() if i == month)


def _unique(rows: list[tuple], name: str, what: str = "HCPCS code") -> list[tuple]:
    """Rows keyed by their first value: a row CMS repeats word for word is kept once; two different rows for
    one key are an error (which one would be right?)."""
    seen: dict[str, tuple] = {}
    for row in rows:
        earlier = seen.get(row[0])
        if earlier is not None and earlier != row:
            raise CmsFileError(name, f"{what} {row[0]} is listed twice, with different values")
        seen[row[0]] = row
    return list(seen.values())


# --- ASC addenda -------------------------------------------------------------------------------------------

ASC_AA = {"code": ("HCPCS CODE", "HCPCS"), "descriptor": ("SHORT DESCRIPTOR",),
          "mpd": ("SUBJECT TO MULTIPLE PROCEDURE DISCOUNTING",), "pi": ("PAYMENT INDICATOR",),
          "weight": ("PAYMENT WEIGHT",), "rate": ("PAYMENT RATE",)}
ASC_BB = {"code": ("HCPCS CODE", "HCPCS"), "descriptor": ("SHORT DESCRIPTOR",), "pi": ("PAYMENT INDICATOR",),
          "weight": ("PAYMENT WEIGHT",), "rate": ("PAYMENT RATE",)}
QUARTER_RE = re.compile(r"^(JANUARY|APRIL|JULY|OCTOBER)\s+(20\d\d)\s+PAYMENT INDICATOR$")


def parse_asc(text: str, name: str) -> Dataset:
    """Addendum AA or BB (which one: the multiple-procedure column only AA has, or the title line)."""
    rows = csv_rows(text, name)
    h = _find_header(rows, ("HCPCS CODE", "HCPCS"), name, "an ASC addendum")
    banner = " ".join(c for r in rows[:h] for c in r if c).upper()
    names = [norm_header(c) for c in rows[h]]
    is_aa = "SUBJECT TO MULTIPLE PROCEDURE DISCOUNTING" in names or "ADDENDUM AA" in banner
    if not is_aa and "ADDENDUM BB" not in banner:
        raise CmsFileError(name, "not an ASC addendum: the title names neither Addendum AA nor Addendum BB", line=1)
    cols = _columns(rows[h], ASC_AA if is_aa else ASC_BB, (), name, h, suffix=True)
    m = QUARTER_RE.match(names[cols["pi"]])
    if not m:
        raise CmsFileError(name, "the payment indicator column does not name its quarter (\"April 2026 Payment "
                                 "Indicator\")", line=h + 1, column=rows[h][cols["pi"]].strip())
    year, month = int(m.group(2)), MONTHS[m.group(1)]
    by_name = _period_from_name(name)
    if by_name and by_name[1] and by_name != (year, month):
        raise CmsFileError(name, f"the header is for {_month_name(month)} {year} but the file name says "
                                 f"{_month_name(by_name[1])} {by_name[0]}", line=h + 1)
    _check_complete(rows, len(rows[h]), name, h)
    out, pairs = [], []
    for i in range(h + 1, len(rows)):
        r, line = rows[i], i + 1
        if _is_note(r):
            continue
        code = _code(r, cols["code"], name, line, "HCPCS Code")
        pi = _cell(r, cols["pi"]).upper()
        if not pi:
            raise CmsFileError(name, "the payment indicator is blank", line=line, column="Payment Indicator")
        mpd = _cell(r, cols.get("mpd")).upper()
        if is_aa and mpd not in ("Y", "N"):
            raise CmsFileError(name, f"{mpd!r} is not Y or N", line=line,
                               column="Subject to Multiple Procedure Discounting")
        weight = number(_cell(r, cols["weight"]), name, line, "Payment Weight")
        rate = money(_cell(r, cols["rate"]), name, line, "Payment Rate")
        out.append((code, _cell(r, cols["descriptor"]), mpd, pi, weight, rate))
        if weight and rate:
            pairs.append((weight, rate))
    out = _unique(out, name)
    which = "AA" if is_aa else "BB"
    return Dataset(f"asc_{which.lower()}", f"{year}-{month:02d}", year,
                   f"CY{year} ASC Addendum {which} ({_month_name(month)} {year})", name, out,
                   {"conversion_factor": _conversion_factor(pairs)})


# --- anesthesia ---------------------------------------------------------------------------------------------

def parse_anesthesia_base_units(rows: list[list[str]], name: str) -> Dataset:
    """CMS's base unit table: a header of up to three lines (CODE / 2022 BASE UNIT), then code and units."""
    h = _find_header(rows, ("CODE",), name, "the CMS anesthesia base unit table")
    title_rows = rows[h:h + 3]
    title = " ".join(norm_header(r[1]) for r in title_rows if len(r) > 1 and r[1].strip())
    if "BASE" not in title and "UNIT" not in title:
        raise CmsFileError(name, "the second column is not headed BASE UNIT", line=h + 1, column="BASE UNIT")
    year = _year_in(title) or (_period_from_name(name) or (None,))[0]
    if year is None:
        raise CmsFileError(name, "cannot tell the year: neither the header (\"2022 BASE UNIT\") nor the file name "
                                 "states it", line=h + 1)
    start = h + 1
    while start < len(rows) and rows[start] and not rows[start][0].strip():  # the header's continuation lines
        start += 1
    out = []
    for i in range(start, len(rows)):
        r, line = rows[i], i + 1
        if not any(c.strip() for c in r):
            continue
        code = _code(r, 0, name, line, "CODE")
        units = number(_cell(r, 1), name, line, "BASE UNIT")
        if units is None:
            raise CmsFileError(name, "the base units are blank", line=line, column="BASE UNIT")
        if not code.startswith("0"):
            raise CmsFileError(name, f"{code} is not an anesthesia code (00100-01999)", line=line, column="CODE")
        out.append((code, units))
    if len(out) < 100:
        raise CmsFileError(name, f"only {len(out)} anesthesia codes (CMS's table has about 280): truncated?")
    out = _unique(out, name)
    return Dataset("anes_base", str(year), year, f"CMS anesthesia base units, CY{year} table", name, out)


ANES_CF = {"mac": ("CONTRACTOR",), "locality": ("LOCALITY",), "name": ("LOCALITY NAME",)}


def parse_anesthesia_cf(text: str, name: str) -> Dataset:
    """ANES2025.csv: contractor, locality, locality name and the anesthesia conversion factor of each."""
    rows = csv_rows(text, name)
    h = _find_header(rows, ("CONTRACTOR",), name, "the CMS anesthesia conversion factor file (ANES*.csv)")
    cols = _columns(rows[h], ANES_CF, (), name, h)
    cf_col = next((i for i, c in enumerate(rows[h]) if "ANES CF" in norm_header(c)), None)
    if cf_col is None:
        raise CmsFileError(name, "column missing from the header row", line=h + 1, column="Anes CF")
    national_m = re.search(r"([0-9]+\.[0-9]+)", rows[h][cf_col])
    by_name = _period_from_name(name)
    year = _year_in(" ".join(rows[h])) or (by_name[0] if by_name else None)
    if year is None:
        raise CmsFileError(name, "cannot tell the year: the file name (ANES2025.csv) does not state it", line=h + 1)
    _check_complete(rows, len(rows[h]), name, h)
    out = []
    for i in range(h + 1, len(rows)):
        r, line = rows[i], i + 1
        if not any(c.strip() for c in r):
            continue
        mac, loc = _cell(r, cols["mac"]), _cell(r, cols["locality"])
        if not (mac.isdigit() and loc.isdigit()):
            raise CmsFileError(name, f"{mac!r}, {loc!r} is not a contractor and locality number", line=line,
                               column="Contractor")
        cf = number(_cell(r, cf_col), name, line, "Anes CF")
        if cf is None or not 5 < cf < 100:
            raise CmsFileError(name, f"{_cell(r, cf_col)!r} is not an anesthesia conversion factor", line=line,
                               column="Anes CF")
        out.append((mac.zfill(5), loc.zfill(2), _cell(r, cols["name"]), cf))
    if len(out) < 50:
        raise CmsFileError(name, f"only {len(out)} localities (CMS lists about 110): truncated?")
    keyed = _unique([(f"{m}-{n}", m, n, nm, cf) for m, n, nm, cf in out], name, "locality")
    out = [row[1:] for row in keyed]
    return Dataset("anes_cf", str(year), year, f"CY{year} anesthesia conversion factors ({name.rsplit('/', 1)[-1]})",
                   name, out, {"national_cf": float(national_m.group(1)) if national_m else None})


# --- HCPCS Level II ----------------------------------------------------------------------------------------

HCPCS_COLS = {"code": ("HCPCS", "HCPC", "HCPCS CODE"), "long": ("LONG DESCRIPTION",),
              "short": ("SHORT DESCRIPTION",), "seq": ("SEQNUM", "SEQUENCE NUMBER"), "recid": ("RECID",)}
# CMS's record layout of the fixed-width alpha-numeric file (HCPC20xx_..._ANWEB.txt), 1-based positions:
# HCPC 1-5, sequence number 6-10, record identification 11 (3 procedure / 7 modifier: first line of the
# description; 4 / 8: a continuation line), long description 12-91, short description 92-119.
FIXED = {"code": (0, 5), "seq": (5, 10), "recid": (10, 11), "long": (11, 91), "short": (91, 119)}


def _hcpcs_period(name: str, text_for_year: str = "") -> tuple[int, int]:
    by_name = _period_from_name(name)
    if by_name:
        return by_name[0], by_name[1] or 1
    year = _year_in(text_for_year)
    if year is None:
        raise CmsFileError(name, "cannot tell the year and quarter: name the file as CMS does "
                                 "(HCPC2025_JUL_ANWEB...)")
    return year, 1


def _hcpcs_rows(records: list[tuple[int, str, str, str, str, str]], name: str) -> list[tuple[str, str, str]]:
    """(line, code, seq, recid, long, short) records -> one (code, long, short) per code, continuations joined."""
    by_code: dict[str, list] = {}
    for line, code, seq, recid, long, short in records:
        if not (CODE_RE.match(code) or MODIFIER_RE.match(code)):
            raise CmsFileError(name, f"{code!r} is not a HCPCS code or modifier", line=line, column="HCPCS")
        if recid and recid not in "3478":
            raise CmsFileError(name, f"{recid!r} is not a record identification code (3, 4, 7 or 8)", line=line,
                               column="RECID")
        entry = by_code.setdefault(code, [[], ""])
        if entry[0] and not (recid in ("4", "8") or seq):
            raise CmsFileError(name, f"{code} is listed twice", line=line, column="HCPCS")
        entry[0].append((int(seq) if seq.isdigit() else len(entry[0]), long))
        entry[1] = entry[1] or short
    out = []
    for code, (parts, short) in by_code.items():
        long = " ".join(p.strip() for _, p in sorted(parts) if p.strip())
        if not long:
            raise CmsFileError(name, f"{code} has no long description", column="LONG DESCRIPTION")
        out.append((code, " ".join(long.split()), short.strip()))
    return out


def parse_hcpcs_table(rows: list[list[str]], name: str) -> Dataset:
    """The alpha-numeric file as a table (xlsx): columns by header names; long descriptions may span rows."""
    h = _find_header(rows, HCPCS_COLS["code"], name, "a CMS HCPCS file")
    cols = _columns(rows[h], HCPCS_COLS, ("short", "seq", "recid"), name, h)
    records = []
    for i in range(h + 1, len(rows)):
        r = rows[i]
        if not any(c.strip() for c in r):
            continue
        records.append((i + 1, _cell(r, cols["code"]).upper(), _cell(r, cols.get("seq")), _cell(r, cols.get("recid")),
                        _cell(r, cols["long"]), _cell(r, cols.get("short"))))
    return _hcpcs_dataset(records, name)


def parse_hcpcs_fixed(text: str, name: str) -> Dataset:
    """The fixed-width alpha-numeric file, by CMS's record layout (`FIXED`)."""
    records = []
    for i, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if len(raw) < FIXED["long"][0] + 1:
            raise CmsFileError(name, f"the record is {len(raw)} characters, too short for CMS's HCPCS layout "
                                     "(is the file truncated?)", line=i)
        f = {k: raw[a:b] for k, (a, b) in FIXED.items()}
        if not f["seq"].strip().isdigit():
            raise CmsFileError(name, f"{f['seq'].strip()!r} is not a sequence number (positions 6-10)", line=i,
                               column="SEQUENCE NUMBER")
        records.append((i, f["code"].strip().upper(), f["seq"].strip(), f["recid"].strip(), f["long"], f["short"]))
    return _hcpcs_dataset(records, name)


def _hcpcs_dataset(records: list, name: str) -> Dataset:
    if len(records) < 1000:
        raise CmsFileError(name, f"only {len(records)} records (CMS's HCPCS file has about 8,000 codes): "
                                 "truncated, or not the HCPCS file?")
    out = _hcpcs_rows(records, name)
    year, month = _hcpcs_period(name)
    return Dataset("hcpcs", f"{year}-{month:02d}", year, f"HCPCS Level II, {_month_name(month)} {year}", name, out)
