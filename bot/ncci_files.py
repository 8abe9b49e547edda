"""Readers for CMS's National Correct Coding Initiative (NCCI) files, as CMS publishes them each quarter.

- Procedure-to-procedure (PTP) edits, practitioner or outpatient hospital: tab-delimited text in four parts
  (`..._f1.txt` ... `_f4.txt`), usually zipped. A few preamble lines come first; the header row is found by
  its column names (`Column 1`, `Column 2`, `Deletion Date`, `Modifier`, ...); legend rows follow it
  (`0=not allowed`, `*=no data` ...). The `*=in existence prior to 1996` and `Effective Date` columns may be
  empty (the shared copies leave them so) and are never required.
- Medically unlikely edits (MUE), practitioner, outpatient hospital or DME supplier: CSV with a preamble
  line, then `HCPCS/CPT Code`, `<setting> MUE Values`, `MUE Adjudication Indicator`, `MUE Rationale`.

The quarter a file takes effect comes from its name (`..._20240701`, `..._Eff_07-01-2024`, NCCI version
`v302r0`), else its preamble ("effective 2024-07-01"), else `--effective YYYY-MM-DD`. A bad file raises
`CmsFileError`: one line naming file, line and column.

PTP rows are streamed (2.5 million pairs a quarter never sit in memory at once): `PtpFile.rows()` yields
them for the store to insert, and raises on the first bad cell; the store then throws its half-built
database away, so the previous data is untouched.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import IO

from bot.cms import CmsFileError
from bot.record import Record, field

MAX_MEMBER_BYTES = 1 << 30  # one PTP part is about 45 MB; anything near a gigabyte is not a CMS file
HEADER_LINES = 20
SETTINGS = {"practitioner": "practitioner", "hospital": "outpatient hospital", "dme": "DME supplier"}
PTP_COLUMNS = {  # normalised header cell -> field
    "column1": "col1", "column2": "col2", "*=inexistencepriorto1996": "prior_1996", "effectivedate": "effective",
    "deletiondate": "deleted", "modifier": "modifier", "ptpeditrationale": "rationale",
}
PTP_REQUIRED = ("col1", "col2", "deleted", "modifier")
STANDARD_ORDER = ["col1", "col2", "prior_1996", "effective", "deleted", "modifier", "rationale"]
FAST_PTP_TAIL = re.compile(r"(\*?)\t(\d{8})?\t(\d{8}|\*)\t([019])\t([^\t\r\n]*)\t*\r?\n?\Z")
FAST_PTP_ROW = re.compile(r"([0-9A-Z]{5})\t([0-9A-Z]{5})\t"
                          r"(\*?\t(?:\d{8})?\t(?:\d{8}|\*)\t[019]\t[^\t\r\n]*\t*\r?\n?)\Z")
MUE_REQUIRED = ("code", "value", "indicator")
MONTHS = {m: i + 1 for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july",
                                          "august", "september", "october", "november", "december"))}
NAME_YMD = re.compile(r"(?<!\d)(20\d\d)[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")
NAME_MDY = re.compile(r"(?<!\d)(0[1-9]|1[0-2])[-_](0[1-9]|[12]\d|3[01])[-_](20\d\d)(?!\d)")
NAME_VERSION = re.compile(r"v(\d\d)([0-3])r\d", re.I)  # NCCI version 30.2 = 2024, third quarter (July)
TEXT_ISO = re.compile(r"effective\D{0,20}(20\d\d)-(\d\d)-(\d\d)", re.I)
TEXT_WORDS = re.compile(r"effective\D{0,20}?(january|april|july|october)\s+(\d{1,2}),?\s+(20\d\d)", re.I)
TEXT_SLASH = re.compile(r"effective\D{0,20}?(\d{1,2})/(\d{1,2})/(20\d\d)", re.I)


class NcciSource(Record, frozen=True):
    """A file an NCCI import read (the same facts `bot.store.SourceFile` keeps)."""

    name: str
    kind: str  # "ptp" or "mue"
    sha256: str
    size: int
    archive: str = ""
    archive_sha256: str = ""

    @property
    def display(self) -> str:
        return f"{self.archive}/{self.name}" if self.archive else self.name


class _Part(Record):
    """One PTP text part: where it comes from and how to open it again for streaming."""

    name: str
    display: str
    open: Callable[[], IO[bytes]]
    source: NcciSource
    head: str


class PtpFile(Record):
    """One quarter's PTP edits for one setting, from all of its parts."""

    setting: str  # "practitioner" or "hospital"
    effective: date
    parts: list[_Part] = field(default_factory=list)

    @property
    def sources(self) -> list[NcciSource]:
        return [p.source for p in self.parts]

    def rows(self, rationale_id: Callable[[str], int]) -> Iterator[tuple[str, str, tuple]]:
        """(col1, col2, (effective, deleted, modifier, rationale id, prior_1996)) per pair, parts in order.

        Dates are integers YYYYMMDD; `deleted` None while the edit is active, `effective` None when the
        file leaves it empty. The last tuple is shared between rows that have the same cells. Raises
        CmsFileError on the first bad cell.
        """
        codes: set[str] = set()
        dates: dict[str, int | None] = {"*": None}
        for part in sorted(self.parts, key=lambda p: p.name):
            yield from self._part_rows(part, codes, dates, rationale_id)

    @staticmethod
    def _tail(tail: str, lineno: int, dates: dict[str, int | None], display: str,
              rationale_id: Callable[[str], int]) -> tuple:
        """The cells after the two codes in CMS's order, checked: (effective, deleted, modifier, rationale,
        prior_1996)."""
        m = FAST_PTP_TAIL.match(tail)
        if m is None:  # FAST_PTP_ROW accepted it, so this cannot happen; be loud in tests if it does
            raise CmsFileError(display, "unreadable row", line=lineno)
        prior, eff, dele, mod, why = m.groups()
        deleted = _date_cell(dele, dates, display, lineno, "Deletion Date")
        effective = _date_cell(eff, dates, display, lineno, "Effective Date") if eff else None
        return (effective, deleted, int(mod), rationale_id(why.strip()), 1 if prior else 0)

    def _part_rows(self, part: _Part, codes: set[str], dates: dict[str, int | None],
                   rationale_id: Callable[[str], int]) -> Iterator[tuple]:
        display = part.display
        header_at, columns = _ptp_header(part.head, display)
        # CMS's own column order is matched by one regular expression per line (the whole check in C);
        # any other order, or a line it does not match, goes through the cell-by-cell path that names the
        # bad cell.
        fast = FAST_PTP_ROW.match if list(columns) == STANDARD_ORDER else None
        tails: dict[str, tuple] = {}  # the cells after the two codes repeat: a few thousand distinct tails
        try:
            with part.open() as raw:
                lines = io.TextIOWrapper(raw, encoding="latin-1", newline="")
                started = False
                lineno = 0
                last = ""
                for lineno, line in enumerate(lines, start=1):
                    last = line
                    if lineno <= header_at:
                        continue
                    m = fast(line) if fast is not None else None
                    if m is not None:
                        c1, c2, tail = m.groups()
                        info = tails.get(tail)
                        if info is None:
                            info = tails[tail] = self._tail(tail, lineno, dates, display, rationale_id)
                        started = True
                        yield c1, c2, info
                        continue
                    row = self._slow_row(line, lineno, columns, started, codes, dates, display, rationale_id)
                    if row is not None:
                        started = True
                        yield row[0], row[1], row[2:]
                if last and not last.endswith("\n") and started:
                    # CMS ends every line; a last line without its end is a file cut short mid-row.
                    raise CmsFileError(display, "the last line is cut short (is the download truncated?)",
                                       line=lineno)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise CmsFileError(display, f"cannot be read from the archive ({exc}); is the download "
                                        "truncated?") from None

    @staticmethod
    def _slow_row(line: str, lineno: int, columns: dict[str, int], started: bool, codes: set[str],
                  dates: dict[str, int | None], display: str, rationale_id: Callable[[str], int]) -> tuple | None:
        """One line read cell by cell: the row, None for a blank or legend line, or CmsFileError."""
        i_c1, i_c2, i_del, i_mod = (columns[k] for k in PTP_REQUIRED)
        i_eff, i_prior, i_rat = columns.get("effective"), columns.get("prior_1996"), columns.get("rationale")
        width = max(columns.values()) + 1
        cells = line.rstrip("\r\n").split("\t")
        if not line.strip():
            return None
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        c1, c2 = cells[i_c1].strip(), cells[i_c2].strip()
        if not started and not c1 and not c2:
            return None  # legend rows under the header
        for cell, col in ((c1, "Column 1"), (c2, "Column 2")):
            if cell not in codes:
                if len(cell) != 5 or not cell.isascii() or not cell.isalnum() or cell != cell.upper():
                    raise CmsFileError(display, f"{cell[:20]!r} is not a CPT or HCPCS code", line=lineno, column=col)
                codes.add(cell)
        deleted = _date_cell(cells[i_del], dates, display, lineno, "Deletion Date")
        effective = _date_cell(cells[i_eff], dates, display, lineno, "Effective Date") \
            if i_eff is not None and cells[i_eff].strip() else None
        mod = cells[i_mod].strip()
        if mod not in ("0", "1", "9"):
            raise CmsFileError(display, f"modifier indicator {mod[:20]!r} is not 0, 1 or 9", line=lineno,
                               column="Modifier")
        rationale = rationale_id(cells[i_rat].strip()) if i_rat is not None else 0
        prior = 1 if i_prior is not None and cells[i_prior].strip() == "*" else 0
        return (c1, c2, effective, deleted, int(mod), rationale, prior)


class MueFile(Record):
    """One quarter's MUE table for one setting, read whole (about 15,000 rows)."""

    setting: str  # "practitioner", "hospital" or "dme"
    effective: date
    source: NcciSource
    rows: list[tuple[str, int, int, str]]  # (code, value, adjudication indicator 1-3, rationale)


def _norm(cell: str) -> str:
    return re.sub(r"\s+", "", cell).lower()


def _ptp_header(head: str, display: str) -> tuple[int, dict[str, int]]:
    """(line number of the header row, field -> column index), found by names among the first lines."""
    for lineno, line in enumerate(head.splitlines()[:HEADER_LINES], start=1):
        cells = [_norm(c) for c in line.split("\t")]
        if "column1" in cells and "column2" in cells:
            columns: dict[str, int] = {}
            for i, cell in enumerate(cells):
                name = PTP_COLUMNS.get(cell) or ("rationale" if "rationale" in cell else None)
                if name and name not in columns:
                    columns[name] = i
            missing = [k for k in PTP_REQUIRED if k not in columns]
            if missing:
                titles = {"deleted": "Deletion Date", "modifier": "Modifier"}
                raise CmsFileError(display, f"the header row has no {titles.get(missing[0], missing[0])!r} column: "
                                            "is it a CMS PTP edit file?", line=lineno)
            return lineno, columns
    raise CmsFileError(display, "no header row with 'Column 1' and 'Column 2' in its first lines: not a CMS PTP "
                                "edit file (tab-delimited text)", line=1)


def _date_cell(cell: str, dates: dict[str, int | None], display: str, lineno: int, column: str) -> int | None:
    cell = cell.strip()
    known = dates.get(cell, -1)
    if known != -1:
        return known
    value = None
    if len(cell) == 8 and cell.isdigit():
        try:
            date(int(cell[:4]), int(cell[4:6]), int(cell[6:]))
            value = int(cell)
        except ValueError:
            value = None
    if value is None:
        raise CmsFileError(display, f"{cell[:20]!r} is not a date (YYYYMMDD, or * while the edit is active)",
                           line=lineno, column=column)
    dates[cell] = value
    return value


# --- the quarter ----------------------------------------------------------------------------------------


def date_in_name(name: str) -> date | None:
    """The effective date a CMS file name carries, if any."""
    for pattern, order in ((NAME_YMD, (0, 1, 2)), (NAME_MDY, (2, 0, 1))):
        m = pattern.search(name)
        if m:
            y, mo, d = (int(m.group(i + 1)) for i in order)
            try:
                return date(y, mo, d)
            except ValueError:
                continue
    m = NAME_VERSION.search(name)
    if m:
        return date(1994 + int(m.group(1)), 1 + 3 * int(m.group(2)), 1)
    return None


def date_in_text(head: str) -> date | None:
    """The effective date a preamble states ("effective 2024-07-01", "Effective July 1, 2024")."""
    for pattern in (TEXT_ISO, TEXT_WORDS, TEXT_SLASH):
        m = pattern.search(head)
        if not m:
            continue
        a, b, c = m.groups()
        try:
            if pattern is TEXT_ISO:
                return date(int(a), int(b), int(c))
            if pattern is TEXT_WORDS:
                return date(int(c), MONTHS[a.lower()], int(b))
            return date(int(c), int(a), int(b))
        except ValueError:
            continue
    return None


def _effective(name: str, head: str, given: date | None, display: str) -> date:
    found = date_in_name(name) or date_in_text(head)
    if found is None and given is None:
        raise CmsFileError(display, "neither its name nor its first lines say which quarter it takes effect; "
                                    "give it with --effective YYYY-MM-DD")
    if found is not None and given is not None and found != given:
        raise CmsFileError(display, f"takes effect {found.isoformat()} by its name or first lines, not "
                                    f"{given.isoformat()} as --effective says")
    return found or given  # type: ignore[return-value]


def quarter_label(effective: date) -> str:
    """'2024 Q3 (effective 2024-07-01)': how answers and status name a quarter."""
    return f"{effective.year} Q{(effective.month - 1) // 3 + 1} (effective {effective.isoformat()})"


# --- recognising and opening NCCI files -----------------------------------------------------------------


def _setting_of_ptp(name: str, head: str, display: str) -> str:
    low = name.lower()
    if re.search(r"pra|practitioner|prof", low):
        return "practitioner"
    if re.search(r"oph|hosp|outpatient|facility", low):
        return "hospital"
    first = head[:2000].lower()
    if "practitioner" in first:
        return "practitioner"
    if "hospital" in first:
        return "hospital"
    raise CmsFileError(display, "cannot tell practitioner from outpatient hospital PTP edits: name the file as "
                                "CMS does (ccipra... or ccioph...)")


def looks_like_ptp(head: str) -> bool:
    return any("column1" in [_norm(c) for c in line.split("\t")] for line in head.splitlines()[:HEADER_LINES])


def looks_like_mue(head: str) -> bool:
    return "mue" in head[:4000].lower() and "hcpcs" in head[:4000].lower()


def is_ncci(path: str | Path) -> bool:
    """Whether a path given to `cptbot kb import` is an NCCI file (PTP text or zip, MUE CSV or zip)."""
    p = Path(path)
    if not p.is_file():
        return False
    try:
        with open(p, "rb") as fh:
            start = fh.read(4096)
    except OSError:
        return False
    if start[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(p) as archive:
                for info in archive.infolist():
                    if info.filename.lower().endswith((".txt", ".csv")) and info.file_size < MAX_MEMBER_BYTES:
                        with archive.open(info) as fh:
                            head = fh.read(4096).decode("latin-1")
                        return looks_like_ptp(head) or looks_like_mue(head)
        except (zipfile.BadZipFile, OSError, zlib.error, EOFError, NotImplementedError):
            # A damaged zip whose name says NCCI is ours to report; anything else is the CMS reader's.
            return bool(re.search(r"ptp|cci|mue", p.name, re.I))
        return False
    head = start.decode("latin-1")
    return looks_like_ptp(head) or looks_like_mue(head)


def _sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def _member_sha256(archive_path: Path, member: str, display: str) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    try:
        with zipfile.ZipFile(archive_path) as archive, archive.open(member) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
                size += len(block)
                if size > MAX_MEMBER_BYTES:
                    raise CmsFileError(display, "unpacks to more than 1 GB: not a CMS NCCI file")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise CmsFileError(display, f"cannot be read from the archive ({exc}); is the download truncated?") from None
    return h.hexdigest(), size


def read_ncci(paths: Iterable[str | Path], effective: date | None = None
              ) -> tuple[list[PtpFile], list[MueFile], list[str]]:
    """The NCCI edit sets in `paths` (PTP parts grouped by setting and quarter), and notes for the user.

    PTP rows are not read here (see `PtpFile.rows`); headers, quarters and settings are checked now, so a
    wrong file is refused before anything is written.
    """
    ptps: dict[tuple[str, date], PtpFile] = {}
    mues: list[MueFile] = []
    notes: list[str] = []

    def add_ptp(name: str, display: str, opener: Callable[[], IO[bytes]], source: NcciSource, head: str) -> None:
        _ptp_header(head, display)
        setting = _setting_of_ptp(name, head, display)
        when = _effective(name, head, effective, display)
        ptp = ptps.setdefault((setting, when), PtpFile(setting=setting, effective=when))
        if any(p.name == name for p in ptp.parts):
            raise CmsFileError(display, "the same PTP part is given twice")
        ptp.parts.append(_Part(name=name, display=display, open=opener, source=source, head=head))

    for raw in paths:
        path = Path(raw)
        display = path.name
        try:
            with open(path, "rb") as fh:
                start = fh.read(4)
        except OSError as exc:
            raise CmsFileError(display, f"cannot be read ({exc.strerror or exc})") from None
        if start in (b"PK\x03\x04", b"PK\x05\x06") or path.suffix.lower() == ".zip":
            try:
                archive = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError):
                raise CmsFileError(display, "not a complete zip archive (is the download truncated?)") from None
            with archive:
                infos = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
                if not infos:
                    raise CmsFileError(display, "the zip archive is empty")
                digest = _sha256_file(path)[0]
                taken = 0
                for info in infos:
                    base = info.filename.rsplit("/", 1)[-1]
                    shown = f"{display}/{base}"
                    if not base.lower().endswith((".txt", ".csv")):
                        continue
                    if info.file_size > MAX_MEMBER_BYTES:
                        raise CmsFileError(shown, "unpacks to more than 1 GB: not a CMS NCCI file")
                    try:
                        with archive.open(info) as fh:
                            head = fh.read(8192).decode("latin-1")
                    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                        raise CmsFileError(shown, f"cannot be read from the archive ({exc}); is the download "
                                                  "truncated?") from None
                    if looks_like_mue(head) and not looks_like_ptp(head):
                        sha, size = _member_sha256(path, info.filename, shown)
                        with zipfile.ZipFile(path) as again:
                            data = again.read(info.filename)
                        mues.append(_read_mue(base, shown, data, effective,
                                              NcciSource(base, "mue", sha, size, display, digest)))
                    else:
                        sha, size = _member_sha256(path, info.filename, shown)

                        def opener(p: Path = path, member: str = info.filename) -> IO[bytes]:
                            return _ArchiveMember(p, member)

                        add_ptp(base, shown, opener, NcciSource(base, "ptp", sha, size, display, digest), head)
                    taken += 1
                if not taken:
                    raise CmsFileError(display, "holds no NCCI text or CSV file")
                if taken < len(infos):
                    notes.append(f"{display}: ignored {len(infos) - taken} file(s) that are not the edit tables")
            continue
        with open(path, "rb") as fh:
            head = fh.read(8192).decode("latin-1")
        sha, size = _sha256_file(path)
        if looks_like_mue(head) and not looks_like_ptp(head):
            mues.append(_read_mue(path.name, display, path.read_bytes(), effective,
                                  NcciSource(path.name, "mue", sha, size)))
        else:
            add_ptp(path.name, display, functools.partial(open, path, "rb"),
                    NcciSource(path.name, "ptp", sha, size), head)
    for ptp in ptps.values():
        if len(ptp.parts) not in (1, 4):
            notes.append(f"{SETTINGS[ptp.setting]} PTP edits {ptp.effective.isoformat()}: {len(ptp.parts)} parts "
                         "given; CMS publishes four (f1-f4): pairs in the missing parts are not imported")
    return list(ptps.values()), mues, notes


class _ArchiveMember(io.RawIOBase):
    """A zip member opened for streaming, closing its archive with it."""

    def __init__(self, path: Path, member: str):
        self._archive = zipfile.ZipFile(path)
        self._fh = self._archive.open(member)
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._fh.read(len(buffer))
        self._read += len(data)
        if self._read > MAX_MEMBER_BYTES:
            raise zipfile.BadZipFile("unpacks to more than 1 GB")
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._fh.close()
            self._archive.close()
        finally:
            super().close()


MUE_SETTING_WORDS = (("practitioner", "practitioner"), ("hospital", "hospital"), ("dme", "dme"),
                     ("supplier", "dme"))


def _read_mue(name: str, display: str, data: bytes, given: date | None, source: NcciSource) -> MueFile:
    text = data.decode("utf-8-sig", errors="replace") if data[:3] == b"\xef\xbb\xbf" else data.decode("latin-1")
    rows = list(csv.reader(io.StringIO(text)))
    header_at = next((i for i, r in enumerate(rows[:HEADER_LINES])
                      if r and "hcpcs" in r[0].lower() and len(r) >= 3), None)
    if header_at is None:
        raise CmsFileError(display, "no header row starting 'HCPCS/CPT Code' in its first lines: not a CMS MUE "
                                    "table (CSV)", line=1)
    header = [_norm(c) for c in rows[header_at]]
    columns: dict[str, int] = {"code": 0}
    setting = ""
    for i, cell in enumerate(header):
        if "muevalue" in cell:
            columns["value"] = i
            setting = next((s for word, s in MUE_SETTING_WORDS if word in cell), "")
        elif "adjudication" in cell:
            columns["indicator"] = i
        elif "rationale" in cell:
            columns["rationale"] = i
    for key, title in (("value", "MUE Values"), ("indicator", "MUE Adjudication Indicator")):
        if key not in columns:
            raise CmsFileError(display, f"the header row has no {title!r} column: is it a CMS MUE table?",
                               line=header_at + 1)
    if not setting:
        low = (name + " " + " ".join(" ".join(r) for r in rows[:header_at])).lower()
        setting = next((s for word, s in MUE_SETTING_WORDS if word in low), "")
    if not setting:
        raise CmsFileError(display, "cannot tell whether these are practitioner, outpatient hospital or DME "
                                    "MUEs: the value column should say", line=header_at + 1, column="MUE Values")
    preamble = "\n".join(",".join(r) for r in rows[:header_at])
    when = _effective(name, preamble, given, display)
    out: list[tuple[str, int, int, str]] = []
    seen: set[str] = set()
    width = max(columns.values()) + 1
    for lineno, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < width:
            raise CmsFileError(display, f"the row has {len(row)} columns, the header {len(header)} (is the file "
                                        "truncated?)", line=lineno)
        code = row[0].strip()
        if len(code) != 5 or not code.isascii() or not code.isalnum() or code != code.upper():
            raise CmsFileError(display, f"{code[:20]!r} is not a CPT or HCPCS code", line=lineno,
                               column="HCPCS/CPT Code")
        value = row[columns["value"]].strip()
        if not value.isdigit():
            raise CmsFileError(display, f"{value[:20]!r} is not a whole number of units", line=lineno,
                               column="MUE Values")
        indicator = row[columns["indicator"]].strip()[:1]
        if indicator not in ("1", "2", "3"):
            raise CmsFileError(display, f"{row[columns['indicator']][:30]!r} is not adjudication indicator 1, 2 or 3",
                               line=lineno, column="MUE Adjudication Indicator")
        if code in seen:
            raise CmsFileError(display, f"{code} is listed twice", line=lineno, column="HCPCS/CPT Code")
        seen.add(code)
        rationale = row[columns["rationale"]].strip() if "rationale" in columns else ""
        out.append((code, int(value), int(indicator), rationale))
    if not out:
        raise CmsFileError(display, "has no MUE rows under its header", line=header_at + 1)
    return MueFile(setting=setting, effective=when, source=source, rows=out)
