"""The compiled store: CMS files imported once by `cptbot kb import`, then loaded in milliseconds.

A person downloads the fee schedule from CMS and imports it; every later `cptbot ask` (and the Slack app)
loads the result from the data directory instead of parsing 2.6 MB of CSV per release. Layout:

    store.json          the manifest: each release's facts, localities and source files (with SHA-256),
                        the county files, the ZIP file, and which object file holds which rows.
    objects/*.pickle    immutable row tables (one per release, one for the ZIP map), named by content hash.
    preferences.sqlite3 saved locality and setting per person (bot.preferences; not touched here).

An import parses and cross-checks everything first, writes new object files beside the old ones, then
swaps `store.json` with one `os.replace`: a reader sees either the old manifest or the new one, and a
failed import (a bad file, a full disk) leaves the previous data exactly as it was. Object files no
manifest names are removed afterwards; a loaded `Store` holds its rows' bytes, so it keeps answering.

The row tables are pickles, read only from the user's own data directory, which is as trusted as the
program itself. They load lazily: `load_store` reads the manifest and the bytes, and a release's rows are
unpickled the first time that release is asked about (about 10 ms each), so `cptbot ask` stays fast with
several releases side by side.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pickle
import threading
import time
from array import array
from collections.abc import ItemsView, Iterable, Iterator, Mapping, ValuesView
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.records import FeeYear, Locality, Release, Rvu

if TYPE_CHECKING:  # the CMS readers are only needed to import; `load_store` must start fast
    from bot.cms import CmsInput, CountyFile, RvuFile, ZipLocalityFile

FORMAT = 1
MANIFEST = "store.json"
OBJECTS = "objects"
LOCK = ".import.lock"
MONTHS = {"A": "January", "B": "April", "C": "July", "D": "October"}
RVU_FIELDS = tuple(f.name for f in dataclasses.fields(Rvu))
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


@dataclass(frozen=True)
class SourceFile:
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


@dataclass(frozen=True)
class ImportedRelease:
    """One RVU release an import wrote."""

    name: str
    year: int
    title: str
    released: str
    conversion_factor: float
    qp_conversion_factor: float | None
    rows: int
    codes: int
    localities: int
    replaced: bool  # a release of the same name was in the store before
    source: SourceFile


@dataclass
class ImportReport:
    """What `import_paths` did, for the CLI to print and tests to check."""

    data_dir: Path
    releases: list[ImportedRelease] = field(default_factory=list)
    localities: int = 0  # localities in the GPCI files imported
    county_areas: int = 0  # localities described by the county files imported
    zips: int = 0  # ZIP codes imported
    zip_year_quarter: str = ""
    sources: list[SourceFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """The report as text, one fact a line."""
        out = [f"Imported into {self.data_dir} in {self.seconds:.2f} s:"]
        for r in self.releases:
            qp = f", QP CF ${r.qp_conversion_factor:.4f}" if r.qp_conversion_factor else ""
            out.append(f"  {r.name}  {r.title}{', released ' + r.released if r.released else ''}: "
                       f"{r.rows:,} rows, {r.codes:,} codes, CF ${r.conversion_factor:.4f}{qp}, "
                       f"{r.localities} localities{' (replaced the earlier import)' if r.replaced else ''}")
        if self.localities and not self.releases:
            out.append(f"  GPCIs: {self.localities} localities")
        if self.county_areas:
            out.append(f"  counties: {self.county_areas} localities described")
        if self.zips:
            out.append(f"  ZIP codes: {self.zips:,} ({_quarter(self.zip_year_quarter)})")
        out.extend(f"note: {n}" for n in self.notes)
        return out


@dataclass(frozen=True)
class ReleaseStatus:
    """One stored release, as `cptbot kb status` shows it."""

    name: str
    year: int
    title: str
    released: str
    conversion_factor: float
    qp_conversion_factor: float | None
    rows: int
    codes: int
    localities: int
    counties_from: str  # the county file whose counties its localities carry ("" for none)
    default: bool  # the newest release of its year: the one answers use
    imported: str  # when, ISO 8601 UTC
    sources: tuple[SourceFile, ...]


@dataclass(frozen=True)
class ZipStatus:
    zips: int
    year_quarter: str
    localities: int
    imported: str
    source: SourceFile


@dataclass(frozen=True)
class StoreStatus:
    """Everything `cptbot kb status` reports about a data directory."""

    data_dir: Path
    releases: list[ReleaseStatus]  # newest first
    county_files: list[tuple[int, int, SourceFile]]  # (year, localities described, source)
    zip: ZipStatus | None

    def lines(self) -> list[str]:
        if not self.releases and self.zip is None and not self.county_files:
            return [f"No CMS data imported in {self.data_dir}: answers use the shipped knowledge base. "
                    "Import the RVU zip from CMS with `cptbot kb import RVU26C.zip`."]
        out = [f"Data directory: {self.data_dir}"]
        for r in self.releases:
            qp = f", QP CF ${r.qp_conversion_factor:.4f}" if r.qp_conversion_factor else ""
            out.append(f"{r.name}  {r.title}{f' (default for CY{r.year})' if r.default else ''}")
            out.append(f"  {r.codes:,} codes, {r.rows:,} rows, CF ${r.conversion_factor:.4f}{qp}, "
                       f"released {r.released or 'date not stated'}, {r.localities} localities"
                       f"{', counties from ' + r.counties_from if r.counties_from else ''}; imported {r.imported}")
            out.extend(f"  {s.display}  sha256 {s.sha256}" for s in r.sources)
        for year, areas, source in self.county_files:
            out.append(f"County file CY{year}: {areas} localities  {source.display}  sha256 {source.sha256}")
        if self.zip:
            z = self.zip
            out.append(f"ZIP codes: {z.zips:,} ({_quarter(z.year_quarter)}) in {z.localities} localities; "
                       f"imported {z.imported}")
            out.append(f"  {z.source.display}  sha256 {z.source.sha256}")
        return out


def _quarter(year_quarter: str) -> str:
    return f"{year_quarter[:4]} Q{year_quarter[4:]}" if len(year_quarter) == 5 else year_quarter


# --- the loaded store -----------------------------------------------------------------------------------


def _make_rvu(values: Iterable[Any]) -> Rvu:
    """An Rvu from stored values, filled the way pickle restores a frozen dataclass (no per-field setattr)."""
    rvu = object.__new__(Rvu)
    rvu.__dict__.update(zip(RVU_FIELDS, values, strict=True))
    return rvu


# A release's rows are stored by column: numbers as one array of doubles, flags as one byte each, short
# codes ("A", "XXX", "26") as one byte each into a small vocabulary, long text joined by a separator.
# Loading that is a handful of C-level copies (about 3 ms a release) instead of 400,000 Python objects.
SEPARATOR = "\x1f"


def _encode_column(values: list[Any]) -> tuple:
    if all(isinstance(v, bool) for v in values):
        return ("flags", bytes(values))
    if all(isinstance(v, float) for v in values):
        return ("numbers", array("d", values).tobytes())
    vocabulary = sorted(set(values))
    if len(vocabulary) <= 255:
        where = {v: i for i, v in enumerate(vocabulary)}
        return ("choices", vocabulary, bytes(where[v] for v in values))
    if any(SEPARATOR in v for v in values):
        return ("list", values)
    return ("text", SEPARATOR.join(values))


def _decode_column(encoded: tuple) -> Any:
    """A column as a sequence indexable by row number."""
    kind = encoded[0]
    if kind == "flags":
        return _Flags(encoded[1])
    if kind == "numbers":
        numbers = array("d")
        numbers.frombytes(encoded[1])
        return numbers
    if kind == "choices":
        return _Choices(encoded[1], encoded[2])
    if kind == "text":
        return encoded[1].split(SEPARATOR)
    return encoded[1]


class _Flags:
    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data

    def __getitem__(self, i: int) -> bool:
        return self.data[i] == 1

    def tolist(self) -> list[bool]:
        return list(map(bool, self.data))


class _Choices:
    __slots__ = ("data", "vocabulary")

    def __init__(self, vocabulary: list[str], data: bytes):
        self.vocabulary, self.data = vocabulary, data

    def __getitem__(self, i: int) -> str:
        return self.vocabulary[self.data[i]]

    def tolist(self) -> list[str]:
        return list(map(self.vocabulary.__getitem__, self.data))


def _as_list(column: Any) -> list[Any]:
    return column.tolist() if hasattr(column, "tolist") else list(column)


def _encode_rows(rows: Iterable[Rvu]) -> bytes:
    rows = list(rows)
    columns = {name: _encode_column([getattr(r, name) for r in rows]) for name in RVU_FIELDS}
    return pickle.dumps({"fields": list(RVU_FIELDS), "rows": len(rows), "columns": columns}, protocol=5)


class RvuTable(Mapping[tuple[str, str], Rvu]):
    """A release's RVU rows keyed by (code, modifier), decoded on first use; safe to share across threads.

    It behaves as the read-only dict `FeeYear.rvus` is everywhere else (`get`, `in`, iteration, `len`);
    an `Rvu` is made when asked for and kept.
    """

    def __init__(self, data: bytes, name: str):
        self._data: bytes | None = data
        self._name = name
        self._index: dict[tuple[str, str], int] | None = None
        self._columns: list[Any] = []
        self._made: dict[tuple[str, str], Rvu] = {}
        self._lock = threading.Lock()

    def _load(self) -> dict[tuple[str, str], int]:
        index = self._index
        if index is None:
            with self._lock:
                if self._index is None:
                    stored = pickle.loads(self._data or b"")
                    decoded = {name: _decode_column(col) for name, col in stored["columns"].items()}
                    n = stored["rows"]
                    defaults = {f.name: f.default for f in dataclasses.fields(Rvu)}
                    self._columns = [decoded[name] if name in decoded else [defaults[name]] * n
                                     for name in RVU_FIELDS]
                    keys = zip(_as_list(decoded["code"]), _as_list(decoded["modifier"]), strict=True)
                    self._index = dict(zip(keys, range(n), strict=True))
                    self._data = None
                index = self._index
        return index

    def __getitem__(self, key: tuple[str, str]) -> Rvu:
        made = self._made.get(key)
        if made is None:
            i = self._load()[key]
            made = self._made[key] = _make_rvu(col[i] for col in self._columns)
        return made

    def __contains__(self, key: object) -> bool:
        return key in self._load()

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def _all(self) -> dict[tuple[str, str], Rvu]:
        """Every row as an `Rvu`, in file order, made in one pass (for callers that walk the whole table)."""
        index = self._load()
        if len(self._made) < len(index):
            made = self._made
            rows = zip(*(_as_list(col) for col in self._columns), strict=True)
            self._made = {key: made.get(key) or _make_rvu(row) for key, row in zip(index, rows, strict=True)}
        return self._made

    def values(self) -> ValuesView[Rvu]:
        return self._all().values()

    def items(self) -> ItemsView[tuple[str, str], Rvu]:
        return self._all().items()

    def column(self, name: str) -> list[Any]:
        """One field of every row, in file order (e.g. all descriptions, for a search index)."""
        self._load()
        return _as_list(self._columns[RVU_FIELDS.index(name)])

    def __repr__(self) -> str:
        return f"<RvuTable {self._name}{'' if self._index is None else f' {len(self._index)} rows'}>"


class ZipTable(Mapping[str, tuple[str, str]]):
    """ZIP code -> (MAC, locality number), unpickled on first use."""

    def __init__(self, data: bytes | None):
        self._data = data
        self._zips: dict[str, tuple[str, str]] | None = None if data else {}
        self._lock = threading.Lock()

    def _table(self) -> dict[str, tuple[str, str]]:
        zips = self._zips
        if zips is None:
            with self._lock:
                if self._zips is None:
                    self._zips = pickle.loads(self._data or b"")
                    self._data = None
                zips = self._zips
        return zips

    def __getitem__(self, key: str) -> tuple[str, str]:
        return self._table()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._table()

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


def _sort_key(fee_year: FeeYear) -> tuple[int, str]:
    return (fee_year.release.year, fee_year.release.name)


@dataclass
class Store:
    """What the data directory holds, ready for the engine.

    `releases` maps every imported release name to its `FeeYear`, newest first; `years` gives the newest
    release of each year (the one answers use); `zip_localities` maps a ZIP code to (MAC, locality number),
    the key of a `Locality` in every year. Localities carry their counties when a county file was imported.
    """

    data_dir: Path
    releases: dict[str, FeeYear]
    zip_localities: Mapping[str, tuple[str, str]] = field(repr=False)
    sources: dict[str, tuple[SourceFile, ...]] = field(repr=False)  # release name (or "zip") -> its files
    years: dict[int, FeeYear] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.releases = dict(sorted(self.releases.items(), key=lambda kv: _sort_key(kv[1]), reverse=True))
        self.years = {}
        for fee_year in self.releases.values():
            self.years.setdefault(fee_year.year, fee_year)

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


def _locality(row: list) -> Locality:
    mac, state, number, name, work, pe, mp = row
    return Locality(mac=mac, state=state, number=number, name=name, work_gpci=work, pe_gpci=pe, mp_gpci=mp)


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


def _read_manifest(data_dir: Path) -> dict | None:
    path = data_dir / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        doc = json.loads(text)
    except ValueError:
        raise StoreError(f"{path} is damaged (not JSON); import the CMS files again to rebuild it.") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise StoreError(f"{path} was written by another version of cptbot (format {doc.get('format')!r}, "
                         f"this one reads {FORMAT}); import the CMS files again.")
    return doc


def _build(data_dir: Path, doc: dict) -> Store:
    objects = data_dir / OBJECTS
    releases: dict[str, FeeYear] = {}
    sources: dict[str, tuple[SourceFile, ...]] = {}
    for name, r in doc["releases"].items():
        gpci = r.get("gpci")
        localities = tuple(_locality(row) for row in gpci["localities"]) if gpci else ()
        if localities:
            counties, _ = _counties_for(r["year"], {loc.key for loc in localities}, doc.get("counties", {}))
            if counties:
                localities = tuple(dataclasses.replace(loc, counties=counties.get(loc.key, ""))
                                   for loc in localities)
        files = tuple(_source(s) for s in r["sources"]) + ((_source(gpci["source"]),) if gpci else ())
        release = Release(year=r["year"], name=name, title=r["title"], conversion_factor=r["conversion_factor"],
                          qp_conversion_factor=r.get("qp_conversion_factor"), released=r.get("released", ""),
                          source_file=files[0].name, sha256=files[0].sha256)
        rvus = RvuTable((objects / r["object"]).read_bytes(), name)
        releases[name] = FeeYear(release=release, rvus=rvus, localities=localities)  # type: ignore[arg-type]
        sources[name] = files
    zip_doc = doc.get("zip")
    zips = ZipTable((objects / zip_doc["object"]).read_bytes() if zip_doc else None)
    if zip_doc:
        sources["zip"] = (_source(zip_doc["source"]),)
    return Store(data_dir=data_dir, releases=releases, zip_localities=zips, sources=sources)


def load_store(data_dir: Path | None = None) -> Store | None:
    """The imported data, or None when nothing was imported. Takes a few milliseconds.

    Raises `StoreError` (one sentence) when the data directory is damaged or unreadable; the caller can
    keep answering from the shipped knowledge base.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    for _attempt in range(3):
        doc = _read_manifest(data_dir)
        if doc is None:
            return None
        try:
            return _build(data_dir, doc)
        except FileNotFoundError:
            continue  # an import swapped the manifest and removed old objects between our two reads
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"{data_dir / MANIFEST} is damaged ({exc!r}); import the CMS files again.") from None
        except OSError as exc:
            raise StoreError(f"Cannot read the data in {data_dir}: {exc.strerror or exc}.") from None
    raise StoreError(f"The data in {data_dir} changed while it was being read; try again.")


def status(data_dir: Path | None = None) -> StoreStatus:
    """What `cptbot kb status` prints: releases with counts, conversion factors and source SHA-256."""
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
    return StoreStatus(data_dir=data_dir, releases=releases, county_files=county_files, zip=zip_status)


# --- importing ---------------------------------------------------------------------------------------


@dataclass
class _Parsed:
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


def _write_object(objects: Path, prefix: str, data: bytes, written: list[Path]) -> str:
    """Write an immutable object file (temp name, fsync, rename); its name carries its content hash."""
    import hashlib

    name = f"{prefix}-{hashlib.sha256(data).hexdigest()[:16]}.pickle"
    final = objects / name
    if final.exists():
        return name
    tmp = objects / f".tmp-{os.getpid()}-{time.time_ns()}"
    written.append(tmp)
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    written.append(final)
    return name


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


def _compose(parsed: _Parsed, current: dict, objects: Path, written: list[Path], report: ImportReport) -> dict:
    """The new manifest: the current one with this import's releases, GPCIs, counties and ZIPs applied."""
    now = _now()
    doc = {"format": FORMAT, "updated": now, "releases": dict(current["releases"]),
           "counties": dict(current.get("counties", {})), "zip": current.get("zip")}

    def gpci_doc(year: int) -> dict:
        localities, item = parsed.gpcis[year]
        return {"year": year, "source": dataclasses.asdict(SourceFile.of(item, "gpci")),
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
        sources = [dataclasses.asdict(source)] + ([dataclasses.asdict(SourceFile.of(qp[1], "rvu"))] if qp else [])
        codes = len({r.code for r in rvu.rows})
        replaced = name in doc["releases"]
        if replaced and doc["releases"][name]["sources"][0]["sha256"] == source.sha256:
            report.notes.append(f"{name} was already imported from the same file; imported again")
        month = MONTHS[name[-1]]
        doc["releases"][name] = {
            "name": name, "year": rvu.year, "title": f"CMS Physician Fee Schedule CY{rvu.year}, {month} release "
                                                     f"({name})",
            "conversion_factor": rvu.conversion_factor, "qp_conversion_factor": qp[0] if qp else None,
            "released": rvu.released, "rows": len(rvu.rows), "codes": codes, "imported": now,
            "object": _write_object(objects, f"rvu-{name}", _encode_rows(rvu.rows), written),
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
            source = dataclasses.asdict(SourceFile.of(item, "rvu"))
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
        doc["counties"][str(year)] = {"year": year, "source": dataclasses.asdict(source), "imported": now,
                                      "areas": [[a.mac, a.number, a.state, a.area, a.counties]
                                                for a in county_file.areas]}
        report.county_areas += len(county_file.areas)
        report.sources.append(source)
    if parsed.zip5 is not None:
        zip_file, item = parsed.zip5
        source = SourceFile.of(item, "zip5")
        data = pickle.dumps(zip_file.zips, protocol=5)
        doc["zip"] = {"year_quarter": zip_file.year_quarter, "zips": len(zip_file.zips),
                      "localities": len(zip_file.first_line), "imported": now,
                      "object": _write_object(objects, "zip", data, written), "source": dataclasses.asdict(source)}
        report.zips, report.zip_year_quarter = len(zip_file.zips), zip_file.year_quarter
        report.sources.append(source)
    return doc


def _write_manifest(data_dir: Path, doc: dict, written: list[Path]) -> None:
    """Swap in the new manifest atomically: the one moment the import becomes visible."""
    tmp = data_dir / f".{MANIFEST}.tmp-{os.getpid()}-{time.time_ns()}"
    written.append(tmp)
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, data_dir / MANIFEST)
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        fd = os.open(data_dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _collect_garbage(data_dir: Path, doc: dict) -> None:
    """Remove object files the manifest no longer names, and temp files a crashed import left."""
    keep = {r["object"] for r in doc["releases"].values()} | ({doc["zip"]["object"]} if doc.get("zip") else set())
    for path in (data_dir / OBJECTS).iterdir():
        if path.name not in keep:
            with contextlib.suppress(OSError):
                path.unlink()
    for path in data_dir.glob(f".{MANIFEST}.tmp-*"):
        with contextlib.suppress(OSError):
            path.unlink()


def import_paths(paths: Iterable[str | Path], data_dir: Path | None = None) -> ImportReport:
    """Import CMS files (the RVU zip, or PPRRVU/GPCI/LOCCO CSVs, and the ZIP5 file) into the data directory.

    Everything is parsed and cross-checked before anything is written; the new data becomes visible in one
    atomic step, so on any error (`CmsFileError` for a bad file, `StoreError` for an unwritable directory)
    the previous data is untouched. Releases already stored stay; a release imported again is replaced.
    """
    from bot.cms import EXPECTED, KINDS, CmsFileError, classify, gather_inputs

    started = time.perf_counter()
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    report = ImportReport(data_dir=data_dir)
    inputs, notes = gather_inputs(paths)
    report.notes.extend(notes)
    parsed = _parse(inputs, report.notes)
    if not (parsed.rvus or parsed.qp or parsed.gpcis or parsed.counties or parsed.zip5):
        why = "; ".join(KINDS[classify(i)] for i in inputs[:3])
        raise CmsFileError(", ".join(i.display for i in inputs), f"{why}: nothing to import (name {EXPECTED})")
    written: list[Path] = []
    try:
        (data_dir / OBJECTS).mkdir(parents=True, exist_ok=True)
        with _import_lock(data_dir):
            try:
                current = _read_manifest(data_dir)
            except StoreError as exc:
                report.notes.append(f"the previous data could not be read and is replaced ({exc})")
                current = None
            current = current or {"releases": {}, "counties": {}, "zip": None}
            _check(parsed, current, report.notes)
            doc = _compose(parsed, current, data_dir / OBJECTS, written, report)
            _write_manifest(data_dir, doc, written)
            written.clear()
            _collect_garbage(data_dir, doc)
    except OSError as exc:
        for path in written:  # only files this import created, never the previous data
            with contextlib.suppress(OSError):
                path.unlink()
        raise StoreError(f"cannot write to {data_dir} ({exc.strerror or exc})") from None
    report.seconds = time.perf_counter() - started
    return report
