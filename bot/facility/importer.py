"""What `cptbot kb import` does with facility files: find them among the paths, parse and check them all.

`prepare` runs before the fee schedule import and before anything is written: it takes the facility files
out of the paths (named outright, in a folder, or in a CMS zip), parses every one of them, and returns the
paths left for the fee schedule import. A bad facility file therefore stops the whole import with nothing
written. `bot.facility.db.write` then stores the parsed datasets.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from bot.cms import IMPORTED_KINDS, CmsFileError, csv_rows, decode, inflate, kind_by_name, read_bytes
from bot.facility import readers, xlsx
from bot.facility.readers import Dataset
from bot.record import Record, field

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# File names CMS gives these files; content decides in the end (`kind_of`).
NAME_PATTERNS = (
    ("asc", re.compile(r"ASC.*ADDENDUM.*(AA|BB)|ADDENDUM.?(AA|BB)", re.I)),
    ("opps_b", re.compile(r"ADDENDUM.?B\b|ADDENDUM.?B[._ ]", re.I)),
    ("opps_a", re.compile(r"ADDENDUM.?A\b|ADDENDUM.?A[._ ]", re.I)),
    ("anes_cf", re.compile(r"^ANES.*\.csv$", re.I)),
    ("anes_base", re.compile(r"ANESTHESIA.?BASE.?UNIT", re.I)),
    ("hcpcs", re.compile(r"^HCPC", re.I)),
)
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx")


class Prepared(Record):
    datasets: list[Dataset] = field(default_factory=list)
    rest: list[str] = field(default_factory=list)  # paths for the fee schedule import
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def name_kind(file_name: str) -> str | None:
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    if not base.lower().endswith(TABLE_SUFFIXES) or re.search(r"LA?YOUT", base, re.I):
        return None
    return next((kind for kind, pattern in NAME_PATTERNS if pattern.search(base)), None)


def content_kind(data: bytes) -> str | None:
    """Which facility file this is by its first lines, or None (not a facility file)."""
    if data[:4] in ZIP_MAGIC:
        return "xlsx"
    head = decode(data[:6000]).upper()
    lines = head.splitlines()
    first = lines[0] if lines else ""
    if "OPPS" in head and "ADDENDUM B" in head and "\t" in head:
        return "opps_b"
    if "OPPS" in head and "ADDENDUM A" in head and "\t" in head:
        return "opps_a"
    if "ADDENDUM AA" in head or "ADDENDUM BB" in head:
        return "asc"
    if first.startswith("CONTRACTOR") and "ANES CF" in first:
        return "anes_cf"
    if first.split("\t")[0].strip() == "CODE" and "BASE" in head[:200]:
        return "anes_base"
    if re.match(r"^[0-9A-Z]{2}(?:[0-9A-Z ]{3})\d{5}[3478]", first):
        return "hcpcs_fixed"
    return None


def parse(name: str, data: bytes) -> Dataset:
    """Parse one facility file (`name` is how messages name it), remembering its SHA-256."""
    dataset = _parse(name, data)
    dataset.sha256, dataset.size = hashlib.sha256(data).hexdigest(), len(data)
    return dataset


def _parse(name: str, data: bytes) -> Dataset:
    kind = content_kind(data)
    if kind == "xlsx":
        rows = xlsx.read_rows(data, name)
        head = [readers.norm_header(c) for r in rows[:readers.HEADER_ROWS] for c in r[:1]]
        if "CODE" in head:
            return readers.parse_anesthesia_base_units(rows, name)
        if any(h in readers.HCPCS_COLS["code"] for h in head):
            return readers.parse_hcpcs_table(rows, name)
        raise CmsFileError(name, "an Excel workbook cptbot does not import (it reads the anesthesia base unit and "
                                 "HCPCS workbooks; for the other CMS tables, the CSV or text version)")
    text = decode(data)
    if kind == "opps_b":
        return readers.parse_opps_b(text, name)
    if kind == "opps_a":
        return readers.parse_opps_a(text, name)
    if kind == "asc":
        return readers.parse_asc(text, name)
    if kind == "anes_cf":
        return readers.parse_anesthesia_cf(text, name)
    if kind == "anes_base":
        return readers.parse_anesthesia_base_units(csv_rows(text, name, delimiter="\t"), name)
    if kind == "hcpcs_fixed":
        return readers.parse_hcpcs_fixed(text, name)
    claimed = name_kind(name)
    raise CmsFileError(name, f"named like a CMS {claimed.replace('_', ' ')} file but its first lines are not one "
                             "(wrong or damaged file?)" if claimed else "not a facility file")


def _is_facility(name: str, data: bytes) -> bool:
    kind = content_kind(data)
    if kind == "xlsx":
        return name.lower().endswith(".xlsx")
    return kind is not None or name_kind(name) is not None


def _from_zip(display: str, data: bytes, prepared: Prepared) -> bool:
    """Take the facility members of a CMS zip; True when the zip also holds fee schedule files."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return True  # the fee schedule import reports the damaged zip
    with archive:
        members = [i.filename for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
        bases = {m: m.rsplit("/", 1)[-1] for m in members}
        chosen = [m for m in members if name_kind(bases[m])]
        stems = {bases[m].rsplit(".", 1)[0].lower() for m in chosen if not bases[m].lower().endswith(".xlsx")}
        for m in chosen:  # CMS ships the same addendum as .xlsx beside the .csv/.txt: read the text one
            base = bases[m]
            if base.lower().endswith(".xlsx") and base.rsplit(".", 1)[0].lower() in stems:
                continue
            content = inflate(archive, m, f"{display}/{base}")  # capped: a zip bomb is refused in one line
            prepared.datasets.append(parse(f"{display}/{base}", content))
        if chosen:
            prepared.notes.append(f"{display}: read {len(chosen)} facility file{'s' if len(chosen) != 1 else ''}")
        return any(kind_by_name(bases[m]) in IMPORTED_KINDS for m in members)


def prepare(paths: list[str]) -> Prepared:
    """Parse every facility file among `paths`; the other paths are left for the fee schedule import."""
    prepared = Prepared()
    for raw in paths:
        path = Path(raw)
        display = path.name or str(path)
        if path.is_dir():
            # A folder of release folders (cms/rvu26c, cms/zip) is read one level down, as the fee schedule is.
            files = sorted(f for f in (*path.iterdir(), *(g for d in path.iterdir() if d.is_dir()
                                                           for g in d.iterdir())) if f.is_file())
            taken = [f for f in files if name_kind(f.name)]
            for f in taken:
                shown = f"{display}/{f.relative_to(path).as_posix()}"
                prepared.datasets.append(parse(shown, read_bytes(f, shown)))
            if any(kind_by_name(f.name) in IMPORTED_KINDS for f in files) or not taken:
                prepared.rest.append(raw)  # the fee schedule import takes its files, or says what is missing
            continue
        if not path.is_file():
            prepared.rest.append(raw)  # the fee schedule import names the missing file
            continue
        data = read_bytes(path, display)
        if data[:4] in ZIP_MAGIC and path.suffix.lower() == ".zip":
            if _from_zip(display, data, prepared):
                prepared.rest.append(raw)
        elif _is_facility(display, data):
            prepared.datasets.append(parse(display, data))
        else:
            prepared.rest.append(raw)
    seen: dict[tuple[str, str], Dataset] = {}
    unique = []
    for d in prepared.datasets:
        key = (d.kind, d.period)
        if key in seen:
            if seen[key].rows != d.rows:  # the xlsx and the text version of one table must agree
                raise CmsFileError(d.name, f"{seen[key].name} is also the {d.title}, with other numbers: "
                                           "name one of them")
            prepared.notes.append(f"{d.name} holds the same {d.title} as {seen[key].name}: read once")
            continue
        seen[key] = d
        unique.append(d)
    prepared.datasets = unique
    return prepared
