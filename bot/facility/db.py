"""The facility data in SQLite: `facility.sqlite3` in the data directory.

An import builds a new database file beside the old one (copying the datasets it does not replace), then
swaps it in with one `os.replace`: a reader sees the old file or the new one, never half of either, and a
failed import leaves the old file untouched. Each dataset (one CMS file: a quarter of ASC Addendum AA, a
year of anesthesia conversion factors, ...) is replaced as a whole when the same kind and period is imported
again; other periods stay side by side and answers use the newest.

Answers query the file directly (indexed lookups of a few microseconds), so loading the bot costs one
`open`, not the parsing of 40,000 rows. Connections are read-only and one per thread (the Slack server
answers from several threads).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.record import Record

if TYPE_CHECKING:  # the readers are needed to import files, not to answer
    from bot.facility.readers import Dataset

DB_NAME = "facility.sqlite3"
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE dataset (kind TEXT, period TEXT, year INTEGER, title TEXT, source TEXT, sha256 TEXT, size INTEGER,
                      rows INTEGER, imported TEXT, extra TEXT, PRIMARY KEY (kind, period));
CREATE TABLE opps (period TEXT, code TEXT, descriptor TEXT, ci TEXT, si TEXT, apc TEXT, weight REAL, rate REAL,
                   copay_national REAL, copay_minimum REAL, copay_adjusted REAL, note TEXT,
                   PRIMARY KEY (code, period));
CREATE TABLE apc (period TEXT, apc TEXT, title TEXT, si TEXT, weight REAL, rate REAL, copay_minimum REAL,
                  PRIMARY KEY (apc, period));
CREATE TABLE asc (period TEXT, addendum TEXT, code TEXT, descriptor TEXT, mpd TEXT, pi TEXT, weight REAL,
                  rate REAL, PRIMARY KEY (code, period, addendum));
CREATE TABLE anes_base (period TEXT, code TEXT, units REAL, PRIMARY KEY (code, period));
CREATE TABLE anes_cf (period TEXT, mac TEXT, locality TEXT, name TEXT, cf REAL, PRIMARY KEY (mac, locality, period));
CREATE TABLE hcpcs (period TEXT, code TEXT, long TEXT, short TEXT, PRIMARY KEY (code, period));
"""
# kind -> (table, how a dataset's rows become table rows)
TABLES = {"opps_b": "opps", "opps_a": "apc", "asc_aa": "asc", "asc_bb": "asc", "anes_base": "anes_base",
          "anes_cf": "anes_cf", "hcpcs": "hcpcs"}
KIND_LABELS = {"opps_b": "OPPS Addendum B", "opps_a": "OPPS Addendum A", "asc_aa": "ASC Addendum AA",
               "asc_bb": "ASC Addendum BB", "anes_base": "anesthesia base units", "anes_cf": "anesthesia CFs",
               "hcpcs": "HCPCS Level II"}


class FacilityStoreError(Exception):
    """The facility database cannot be read or written; the message is one sentence for the user."""


def _rows_for(d: Dataset) -> tuple[str, list[tuple]]:
    if d.kind in ("asc_aa", "asc_bb"):
        addendum = d.kind[-2:].upper()
        return "asc", [(d.period, addendum, *r) for r in d.rows]
    return TABLES[d.kind], [(d.period, *r) for r in d.rows]


class Written(Record, eq=False):
    kind: str
    period: str
    title: str
    rows: int
    replaced: bool
    source: str
    extra: dict


def write(datasets: list[Dataset], data_dir: Path) -> list[Written]:
    """Store `datasets` (already parsed and checked) in a new database file and swap it in.

    Raises FacilityStoreError when the directory
    cannot be written; the previous database is then unchanged.
    """
    import tempfile  # only an import writes; readers skip it
    path = data_dir / DB_NAME
    tmp = None
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with _lock(data_dir):
            fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=f".{DB_NAME}.tmp-")
            os.close(fd)
            con = sqlite3.connect(tmp)
            try:
                con.executescript(SCHEMA)
                con.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                new_keys = {(d.kind, d.period) for d in datasets}
                old_keys: set[tuple[str, str]] = set()
                if path.exists() and _readable(path):
                    con.execute("ATTACH DATABASE ? AS old", (str(path),))
                    kept = [k for k in con.execute("SELECT kind, period FROM old.dataset") if k not in new_keys]
                    old_keys = {tuple(k) for k in con.execute("SELECT kind, period FROM old.dataset")}
                    for kind, period in kept:
                        con.execute("INSERT INTO dataset SELECT * FROM old.dataset WHERE kind=? AND period=?",
                                    (kind, period))
                        table = TABLES[kind]
                        if table == "asc":
                            con.execute("INSERT INTO asc SELECT * FROM old.asc WHERE period=? AND addendum=?",
                                        (period, kind[-2:].upper()))
                        else:
                            con.execute(f"INSERT INTO {table} SELECT * FROM old.{table} WHERE period=?", (period,))
                    con.commit()
                    con.execute("DETACH DATABASE old")
                now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                out = []
                for d in datasets:
                    table, rows = _rows_for(d)
                    marks = ",".join("?" * len(rows[0]))
                    con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
                    con.execute("INSERT INTO dataset VALUES (?,?,?,?,?,?,?,?,?,?)",
                                (d.kind, d.period, d.year, d.title, d.name, d.sha256, d.size, len(d.rows), now,
                                 json.dumps(d.extra)))
                    out.append(Written(d.kind, d.period, d.title, len(d.rows), (d.kind, d.period) in old_keys,
                                       d.name, d.extra))
                con.commit()
            finally:
                con.close()
            os.replace(tmp, path)
            tmp = None
            return out
    except (OSError, sqlite3.Error) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FacilityStoreError(f"cannot write the facility data to {data_dir} ({detail})") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _ro_uri(path: Path) -> str:
    """A read-only SQLite URI for `path` (percent-encoded: a data directory may hold spaces, '?' or '#')."""
    return Path(path).resolve().as_uri() + "?mode=ro"


def _readable(path: Path) -> bool:
    try:
        con = sqlite3.connect(_ro_uri(path), uri=True)
        try:
            return con.execute("SELECT value FROM meta WHERE key='schema'").fetchone() == (str(SCHEMA_VERSION),)
        finally:
            con.close()
    except sqlite3.Error:
        return False


@contextlib.contextmanager
def _lock(data_dir: Path) -> Iterator[None]:
    """One import at a time per data directory (two would each copy the old file and one would be lost)."""
    with open(data_dir / ".facility-import.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --- reading -------------------------------------------------------------------------------------------------

class DatasetInfo(Record, eq=False):
    kind: str
    period: str
    year: int
    title: str
    source: str
    sha256: str
    rows: int
    imported: str
    extra: dict

    @property
    def label(self) -> str:
        """A quarter as "April 2026", a year as "CY2025"."""
        if "-" in self.period:
            y, m = self.period.split("-")
            months = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                      "October", "November", "December")
            return f"{months[int(m) - 1]} {y}"
        return f"CY{self.period}"


class FacilityData:
    """The imported facility files, read from SQLite on demand (thread-safe: one connection per thread)."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self.datasets: dict[str, list[DatasetInfo]] = {}
        # A connection of its own, closed at once: the Slack server loads the engine before forking its
        # workers, and an SQLite connection must not cross a fork; each thread opens its own on first use.
        con = sqlite3.connect(_ro_uri(path), uri=True)
        try:
            for row in con.execute("SELECT kind, period, year, title, source, sha256, rows, imported, extra "
                                   "FROM dataset ORDER BY kind, period DESC"):
                info = DatasetInfo(*row[:8], json.loads(row[8] or "{}"))
                self.datasets.setdefault(info.kind, []).append(info)
        finally:
            con.close()

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(_ro_uri(self.path), uri=True, check_same_thread=False)
            self._local.con = con
        return con

    def newest(self, kind: str) -> DatasetInfo | None:
        found = self.datasets.get(kind)
        return found[0] if found else None

    def has(self, kind: str) -> bool:
        return kind in self.datasets

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        return self._con().execute(sql, args).fetchall()

    def one(self, sql: str, args: tuple = ()) -> tuple | None:
        return self._con().execute(sql, args).fetchone()


def load(data_dir: Path) -> FacilityData | None:
    """The facility data of `data_dir`, or None when nothing was imported (or the file is unreadable)."""
    path = data_dir / DB_NAME
    if not path.is_file() or not _readable(path):
        return None
    try:
        return FacilityData(path)
    except (sqlite3.Error, ValueError):
        return None


def status_lines(data_dir: Path) -> list[str]:
    """What `cptbot kb status` adds: one line per facility dataset, newest first within a kind."""
    data = load(data_dir)
    if data is None:
        return []
    out = ["Facility files:"]
    for kind in TABLES:
        for d in data.datasets.get(kind, []):
            cf = d.extra.get("conversion_factor") or d.extra.get("national_cf")
            cf_text = f", {'national anesthesia ' if kind == 'anes_cf' else ''}CF ${cf:.4f}".rstrip("0") if cf else ""
            out.append(f"  {KIND_LABELS[kind]} {d.label}: {d.rows:,} rows{cf_text}; imported {d.imported}")
            out.append(f"    {d.source}  sha256 {d.sha256}")
    return out
