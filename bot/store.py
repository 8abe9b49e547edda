"""The compiled store: CMS fee schedule and NCCI files imported once by `cptbot kb import`, then read from
one SQLite database (the standard library's sqlite3) that opens in a millisecond.

A person downloads the fee schedule and the NCCI edits from CMS and imports them; every later `cptbot ask`
(and the Slack app) opens the database read-only instead of parsing CSV. The data directory holds:

    store.sqlite3        everything imported (below)
    preferences.sqlite3  saved locality and setting per person (bot.preferences; not touched here)
    cache/               indexes derived from the knowledge files and this database (bot.catalog)

Tables of store.sqlite3:

    meta(key, value)     'manifest': JSON facts of each release (conversion factors, GPCIs, source files
                         with SHA-256), the county files, the ZIP file and each NCCI edit set
    rvus                 fee schedule rows, keyed (release, code, modifier); `line` keeps file order
    zips                 ZIP code -> (MAC, locality)
    ptp                  NCCI procedure-to-procedure edits keyed by one integer, `pair_key(edit set, column 1,
                         column 2) + seq`: codes are base-36 numbers (26 bits each), `seq` (3 bits) numbers
                         the rows of a pair CMS lists more than once (an edit deleted, a newer one for the
                         same pair). A pair is one B-tree range lookup in either order; 2.5 million edits
                         take 47 MB and insert in file order (CMS sorts by column 1, column 2)
    mue                  medically unlikely edits keyed (edit_set, code)
    rationales           the few dozen distinct PTP/MUE rationale texts, by id

Every import builds a whole new database beside the current one (a copy of it, then this import's rows
replace the rows of the same release or quarter), fsyncs it and swaps it in with one `os.replace`. A reader
sees the old file or the new one, never a mix; a process that has the old file open keeps reading it. A
failed import (a bad file, a full disk) removes its half-built copy and leaves the previous data exactly as
it was. Nothing executable is ever read from the data directory (no pickle).

Adding a table (h11's facility files, say): add its CREATE TABLE IF NOT EXISTS to `SCHEMA`, write its rows
in `import_paths` between `_compose` and the manifest update (the connection is the new database; DELETE
the rows of what is being replaced first, as `_insert_rvus` does), record its facts under a key of the
manifest `doc`, and read it through `Store.db` (a thread-safe read-only `_Db`: `.one(sql, args)`,
`.all(sql, args)`). Bump `FORMAT` only when an existing table changes shape.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import ItemsView, Iterable, Iterator, Mapping, ValuesView
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.record import MISSING, Record, asdict, astuple, field, fields
from bot.records import FeeYear, Locality, Release, Rvu

if TYPE_CHECKING:  # the CMS readers are only needed to import; `load_store` must start fast
    from bot.cms import CmsInput, CountyFile, RvuFile, ZipLocalityFile
    from bot.store_reports import ImportReport, StoreStatus  # `kb import` and `kb status` only

FORMAT = 2  # 1 was the pickle-based store.json + objects/ of earlier versions
DATABASE = "store.sqlite3"
MANIFEST = DATABASE  # the one file whose bytes change with an import
LOCK = ".import.lock"
MONTHS = {"A": "January", "B": "April", "C": "July", "D": "October"}
RVU_FIELDS = tuple(f.name for f in fields(Rvu))
FEW_ROWS = 10_000  # CMS's national RVU file has about 19,000 rows; far fewer suggests a partial file
SKIPPED_KINDS = ("anesthesia", "hcpcs_table")  # CMS companions in the RVU zip that cptbot does not use


class StoreError(Exception):
    """The data directory cannot be read or written; the message is one sentence for the user."""


def default_data_dir() -> Path:
    """`$CPTBOT_DATA_DIR`, else `$XDG_DATA_HOME/cptbot`, else `~/.local/share/cptbot`."""
    explicit = os.environ.get("CPTBOT_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg and Path(xdg).is_absolute():  # the XDG spec says to ignore a relative value
        return Path(xdg) / "cptbot"
    return Path.home() / ".local" / "share" / "cptbot"


# --- records ------------------------------------------------------------------------------------------


class SourceFile(Record, eq=False):
    """A file an import read: enough to prove later which CMS file a number came from."""

    name: str  # the file's own name, e.g. "PPRRVU2026_Jul_nonQPP.csv"
    kind: str  # "rvu", "gpci", "counties" or "zip5"
    sha256: str
    size: int
    archive: str = ""  # the zip it was in, e.g. "RVU26C.zip"
    archive_sha256: str = ""

    @property
    def display(self) -> str:
        return f"{self.archive.rstrip('/')}/{self.name}" if self.archive else self.name

    @classmethod
    def of(cls, item: CmsInput, kind: str) -> SourceFile:
        return cls(name=item.name, kind=kind, sha256=item.sha256, size=len(item.data), archive=item.archive,
                   archive_sha256=item.archive_sha256)


# --- the loaded store -----------------------------------------------------------------------------------


class _Db:
    """One read-only connection to the current store database, shared by every thread of the process.

    The file is opened `mode=ro&immutable=1`: an import never changes a published database, it replaces the
    file whole (`os.replace`), so a process keeps reading the inode it opened while new processes see the
    new one. SQLite's own locking is then useless work and is skipped.
    """

    def __init__(self, path: Path):
        self.path = path
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1"
        self.con = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self.lock = threading.Lock()
        self._rvu_columns: tuple[str, ...] | None = None

    @property
    def rvu_columns(self) -> tuple[str, ...]:
        """The `Rvu` fields this database stores (one written before a field was added lacks it)."""
        if self._rvu_columns is None:
            have = {r[1] for r in self.all("PRAGMA table_info(rvus)")}
            self._rvu_columns = tuple(f for f in RVU_FIELDS if f in have)
        return self._rvu_columns

    def one(self, sql: str, args: tuple = ()) -> tuple | None:
        with self.lock:
            return self.con.execute(sql, args).fetchone()

    def all(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self.lock:
            return self.con.execute(sql, args).fetchall()


_RVU_SELECT = ", ".join(RVU_FIELDS)


class RvuTable(Mapping[tuple[str, str], Rvu]):
    """A release's RVU rows keyed by (code, modifier), read from SQLite when asked for; thread-safe.

    It behaves as the read-only dict `FeeYear.rvus` is everywhere else (`get`, `in`, iteration, `len`). A
    row is one indexed lookup (a few microseconds) and is kept once made; walking the whole table reads
    every row once.
    """

    def __init__(self, db: _Db, name: str, rows: int):
        self._db, self._name, self._rows = db, name, rows
        self._made: dict[tuple[str, str], Rvu | None] = {}
        self._all_made = False

    def _get(self, key: object) -> Rvu | None:
        made = self._made.get(key, False)  # type: ignore[call-overload]
        if made is not False:
            return made  # type: ignore[return-value]
        if self._all_made or not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key)):
            return None  # once the table has been walked every row is made: a key not among them is no row
        columns = self._db.rvu_columns
        row = self._db.one(f"SELECT {', '.join(columns)} FROM rvus WHERE release = ? AND code = ? AND modifier = ?",
                           (self._name, *key))
        rvu = None if row is None else _row_to_rvu(row, columns)
        if len(self._made) < 100_000:
            self._made[key] = rvu  # type: ignore[index]
        return rvu

    def __getitem__(self, key: tuple[str, str]) -> Rvu:
        rvu = self._get(key)
        if rvu is None:
            raise KeyError(key)
        return rvu

    def get(self, key: tuple[str, str], default: Any = None) -> Any:  # type: ignore[override]
        rvu = self._get(key)
        return default if rvu is None else rvu

    def __contains__(self, key: object) -> bool:
        return self._get(key) is not None

    def __len__(self) -> int:
        return self._rows

    def _all(self) -> dict[tuple[str, str], Rvu]:
        """Every row as an `Rvu`, in file order, read in one query (for callers that walk the whole table)."""
        if not self._all_made:
            columns = self._db.rvu_columns
            rows = self._db.all(f"SELECT {', '.join(columns)} FROM rvus WHERE release = ? ORDER BY line",
                                (self._name,))
            made = self._made
            fresh: dict[tuple[str, str], Rvu | None] = {}
            for row in rows:
                key = (row[0], row[1])
                fresh[key] = made.get(key) or _row_to_rvu(row, columns)
            self._made, self._all_made = fresh, True
        return self._made  # type: ignore[return-value]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._all())

    def values(self) -> ValuesView[Rvu]:
        return self._all().values()

    def items(self) -> ItemsView[tuple[str, str], Rvu]:
        return self._all().items()

    def column(self, name: str) -> list[Any]:
        """One field of every row, in file order (e.g. all descriptions, for a search index)."""
        if name not in RVU_FIELDS:
            raise KeyError(name)
        if name not in self._db.rvu_columns:
            return [_RVU_DEFAULTS[name]] * self._rows
        return [r[0] for r in self._db.all(f"SELECT {name} FROM rvus WHERE release = ? ORDER BY line",
                                           (self._name,))]

    def where_set(self, name: str) -> list[tuple[str, str, Any]]:
        """(code, modifier, value) of the rows whose field `name` is set (not empty), in file order: one query,
        without making an `Rvu` of every row (a question about endoscopy families needs ~1,000 of 19,000)."""
        if name not in RVU_FIELDS:
            raise KeyError(name)
        if name not in self._db.rvu_columns:
            return []
        return self._db.all(f"SELECT code, modifier, {name} FROM rvus WHERE release = ? AND {name} IS NOT NULL "
                            f"AND {name} != '' ORDER BY line", (self._name,))

    def __repr__(self) -> str:
        return f"<RvuTable {self._name} {self._rows} rows>"


def _row_to_rvu(row: tuple, columns: tuple[str, ...]) -> Rvu:
    if len(columns) == len(RVU_FIELDS):
        values = list(row)
    else:  # a database written before a field with a default was added to Rvu
        got = dict(zip(columns, row, strict=True))
        values = [got[f] if f in got else _RVU_DEFAULTS[f] for f in RVU_FIELDS]
    for i in _FLAG_COLUMNS:
        values[i] = bool(values[i])
    return Rvu._from_fields(values)  # the store's columns are its fields, in order


_RVU_DEFAULTS = {f.name: f.default for f in fields(Rvu) if f.default is not MISSING}


_FLAG_COLUMNS = tuple(i for i, f in enumerate(fields(Rvu)) if f.type == "bool")


class ZipTable(Mapping[str, tuple[str, str]]):
    """ZIP code -> (MAC, locality number), one indexed lookup each."""

    def __init__(self, db: _Db | None, count: int):
        self._db, self._count = db, count

    def __getitem__(self, key: str) -> tuple[str, str]:
        row = self._db.one("SELECT mac, locality FROM zips WHERE zip = ?", (key,)) \
            if self._db is not None and isinstance(key, str) else None
        if row is None:
            raise KeyError(key)
        return row[0], row[1]

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        if self._db is None:
            return iter(())
        return iter([r[0] for r in self._db.all("SELECT zip FROM zips ORDER BY zip")])

    def __len__(self) -> int:
        return self._count


class EditSet(Record, frozen=True):
    """One imported NCCI table: the PTP edits or the MUEs of one setting, effective from one quarter."""

    id: int
    kind: str  # "ptp" or "mue"
    setting: str  # "practitioner", "hospital" or "dme"
    effective: str  # ISO date the quarter takes effect, e.g. "2024-07-01"
    rows: int
    active: int  # PTP: pairs without a deletion date
    imported: str
    sources: tuple[SourceFile, ...]

    @property
    def quarter(self) -> str:
        from bot.ncci_files import quarter_label

        return quarter_label(date.fromisoformat(self.effective))


class PtpEdit(Record, frozen=True):
    """One PTP edit as CMS lists it: `column1` is paid, `column2` is denied when both are billed."""

    column1: str
    column2: str
    effective: int | None  # YYYYMMDD, None when the file leaves it empty
    deleted: int | None  # YYYYMMDD the edit stopped applying; None while active
    modifier: int  # 0, 1 or 9
    rationale: str
    prior_1996: bool


class Mue(Record, frozen=True):
    code: str
    value: int
    indicator: int  # 1 claim line, 2 date of service (policy), 3 date of service (clinical)
    rationale: str


class NcciTables:
    """Read access to the imported NCCI edits. Empty (no sets) when none were imported."""

    def __init__(self, db: _Db | None, sets: list[EditSet]):
        self._db = db
        self.sets = sorted(sets, key=lambda s: (s.kind, s.setting, s.effective), reverse=True)

    def of(self, kind: str, setting: str) -> list[EditSet]:
        """The sets of one kind and setting, newest quarter first."""
        return [s for s in self.sets if s.kind == kind and s.setting == setting]

    def pair(self, edit_set: EditSet, a: str, b: str) -> list[PtpEdit]:
        """The edits between two codes in either order (CMS lists most pairs once; a few both ways)."""
        if self._db is None or not (is_code_key(a) and is_code_key(b)) or a == b:
            return []
        ab, ba = pair_key(edit_set.id, a, b), pair_key(edit_set.id, b, a)
        rows = self._db.all(
            "SELECT pair, effective, deleted, modifier, r.text, prior_1996 FROM ptp "
            "LEFT JOIN rationales r ON r.id = ptp.rationale "
            "WHERE pair BETWEEN ? AND ? OR pair BETWEEN ? AND ? ORDER BY pair", (ab, ab + SEQ_MAX, ba, ba + SEQ_MAX))
        return [PtpEdit(*((a, b) if r[0] - (r[0] & SEQ_MAX) == ab else (b, a)), r[1], r[2], r[3], r[4] or "",
                        bool(r[5])) for r in rows]

    def mue(self, edit_set: EditSet, code: str) -> Mue | None:
        if self._db is None:
            return None
        r = self._db.one("SELECT code, value, indicator, r.text FROM mue LEFT JOIN rationales r "
                         "ON r.id = mue.rationale WHERE edit_set = ? AND code = ?", (edit_set.id, code))
        return None if r is None else Mue(r[0], r[1], r[2], r[3] or "")


SEQ_BITS, CODE_BITS = 3, 26  # 36**5 codes fit in 26 bits; up to 8 rows per pair; 255 edit sets
SEQ_MAX = (1 << SEQ_BITS) - 1


def is_code_key(code: str) -> bool:
    return len(code) == 5 and code.isascii() and code.isalnum()


def pair_key(edit_set: int, column1: str, column2: str) -> int:
    """The integer key of a PTP pair's first row (see the `ptp` table); `seq` is added to it."""
    return (edit_set << (2 * CODE_BITS + SEQ_BITS)) | (int(column1, 36) << (CODE_BITS + SEQ_BITS)) \
        | (int(column2, 36) << SEQ_BITS)


def _sort_key(fee_year: FeeYear) -> tuple[int, str]:
    return (fee_year.release.year, fee_year.release.name)


class Store(Record, eq=False):
    """What the data directory holds, ready for the engine.

    `releases` maps every imported release name to its `FeeYear`, newest first; `years` gives the newest
    release of each year (the one answers use); `zip_localities` maps a ZIP code to (MAC, locality number),
    the key of a `Locality` in every year. Localities carry their counties when a county file was imported.
    `ncci` reads the imported NCCI edits; `generation` changes with every import (caches key on it).
    """

    data_dir: Path
    releases: dict[str, FeeYear]
    zip_localities: Mapping[str, tuple[str, str]]
    sources: dict[str, tuple[SourceFile, ...]]  # release name (or "zip") -> its files
    ncci: NcciTables = field(default_factory=lambda: NcciTables(None, []))
    generation: str = ""
    db: _Db | None = None

    def __post_init__(self) -> None:
        self.releases = dict(sorted(self.releases.items(), key=lambda kv: _sort_key(kv[1]), reverse=True))

    @cached_property
    def years(self) -> dict[int, FeeYear]:
        """The newest release of each year: the one answers quote."""
        years: dict[int, FeeYear] = {}
        for fee_year in self.releases.values():
            years.setdefault(fee_year.year, fee_year)
        return years

    @property
    def newest(self) -> FeeYear | None:
        """The default release: the newest of the newest year."""
        return next(iter(self.releases.values()), None)

    def descriptions(self, year: int | str) -> dict[str, str]:
        """Code -> CMS short descriptor for a year (the newest release) or a release name.

        The descriptor of the global row is preferred (a 26/TC row repeats it with a suffix).
        """
        fee_year = self.releases[year] if isinstance(year, str) else self.years[year]
        rvus = fee_year.rvus
        if isinstance(rvus, RvuTable):
            rows = zip(rvus.column("code"), rvus.column("modifier"), rvus.column("description"), strict=True)
        else:
            rows = ((r.code, r.modifier, r.description) for r in rvus.values())
        out: dict[str, str] = {}
        for code, modifier, description in rows:
            if not modifier or code not in out:
                out[code] = description
        return out


def _source(d: dict) -> SourceFile:
    return SourceFile(**d)


def _locality(row: list, counties: dict[str, str] | None = None) -> Locality:
    """A locality from its stored row (mac, state, number, name, work, pe, mp GPCIs) and the year's counties."""
    mac, number = row[0], row[2]
    return Locality._from_fields((*row, counties.get(f"{mac}-{number}", "") if counties else ""))


def _counties_for(year: int, keys: set[str], county_files: dict[str, dict]) -> tuple[dict[str, str], str]:
    """The counties of a year's localities: the county file of that year, else the newest one that covers
    every locality (CMS's county file changes only when localities do; 2025's fits 2026 exactly)."""
    by_year = sorted(((int(y), c) for y, c in county_files.items()), key=lambda yc: (yc[0] == year, yc[0]),
                     reverse=True)
    for file_year, doc in by_year:
        areas = {f"{a[0]}-{a[1]}": a[4] for a in doc["areas"]}
        if file_year == year or keys <= set(areas):
            return areas, f"{doc['source']['name']} (CY{file_year})"
    return {}, ""


def _open(data_dir: Path) -> tuple[_Db, dict] | None:
    """The current database and its manifest, or None when nothing was imported."""
    path = data_dir / DATABASE
    if not path.exists():
        return None
    try:
        db = _Db(path)
        row = db.one("SELECT value FROM meta WHERE key = 'manifest'")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is damaged ({exc}); import the CMS files again to rebuild it.") from None
    if row is None:
        raise StoreError(f"{path} is damaged (no manifest); import the CMS files again to rebuild it.")
    try:
        doc = json.loads(row[0])
    except ValueError:
        raise StoreError(f"{path} is damaged (its manifest is not JSON); import the CMS files again.") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else None
        raise StoreError(f"{path} was written by another version of cptbot (format {got!r}, this one reads "
                         f"{FORMAT}); import the CMS files again.")
    return db, doc


def _read_manifest(data_dir: Path) -> dict | None:
    opened = _open(data_dir)
    if opened is None:
        return None
    db, doc = opened
    db.con.close()
    return doc


def _edit_sets(doc: dict) -> list[EditSet]:
    return [EditSet(id=s["id"], kind=s["kind"], setting=s["setting"], effective=s["effective"], rows=s["rows"],
                    active=s.get("active", 0), imported=s.get("imported", ""),
                    sources=tuple(_source(x) for x in s["sources"]))
            for s in doc.get("ncci", {}).values()]


def _build(data_dir: Path, db: _Db, doc: dict) -> Store:
    releases: dict[str, FeeYear] = {}
    sources: dict[str, tuple[SourceFile, ...]] = {}
    for name, r in doc["releases"].items():
        gpci = r.get("gpci")
        rows = gpci["localities"] if gpci else []
        # each locality's counties from the county file, read in with it (not a copy of each made after)
        counties, _ = _counties_for(r["year"], {f"{row[0]}-{row[2]}" for row in rows}, doc.get("counties", {})) \
            if rows else ({}, "")
        localities = tuple(_locality(row, counties) for row in rows)
        files = tuple(_source(s) for s in r["sources"]) + ((_source(gpci["source"]),) if gpci else ())
        release = Release(year=r["year"], name=name, title=r["title"], conversion_factor=r["conversion_factor"],
                          qp_conversion_factor=r.get("qp_conversion_factor"), released=r.get("released", ""),
                          source_file=files[0].name, sha256=files[0].sha256)
        rvus = RvuTable(db, name, r["rows"])
        releases[name] = FeeYear(release=release, rvus=rvus, localities=localities)  # type: ignore[arg-type]
        sources[name] = files
    zip_doc = doc.get("zip")
    zips = ZipTable(db if zip_doc else None, zip_doc["zips"] if zip_doc else 0)
    if zip_doc:
        sources["zip"] = (_source(zip_doc["source"]),)
    return Store(data_dir=data_dir, releases=releases, zip_localities=zips, sources=sources,
                 ncci=NcciTables(db, _edit_sets(doc)), generation=doc.get("generation", ""), db=db)


def load_store(data_dir: Path | None = None) -> Store | None:
    """The imported data, or None when nothing was imported. Takes about a millisecond: rows are read
    from SQLite when asked for, never loaded whole.

    Raises `StoreError` (one sentence) when the data directory is damaged or unreadable; the caller can
    keep answering from the shipped knowledge base.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    try:
        opened = _open(data_dir)
    except OSError as exc:
        raise StoreError(f"Cannot read the data in {data_dir}: {exc.strerror or exc}.") from None
    if opened is None:
        return None
    db, doc = opened
    missing = [f for f in RVU_FIELDS if f not in db.rvu_columns and f not in _RVU_DEFAULTS]
    if missing:
        raise StoreError(f"{data_dir / DATABASE} was written by another version of cptbot (no {missing[0]} column); "
                         "import the CMS files again.")
    try:
        return _build(data_dir, db, doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"{data_dir / DATABASE} is damaged ({exc!r}); import the CMS files again.") from None


def status(data_dir: Path | None = None) -> StoreStatus:
    """What `cptbot kb status` prints: releases with counts, conversion factors and source SHA-256."""
    from bot.store_reports import ReleaseStatus, StoreStatus, ZipStatus

    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    doc = _read_manifest(data_dir) or {"releases": {}, "counties": {}, "zip": None}
    counties = doc.get("counties", {})
    rows = sorted(doc["releases"].items(), key=lambda kv: (kv[1]["year"], kv[0]), reverse=True)
    seen_years: set[int] = set()
    releases = []
    for name, r in rows:
        gpci = r.get("gpci")
        keys = {f"{loc[0]}-{loc[2]}" for loc in gpci["localities"]} if gpci else set()
        _, counties_from = _counties_for(r["year"], keys, counties) if keys else ({}, "")
        releases.append(ReleaseStatus(
            name=name, year=r["year"], title=r["title"], released=r.get("released", ""),
            conversion_factor=r["conversion_factor"], qp_conversion_factor=r.get("qp_conversion_factor"),
            rows=r["rows"], codes=r["codes"], localities=len(keys), counties_from=counties_from,
            default=r["year"] not in seen_years, imported=r.get("imported", ""),
            sources=tuple(_source(s) for s in r["sources"]) + ((_source(gpci["source"]),) if gpci else ())))
        seen_years.add(r["year"])
    county_files = [(int(y), len(c["areas"]), _source(c["source"])) for y, c in sorted(counties.items())]
    z = doc.get("zip")
    zip_status = ZipStatus(zips=z["zips"], year_quarter=z["year_quarter"], localities=z["localities"],
                           imported=z.get("imported", ""), source=_source(z["source"])) if z else None
    return StoreStatus(data_dir=data_dir, releases=releases, county_files=county_files, zip=zip_status,
                       ncci=sorted(_edit_sets(doc), key=lambda s: (s.kind, s.setting, s.effective), reverse=True))


# --- importing ---------------------------------------------------------------------------------------


class _Parsed(Record, eq=False):
    """Everything read from the inputs, before anything is written."""

    rvus: list[tuple[RvuFile, str, CmsInput]] = field(default_factory=list)  # (file, release name, input)
    qp: dict[str, tuple[float, CmsInput]] = field(default_factory=dict)  # release -> QP CF and its file
    gpcis: dict[int, tuple[tuple[Locality, ...], CmsInput]] = field(default_factory=dict)
    counties: dict[int, tuple[CountyFile, CmsInput]] = field(default_factory=dict)
    zip5: tuple[ZipLocalityFile, CmsInput] | None = None


def _parse(inputs: list[CmsInput], notes: list[str]) -> _Parsed:
    from bot.cms import (
        EXPECTED,
        KINDS,
        CmsFileError,
        classify,
        parse_county_text,
        parse_gpci_text,
        parse_rvu_text,
        parse_zip5_text,
        peek_rvu_text,
        rvu_release,
    )

    parsed = _Parsed()
    for item in inputs:
        kind = classify(item)
        if kind in SKIPPED_KINDS and not item.picked:
            notes.append(f"skipped {item.display}: {KINDS[kind]}")
            continue
        if kind == "rvu" and item.qp_only:
            peek = peek_rvu_text(item.text, item.display)
            parsed.qp[rvu_release(peek, item.name)] = (peek.conversion_factor, item)
        elif kind == "rvu":
            rvu = parse_rvu_text(item.text, item.display)
            parsed.rvus.append((rvu, rvu_release(rvu, item.name), item))
        elif kind == "gpci":
            year, localities = parse_gpci_text(item.text, item.display)
            if year in parsed.gpcis:
                raise CmsFileError(item.display, f"a second CY{year} GPCI file (the first is "
                                                 f"{parsed.gpcis[year][1].display}); import one")
            parsed.gpcis[year] = (localities, item)
        elif kind == "counties":
            county_file = parse_county_text(item.text, item.display)
            if county_file.year in parsed.counties:
                raise CmsFileError(item.display, f"a second CY{county_file.year} county file (the first is "
                                                 f"{parsed.counties[county_file.year][1].display}); import one")
            parsed.counties[county_file.year] = (county_file, item)
        elif kind == "zip5":
            zip_file = parse_zip5_text(item.text, item.display)
            if parsed.zip5 is not None:
                raise CmsFileError(item.display, f"a second ZIP code file (the first is {parsed.zip5[1].display}); "
                                                 "import one")
            parsed.zip5 = (zip_file, item)
        else:
            extra = f" (expected {EXPECTED})" if kind == "unknown" else ""
            raise CmsFileError(item.display, KINDS[kind] + extra)
    _pair_variants(parsed, notes)
    return parsed


def _pair_variants(parsed: _Parsed, notes: list[str]) -> None:
    """Two files of one release: a nonQPP file wins over its QPP twin, which lends its conversion factor."""
    from bot.cms import CmsFileError, rvu_variant

    by_release: dict[str, list[tuple[RvuFile, str, CmsInput]]] = {}
    for entry in parsed.rvus:
        by_release.setdefault(entry[1], []).append(entry)
    kept = []
    for release, entries in by_release.items():
        if len(entries) == 1:
            kept.append(entries[0])
            if rvu_variant(entries[0][2].name) == "QPP" and release not in parsed.qp:
                notes.append(f"{entries[0][2].display} is the QPP variant: its conversion factor "
                             f"(${entries[0][0].conversion_factor:.4f}) is for qualifying APM participants only; "
                             "import the nonQPP file for everyone else's amounts")
            continue
        non_qpp = [e for e in entries if rvu_variant(e[2].name) == "nonQPP"]
        qpp = [e for e in entries if rvu_variant(e[2].name) == "QPP"]
        if len(non_qpp) == 1 and len(qpp) == len(entries) - 1 == 1:
            kept.append(non_qpp[0])
            parsed.qp[release] = (qpp[0][0].conversion_factor, qpp[0][2])
            notes.append(f"{release}: imported {non_qpp[0][2].display} and took only the QP conversion factor "
                         f"from {qpp[0][2].display}")
            continue
        names = " and ".join(e[2].display for e in entries)
        raise CmsFileError(entries[1][2].display, f"{names} are both release {release}; import one of them")
    parsed.rvus = kept


def _check(parsed: _Parsed, current: dict, notes: list[str]) -> None:
    """Cross-file checks before anything is written: years agree, ZIPs and counties name real localities."""
    from bot.cms import CmsFileError, rvu_variant

    # A QPP file on its own, for a release already imported from its nonQPP twin: keep the twin's rows
    # (the amounts most clinicians are paid) and take the QP conversion factor only.
    for entry in list(parsed.rvus):
        rvu, name, item = entry
        stored = current["releases"].get(name)
        if (rvu_variant(item.name) == "QPP" and stored is not None
                and rvu_variant(stored["sources"][0]["name"]) == "nonQPP"):
            parsed.rvus.remove(entry)
            parsed.qp[name] = (rvu.conversion_factor, item)
            notes[:] = [n for n in notes if not n.startswith(f"{item.display} is the QPP variant")]
            notes.append(f"{name} keeps the rows of {stored['sources'][0]['name']}; {item.display} adds its QP "
                         f"conversion factor (${rvu.conversion_factor:.4f})")
    rvu_years = {rvu.year for rvu, _, _ in parsed.rvus}
    stored_years = {r["year"] for r in current["releases"].values()}
    for release, (_, item) in parsed.qp.items():
        if release not in {name for _, name, _ in parsed.rvus} and release not in current["releases"]:
            raise CmsFileError(item.display, f"is the QPP file of {release}, imported only with its nonQPP twin")
    for year, (_, item) in parsed.gpcis.items():
        if rvu_years and year not in rvu_years:
            rvu_names = ", ".join(f"{i.display} (CY{r.year})" for r, _, i in parsed.rvus)
            raise CmsFileError(item.display, f"holds the CY{year} GPCIs, but the RVU file imported with it is "
                                             f"{rvu_names}: use the GPCI file of the same year", line=1)
        if not rvu_years and year not in stored_years:
            raise CmsFileError(item.display, f"holds the CY{year} GPCIs, but no CY{year} RVU release is "
                                             "imported: import it together with the PPRRVU file", line=1)
    for rvu, _, item in parsed.rvus:
        if len(rvu.rows) < FEW_ROWS:
            notes.append(f"{item.display} has only {len(rvu.rows):,} rows; CMS's national RVU file has about "
                         "19,000: is it the complete file?")

    known: dict[int, tuple[set[str], str]] = {}  # year -> locality keys, the file they come from
    for r in current["releases"].values():
        if r.get("gpci"):
            known[r["year"]] = ({f"{loc[0]}-{loc[2]}" for loc in r["gpci"]["localities"]},
                                r["gpci"]["source"]["name"])
    for year, (localities, item) in parsed.gpcis.items():
        known[year] = ({loc.key for loc in localities}, item.display)

    for year, (county_file, item) in parsed.counties.items():
        area_keys = {a.key for a in county_file.areas}
        if year in known:
            keys, gpci_name = known[year]
            strays = [a for a in county_file.areas if a.key not in keys]
            if strays:
                a = strays[0]
                raise CmsFileError(item.display, f"locality {a.key} ({a.state}, {a.area}) is not in {gpci_name}",
                                   line=a.line, column="Locality Number")
        elif not known:
            notes.append(f"{item.display}: no GPCI file to check its localities against")
        fits = sorted(y for y, (k, _) in known.items() if y != year and k <= area_keys)
        misfits = sorted(y for y in known if y != year and y not in fits)
        if fits:
            notes.append(f"{item.display} (CY{year}) also describes the CY{', CY'.join(map(str, fits))} localities "
                         "(the same locality numbers) and is used for them")
        if misfits:
            notes.append(f"{item.display} (CY{year}) does not fit the CY{', CY'.join(map(str, misfits))} localities "
                         "and is not used for them")

    if parsed.zip5 is not None:
        zip_file, item = parsed.zip5
        if not known:
            notes.append(f"{item.display}: no GPCI file to check its localities against")
            return
        year = zip_file.year if zip_file.year in known else max(known)
        keys, gpci_name = known[year]
        for (mac, number), (line, z) in sorted(zip_file.first_line.items(), key=lambda kv: kv[1][0]):
            if f"{mac}-{number}" not in keys:
                raise CmsFileError(item.display, f"ZIP {z} is in locality {mac}-{number}, which {gpci_name} does "
                                                 "not have", line=line, column="Carrier")
        # Every locality has ZIP codes; a file cut between two records lacks the last states' localities.
        without = keys - {f"{mac}-{number}" for mac, number in zip_file.first_line}
        if len(without) > len(keys) // 10:
            raise CmsFileError(item.display, f"no ZIP code in {len(without)} of the {len(keys)} localities of "
                                             f"{gpci_name} (e.g. {min(without)}): is the file truncated?",
                               line=zip_file.last_line)
        if without:
            notes.append(f"{item.display}: no ZIP code in locality {', '.join(sorted(without))}")


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rvus (release TEXT NOT NULL, line INTEGER NOT NULL, {rvu_columns},
    PRIMARY KEY (release, code, modifier)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS zips (zip TEXT PRIMARY KEY, mac TEXT NOT NULL, locality TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rationales (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS ptp (pair INTEGER PRIMARY KEY, effective INTEGER, deleted INTEGER,
    modifier INTEGER NOT NULL, rationale INTEGER NOT NULL, prior_1996 INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mue (edit_set INTEGER NOT NULL, code TEXT NOT NULL, value INTEGER NOT NULL,
    indicator INTEGER NOT NULL, rationale INTEGER NOT NULL, PRIMARY KEY (edit_set, code)) WITHOUT ROWID;
"""
_SQL_TYPES = {"str": "TEXT", "float": "REAL", "bool": "INTEGER"}
RVU_COLUMNS = ", ".join(f"{f.name} {_SQL_TYPES.get(f.type, 'TEXT')}" for f in fields(Rvu))


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@contextlib.contextmanager
def _import_lock(data_dir: Path) -> Iterator[None]:
    """One import at a time per data directory (two at once would each drop the other's release)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; imports there are rare and manual
        yield
        return
    with open(data_dir / LOCK, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _insert_rvus(con: sqlite3.Connection, release: str, rows: Iterable[Rvu]) -> None:
    con.execute("DELETE FROM rvus WHERE release = ?", (release,))
    marks = ", ".join("?" * (len(RVU_FIELDS) + 2))
    con.executemany(f"INSERT INTO rvus (release, line, {_RVU_SELECT}) VALUES ({marks})",
                    ((release, i, *astuple(r)) for i, r in enumerate(rows)))


def _compose(parsed: _Parsed, current: dict, con: sqlite3.Connection, report: ImportReport) -> dict:
    """The new manifest: the current one with this import's releases, GPCIs, counties and ZIPs applied
    (their rows written into `con`, the database being built)."""
    from bot.store_reports import ImportedRelease

    now = _now()
    doc = {"format": FORMAT, "updated": now, "releases": dict(current["releases"]),
           "counties": dict(current.get("counties", {})), "zip": current.get("zip"),
           "ncci": dict(current.get("ncci", {}))}

    def gpci_doc(year: int) -> dict:
        localities, item = parsed.gpcis[year]
        return {"year": year, "source": asdict(SourceFile.of(item, "gpci")),
                "localities": [[loc.mac, loc.state, loc.number, loc.name, loc.work_gpci, loc.pe_gpci, loc.mp_gpci]
                               for loc in localities]}

    for rvu, name, item in parsed.rvus:
        gpci = gpci_doc(rvu.year) if rvu.year in parsed.gpcis else None
        if gpci is None:  # keep the GPCIs an earlier release of the same year came with
            same_year = sorted((r for r in doc["releases"].values() if r["year"] == rvu.year and r.get("gpci")),
                               key=lambda r: r["name"], reverse=True)
            gpci = same_year[0]["gpci"] if same_year else None
            if gpci is None:
                report.notes.append(f"no CY{rvu.year} GPCI file: {name} answers give national amounts until "
                                    f"GPCI{rvu.year}.csv is imported")
        qp = parsed.qp.get(name)
        source = SourceFile.of(item, "rvu")
        sources = [asdict(source)] + ([asdict(SourceFile.of(qp[1], "rvu"))] if qp else [])
        codes = len({r.code for r in rvu.rows})
        replaced = name in doc["releases"]
        if replaced and doc["releases"][name]["sources"][0]["sha256"] == source.sha256:
            report.notes.append(f"{name} was already imported from the same file; imported again")
        month = MONTHS[name[-1]]
        _insert_rvus(con, name, rvu.rows)
        doc["releases"][name] = {
            "name": name, "year": rvu.year, "title": f"CMS Physician Fee Schedule CY{rvu.year}, {month} release "
                                                     f"({name})",
            "conversion_factor": rvu.conversion_factor, "qp_conversion_factor": qp[0] if qp else None,
            "released": rvu.released, "rows": len(rvu.rows), "codes": codes, "imported": now,
            "sources": sources, "gpci": gpci,
        }
        report.releases.append(ImportedRelease(
            name=name, year=rvu.year, title=doc["releases"][name]["title"], released=rvu.released,
            conversion_factor=rvu.conversion_factor, qp_conversion_factor=qp[0] if qp else None,
            rows=len(rvu.rows), codes=codes, localities=len(gpci["localities"]) if gpci else 0,
            replaced=replaced, source=source))
        report.sources.append(source)
        newer = [n for n, r in doc["releases"].items() if r["year"] == rvu.year and n > name]
        if newer:
            report.notes.append(f"{max(newer)} stays the default for CY{rvu.year}: it is newer than {name}")
    for name, (cf, item) in parsed.qp.items():
        if name not in {n for _, n, _ in parsed.rvus}:  # a QPP file for a stored release: its CF only
            stored = doc["releases"][name] = dict(doc["releases"][name])
            source = asdict(SourceFile.of(item, "rvu"))
            stored["qp_conversion_factor"] = cf
            stored["sources"] = [*stored["sources"][:1], source]
            report.sources.append(SourceFile.of(item, "rvu"))
    imported_years = {rvu.year for rvu, _, _ in parsed.rvus}
    for year in parsed.gpcis:
        report.localities = max(report.localities, len(parsed.gpcis[year][0]))
        report.sources.append(SourceFile.of(parsed.gpcis[year][1], "gpci"))
        if year not in imported_years:  # a GPCI file on its own updates the stored releases of its year
            for r in doc["releases"].values():
                if r["year"] == year:
                    r["gpci"] = gpci_doc(year)
    for year, (county_file, item) in parsed.counties.items():
        source = SourceFile.of(item, "counties")
        doc["counties"][str(year)] = {"year": year, "source": asdict(source), "imported": now,
                                      "areas": [[a.mac, a.number, a.state, a.area, a.counties]
                                                for a in county_file.areas]}
        report.county_areas += len(county_file.areas)
        report.sources.append(source)
    if parsed.zip5 is not None:
        zip_file, item = parsed.zip5
        source = SourceFile.of(item, "zip5")
        con.execute("DELETE FROM zips")
        con.executemany("INSERT INTO zips VALUES (?, ?, ?)", ((z, m, n) for z, (m, n) in zip_file.zips.items()))
        doc["zip"] = {"year_quarter": zip_file.year_quarter, "zips": len(zip_file.zips),
                      "localities": len(zip_file.first_line), "imported": now, "source": asdict(source)}
        report.zips, report.zip_year_quarter = len(zip_file.zips), zip_file.year_quarter
        report.sources.append(source)
    return doc


def _ncci_source(s: Any) -> dict:
    return {"name": s.name, "kind": s.kind, "sha256": s.sha256, "size": s.size, "archive": s.archive,
            "archive_sha256": s.archive_sha256}


def _import_ncci(con: sqlite3.Connection, ptps: list, mues: list, doc: dict, report: ImportReport) -> None:
    """Write the NCCI edit sets: PTP pairs streamed from their parts, MUE rows; each set replaces the set of
    the same kind, setting and quarter."""
    from bot.ncci_files import CmsFileError, quarter_label

    if not ptps and not mues:
        return
    rationales = dict(con.execute("SELECT text, id FROM rationales").fetchall())
    fresh: dict[str, int] = {}

    def rationale_id(text: str) -> int:
        got = rationales.get(text)
        if got is None:
            got = rationales[text] = fresh[text] = len(rationales) + 1
        return got

    def set_id(kind: str, setting: str, effective: str) -> tuple[str, int, bool]:
        key = f"{kind}-{setting}-{effective}"
        old = doc["ncci"].get(key)
        if old is not None:
            if kind == "ptp":
                first = pair_key(old["id"], "00000", "00000")
                con.execute("DELETE FROM ptp WHERE pair BETWEEN ? AND ?",
                            (first, pair_key(old["id"] + 1, "00000", "00000") - 1))
            else:
                con.execute("DELETE FROM mue WHERE edit_set = ?", (old["id"],))
            return key, old["id"], True
        return key, max((s["id"] for s in doc["ncci"].values()), default=0) + 1, False

    now = _now()
    for ptp in ptps:
        effective = ptp.effective.isoformat()
        key, sid, replaced = set_id("ptp", ptp.setting, effective)
        counts = [0, 0]
        try:
            con.executemany("INSERT INTO ptp VALUES (?, ?, ?, ?, ?, ?)", _keyed(sid, ptp.rows(rationale_id), counts))
        except (sqlite3.IntegrityError, OverflowError):
            raise CmsFileError(", ".join(p.display for p in ptp.parts),
                               "lists a code pair again far from its first row, or more than 8 times (CMS keeps a "
                               "pair's rows together)") from None
        doc["ncci"][key] = {"id": sid, "kind": "ptp", "setting": ptp.setting, "effective": effective,
                            "rows": counts[0], "active": counts[1], "imported": now,
                            "sources": [_ncci_source(s) for s in ptp.sources]}
        report.ncci.append(f"PTP edits, {ptp.setting}, {quarter_label(ptp.effective)}: {counts[0]:,} pairs, "
                           f"{counts[1]:,} active{' (replaced the earlier import)' if replaced else ''}")
        report.sources.extend(SourceFile(**_ncci_source(s)) for s in ptp.sources)
    for mue in mues:
        effective = mue.effective.isoformat()
        key, sid, replaced = set_id("mue", mue.setting, effective)
        con.executemany("INSERT INTO mue VALUES (?, ?, ?, ?, ?)",
                        ((sid, code, value, indicator, rationale_id(why)) for code, value, indicator, why in mue.rows))
        doc["ncci"][key] = {"id": sid, "kind": "mue", "setting": mue.setting, "effective": effective,
                            "rows": len(mue.rows), "active": len(mue.rows), "imported": now,
                            "sources": [_ncci_source(mue.source)]}
        report.ncci.append(f"MUEs, {mue.setting}, {quarter_label(mue.effective)}: {len(mue.rows):,} codes"
                           f"{' (replaced the earlier import)' if replaced else ''}")
        report.sources.append(SourceFile(**_ncci_source(mue.source)))
    con.executemany("INSERT INTO rationales (id, text) VALUES (?, ?)", ((i, t) for t, i in fresh.items()))


def _keyed(edit_set: int, rows: Iterable[tuple[str, str, tuple]], counts: list[int]) -> Iterator[tuple]:
    """PTP rows as table rows: (pair key + seq, effective, deleted, modifier, rationale, prior_1996).

    Counts rows and active edits into `counts`. Raises OverflowError past 8 adjacent rows of one pair.
    """
    firsts: dict[str, int] = {}
    seconds: dict[str, int] = {}
    base = edit_set << (2 * CODE_BITS + SEQ_BITS)
    last, seq, rows_read, active = -1, 0, 0, 0
    for c1, c2, info in rows:
        a = firsts.get(c1)
        if a is None:
            a = firsts[c1] = int(c1, 36) << (CODE_BITS + SEQ_BITS)
        b = seconds.get(c2)
        if b is None:
            b = seconds[c2] = int(c2, 36) << SEQ_BITS
        key = base | a | b
        if key == last:
            seq += 1
            if seq > SEQ_MAX:
                raise OverflowError(c1 + c2)
        else:
            last, seq = key, 0
        rows_read += 1
        if info[1] is None:
            active += 1
        yield (key | seq, *info)
    counts[0], counts[1] = rows_read, active


def _write_names(con: sqlite3.Connection, tmp: Path, data_dir: Path, doc: dict) -> None:
    """The FTS5 index over every code's search words (bot.understanding.name_search), made from the releases
    just written and the shipped knowledge files, so the engine fetches candidate codes with one query."""
    from bot.catalog import merge_store, names_key, write_names
    from bot.knowledge import load_knowledge, shipped_dir
    from bot.understanding.name_search import stored_key

    db = _Db(tmp)  # the rows committed above; every name is read before the first is written
    try:
        kb = merge_store(load_knowledge(shipped_dir("knowledge")), _build(data_dir, db, doc))
        # the same releases and knowledge as the copied database's names (an NCCI-only import): kept as they are
        if kb.imported and stored_key(con) != names_key(kb):
            write_names(con, kb)
    finally:
        db.con.close()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # make a rename durable (POSIX)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_format_1(data_dir: Path, report: ImportReport) -> None:
    """Remove what the pickle-based store of earlier versions left (never read)."""
    old = data_dir / "store.json"
    if old.exists() or (data_dir / "objects").is_dir():
        with contextlib.suppress(OSError):
            old.unlink()
        import shutil
        with contextlib.suppress(OSError):
            shutil.rmtree(data_dir / "objects")
        report.notes.append("removed the data of an earlier cptbot version (store.json, objects/)")
    for stale in data_dir.glob(f".{DATABASE}.tmp-*"):
        with contextlib.suppress(OSError):
            stale.unlink()


def import_paths(paths: Iterable[str | Path], data_dir: Path | None = None,
                 effective: date | None = None) -> ImportReport:
    """Import CMS files (the RVU zip, or PPRRVU/GPCI/LOCCO CSVs, the ZIP5 file) and NCCI edit files (PTP
    zips or parts, MUE CSVs; `effective` names their quarter when neither name nor text does).

    Everything is built into a new database beside the current one, which is then swapped in with one
    `os.replace`: on any error (`CmsFileError` for a bad file, `StoreError` for an unwritable directory)
    the previous data is untouched. Releases and edit quarters already stored stay; one imported again is
    replaced.
    """
    from bot.cms import EXPECTED, KINDS, CmsFileError, classify, gather_inputs
    from bot.ncci_files import is_ncci, read_ncci
    from bot.store_reports import ImportReport

    started = time.perf_counter()
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    report = ImportReport(data_dir=data_dir)
    paths = list(paths)
    ncci_paths = [p for p in paths if is_ncci(p)]
    cms_paths = [p for p in paths if p not in ncci_paths]
    parsed = _Parsed()
    if cms_paths or not ncci_paths:
        inputs, notes = gather_inputs(cms_paths)
        report.notes.extend(notes)
        parsed = _parse(inputs, report.notes)
        if not (parsed.rvus or parsed.qp or parsed.gpcis or parsed.counties or parsed.zip5):
            why = "; ".join(KINDS[classify(i)] for i in inputs[:3])
            raise CmsFileError(", ".join(i.display for i in inputs), f"{why}: nothing to import (name {EXPECTED})")
    ptps, mues, ncci_notes = read_ncci(ncci_paths, effective) if ncci_paths else ([], [], [])
    report.notes.extend(ncci_notes)
    tmp = data_dir / f".{DATABASE}.tmp-{os.getpid()}-{time.time_ns()}"
    import shutil  # only an import copies; a start that reads the store skips it

    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with _import_lock(data_dir):
            try:
                current = _read_manifest(data_dir)
            except StoreError as exc:
                report.notes.append(f"the previous data could not be read and is replaced ({exc})")
                current = None
            if current is not None:
                shutil.copyfile(data_dir / DATABASE, tmp)
            current = current or {"releases": {}, "counties": {}, "zip": None, "ncci": {}}
            _check(parsed, current, report.notes)
            con = sqlite3.connect(tmp, isolation_level=None)
            try:
                con.execute("PRAGMA journal_mode = OFF")  # a failed build is thrown away whole: no journal
                con.execute("PRAGMA synchronous = OFF")  # the finished file is fsynced once below
                con.executescript(SCHEMA.format(rvu_columns=RVU_COLUMNS))
                con.execute("BEGIN")
                doc = _compose(parsed, current, con, report)
                _import_ncci(con, ptps, mues, doc, report)
                doc["generation"] = f"{time.time_ns():x}"
                con.execute("INSERT OR REPLACE INTO meta VALUES ('manifest', ?)",
                            (json.dumps(doc, ensure_ascii=False),))
                con.execute("COMMIT")
                con.execute("BEGIN")
                _write_names(con, tmp, data_dir, doc)
                con.execute("COMMIT")
            finally:
                con.close()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, data_dir / DATABASE)
            _fsync_dir(data_dir)
            _remove_format_1(data_dir, report)
    except OSError as exc:
        raise StoreError(f"cannot write to {data_dir} ({exc.strerror or exc})") from None
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write to {data_dir} ({exc})") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    report.seconds = time.perf_counter() - started
    return report
