"""The compiled store: what `load_store` hands the engine equals the CMS files, read independently here.

Counts and spot values are computed from the raw files with the csv module and plain slicing, not with
`bot.cms`, so a parser bug cannot hide behind a test that asks the parser what the answer is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from bot.fees import amount
from bot.records import Rvu
from bot.store import MANIFEST, RvuTable, Store, StoreError, default_data_dir, import_paths, load_store, status
from tests.conftest import COUNTY_FILE, GPCI_FILES, RVU_FILES, ZIP_FILE

CODE = re.compile(r"^[0-9A-Z]{5}$")


def raw_rows(path: Path) -> tuple[list[str], list[str], list[list[str]]]:
    """(header line above HCPCS, HCPCS header line, code rows) with nothing but the csv module."""
    lines = list(csv.reader(io.StringIO(path.read_bytes().decode("latin-1"))))
    at = next(i for i, r in enumerate(lines) if r and r[0] == "HCPCS")
    return lines[at - 1], lines[at], [r for r in lines[at + 1:] if r and CODE.match(r[0])]


def raw_column(path: Path, above: str, title: str) -> dict[tuple[str, str], str]:
    upper, header, rows = raw_rows(path)
    col = next(i for i in range(len(header)) if upper[i].strip() == above and header[i].strip() == title)
    return {(r[0], r[1]): r[col] for r in rows}


@pytest.fixture(scope="module")
def store(imported) -> Store:
    loaded = load_store(imported["data_dir"])
    assert loaded is not None
    return loaded


def test_default_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CPTBOT_DATA_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "explicit"
    monkeypatch.delenv("CPTBOT_DATA_DIR")
    assert default_data_dir() == tmp_path / "xdg" / "cptbot"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_data_dir() == tmp_path / "home" / ".local" / "share" / "cptbot"


def test_nothing_imported_is_none(tmp_path):
    assert load_store(tmp_path) is None
    assert load_store(tmp_path / "missing") is None
    assert status(tmp_path).releases == []


@pytest.mark.parametrize("year", [2026, 2025])
def test_row_and_code_counts_equal_the_raw_file(store, year):
    _, _, rows = raw_rows(RVU_FILES[year])
    table = store.years[year].rvus
    assert len(table) == len(rows) == {2026: 19_356, 2025: 19_090}[year]
    assert {code for code, _ in table} == {r[0] for r in rows}
    assert len({code for code, _ in table}) == len({r[0] for r in rows})
    assert list(table) == [(r[0], r[1]) for r in rows]  # file order kept


def test_2026_counts_match_sources_md(store):
    assert len({code for code, _ in store.years[2026].rvus}) == 17_096


@pytest.mark.parametrize("year", [2026, 2025])
def test_every_stored_row_equals_the_reader_and_the_raw_work_rvu(store, cms_rvus, year):
    table = store.years[year].rvus
    assert [table[r.key] for r in cms_rvus[year].rows] == list(cms_rvus[year].rows)
    for key, work in raw_column(RVU_FILES[year], "WORK", "RVU").items():
        assert table[key].work == float(work), key
    for key, desc in raw_column(RVU_FILES[year], "", "DESCRIPTION").items():
        assert table[key].description == desc.strip(), key


def test_component_rows_are_separate_rows_of_one_code(store):
    table = store.years[2026].rvus
    codes = {}
    for code, modifier in table:
        codes.setdefault(code, set()).add(modifier)
    with_components = sorted(c for c, mods in codes.items() if {"", "26", "TC"} <= mods)
    assert "71046" in with_components and len(with_components) > 500
    glob, prof, tech = (table[("71046", m)] for m in ("", "26", "TC"))
    assert prof.work == glob.work > 0 and tech.work == 0
    assert round(prof.total_nonfacility + tech.total_nonfacility, 2) == glob.total_nonfacility
    assert {r.modifier for r in table.values()} >= {"", "26", "TC", "53"}


def test_releases_side_by_side_newest_is_the_default(store):
    assert list(store.releases) == ["RVU26C", "RVU25D"]
    assert store.years[2026].release.name == "RVU26C" and store.years[2025].release.name == "RVU25D"
    assert store.newest is store.years[2026]
    r26, r25 = store.years[2026].release, store.years[2025].release
    assert (r26.year, r26.conversion_factor, r26.released) == (2026, 33.4009, "06/30/2026")
    assert (r25.year, r25.conversion_factor, r25.released) == (2025, 32.3465, "09/11/2025")
    assert r26.qp_conversion_factor is None  # not in the nonQPP file; the shipped knowledge base has it
    assert r26.title == "CMS Physician Fee Schedule CY2026, July release (RVU26C)"
    assert r25.title == "CMS Physician Fee Schedule CY2025, October release (RVU25D)"
    assert r26.label == "CY2026 CMS PFS RVU26C, CF $33.4009"


@pytest.mark.parametrize("year", [2026, 2025])
def test_release_sha256_is_the_source_file_hash(store, year):
    release = store.years[year].release
    assert release.source_file == RVU_FILES[year].name
    assert release.sha256 == hashlib.sha256(RVU_FILES[year].read_bytes()).hexdigest()
    files = {s.name: s.sha256 for s in store.sources[release.name]}
    assert files[GPCI_FILES[year].name] == hashlib.sha256(GPCI_FILES[year].read_bytes()).hexdigest()


def raw_zip(z: str) -> tuple[str, str]:
    line = next(li for li in ZIP_FILE.read_text(encoding="latin-1").splitlines() if li[2:7] == z)
    return line[7:12], line[12:14]


@pytest.mark.parametrize(("zip_code", "key", "state", "name"), [
    ("10001", "13202-01", "NY", "MANHATTAN"),
    ("94103", "01112-05", "CA", "SAN FRANCISCO-OAKLAND-BERKELEY (SAN FRANCISCO/SAN MATEO/ALAMEDA/CONTRA COSTA CNTY)"),
    ("90210", "01182-18", "CA", "LOS ANGELES-LONG BEACH-ANAHEIM (LOS ANGELES/ORANGE CNTY)"),
    ("99501", "02102-01", "AK", "ALASKA*"),
])
def test_zip_code_leads_to_its_locality_in_every_year(store, zip_code, key, state, name):
    mac, number = store.zip_localities[zip_code]
    assert (mac, number) == raw_zip(zip_code)
    assert f"{mac}-{number}" == key
    for year in (2026, 2025):
        loc = next(loc for loc in store.years[year].localities if loc.key == key)
        assert (loc.state, loc.name) == (state, name)


def test_every_zip_is_stored_and_names_a_known_locality(store):
    lines = [li for li in ZIP_FILE.read_text(encoding="latin-1").splitlines() if li.strip()]
    assert len(store.zip_localities) == len({li[2:7] for li in lines}) == 42_956
    keys = {loc.key for loc in store.years[2026].localities}
    assert {f"{m}-{n}" for m, n in store.zip_localities.values()} == keys
    assert "00000" not in store.zip_localities and store.zip_localities.get("00000") is None


def test_localities_carry_the_counties_of_the_county_file_in_both_years(store):
    raw = [r for r in csv.reader(io.StringIO(COUNTY_FILE.read_text(encoding="latin-1"))) if r and r[0].isdigit()]
    expected = {f"{r[0].zfill(5)}-{r[1].zfill(2)}": " ".join(r[4].split()) for r in raw}
    for year in (2026, 2025):
        localities = {loc.key: loc for loc in store.years[year].localities}
        assert len(localities) == 109
        assert {k: loc.counties for k, loc in localities.items()} == expected
    by_key = {loc.key: loc for loc in store.years[2026].localities}
    assert by_key["01112-52"].counties == "MARIN"
    assert by_key["06102-16"].counties == "COOK" and by_key["06102-16"].name == "CHICAGO"
    assert by_key["13202-01"].counties == "NEW YORK"
    assert by_key["13292-04"].counties == "QUEENS"
    assert by_key["05302-99"].counties == "ALL OTHER COUNTIES"  # listed twice in the county file, kept once
    assert by_key["09102-04"].counties == "DADE AND MONROE"
    marin = [loc for loc in store.years[2026].localities if "MARIN" in loc.counties.split(", ")]
    assert [loc.key for loc in marin] == ["01112-52"]


def test_gpcis_equal_the_reader(store, cms_gpcis):
    for year in (2026, 2025):
        stored = [(loc.key, loc.state, loc.name, loc.work_gpci, loc.pe_gpci, loc.mp_gpci)
                  for loc in store.years[year].localities]
        assert stored == [(loc.key, loc.state, loc.name, loc.work_gpci, loc.pe_gpci, loc.mp_gpci)
                          for loc in cms_gpcis[year]]


def test_payment_from_the_store_matches_cms_national_payment_file(store):
    """SOURCES.md: PFALL26 lists 99213 in San Francisco (01112-05) at $117.58 office, $64.37 facility."""
    fee_year = store.years[2026]
    sf = next(loc for loc in fee_year.localities if loc.key == "01112-05")
    rvu = fee_year.rvus[("99213", "")]
    assert amount(rvu, fee_year.release, "office", sf) == Decimal("117.58")
    assert amount(rvu, fee_year.release, "facility", sf) == Decimal("64.37")


def test_descriptions_prefer_the_global_row(store):
    descriptions = store.descriptions(2026)
    assert len(descriptions) == 17_096
    assert descriptions["99213"] == "Office o/p est low 20 min"
    assert descriptions["71046"] == store.years[2026].rvus[("71046", "")].description
    assert store.descriptions("RVU25D")["99213"] == store.years[2025].rvus[("99213", "")].description


def test_rvu_table_behaves_like_a_read_only_mapping(store):
    table = store.years[2026].rvus
    assert isinstance(table, RvuTable)
    assert ("99213", "") in table and ("99213", "XX") not in table and "99213" not in table
    assert table.get(("00000", "")) is None
    with pytest.raises(KeyError):
        table[("00000", "")]
    row = table[("99213", "")]
    assert isinstance(row, Rvu) and row is table[("99213", "")]
    assert dict(table.items())[("99213", "")] == row
    with pytest.raises(AttributeError):
        row.work = 9  # type: ignore[misc]


def test_a_code_asked_for_after_the_table_was_walked_adds_no_row(imported):
    """Walking a release (the facility words do, the first time) and then asking for a code it lacks must not
    make that code one of its rows: a second walk would meet a row that is not there."""
    fresh = load_store(imported["data_dir"])
    assert fresh is not None
    table = fresh.years[2026].rvus
    walked = list(table)
    assert table.get(("00000", "")) is None and ("00000", "") not in table
    assert list(table) == walked
    assert all(table[key].code == key[0] for key in list(table)[:500])


def test_first_use_from_many_threads_gives_one_table(imported):
    fresh = load_store(imported["data_dir"])
    assert fresh is not None
    table = fresh.years[2025].rvus
    seen: list[object] = []

    def look() -> None:
        seen.append(table[("99214", "")])
        seen.append(len(table))

    threads = [threading.Thread(target=look) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = [s for s in seen if isinstance(s, Rvu)]
    assert len(rows) == 8 and all(r == rows[0] for r in rows)
    assert {s for s in seen if isinstance(s, int)} == {19_090}


def test_status_lists_releases_counts_and_hashes(imported):
    report = status(imported["data_dir"])
    assert [(r.name, r.codes, r.rows, r.conversion_factor, r.default) for r in report.releases] == [
        ("RVU26C", 17_096, 19_356, 33.4009, True), ("RVU25D", 16_852, 19_090, 32.3465, True)]
    r26 = report.releases[0]
    assert r26.released == "06/30/2026" and r26.localities == 109
    assert r26.counties_from == "25LOCCO.csv (CY2025)"
    hashes = {s.name: s.sha256 for r in report.releases for s in r.sources}
    for path in (*RVU_FILES.values(), *GPCI_FILES.values()):
        assert hashes[path.name] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert report.zip is not None and report.zip.zips == 42_956 and report.zip.year_quarter == "20254"
    assert report.zip.source.sha256 == hashlib.sha256(ZIP_FILE.read_bytes()).hexdigest()
    assert report.county_files[0][:2] == (2025, 109)
    text = "\n".join(report.lines())
    assert "RVU26C" in text and "17,096 codes" in text and hashes[RVU_FILES[2026].name] in text


def test_a_loaded_store_keeps_answering_after_a_reimport_removes_its_files(imported, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(imported["data_dir"], data_dir)
    before = load_store(data_dir)
    assert before is not None
    changed = tmp_path / "PPRRVU2025_Oct.csv"
    changed.write_bytes(RVU_FILES[2025].read_bytes().replace(b"Office o/p est mod 30 min",
                                                             b"Office o/p est mod 30 MIN"))
    import_paths([changed], data_dir)
    assert sorted(p.name for p in data_dir.iterdir() if p.is_file()) == [".import.lock", "store.sqlite3"]
    assert before.years[2025].rvus[("99214", "")].description == "Office o/p est mod 30 min"
    after = load_store(data_dir)
    assert after is not None and after.years[2025].rvus[("99214", "")].description == "Office o/p est mod 30 MIN"
    assert after.years[2025].localities == before.years[2025].localities  # the GPCIs it came with are kept


def test_a_damaged_manifest_is_one_clear_error(imported, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(imported["data_dir"], data_dir)
    (data_dir / MANIFEST).write_text("{ not a database", encoding="utf-8")
    with pytest.raises(StoreError, match="damaged"):
        load_store(data_dir)
    (data_dir / MANIFEST).unlink()
    with sqlite3.connect(data_dir / MANIFEST) as con:
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        con.execute("INSERT INTO meta VALUES ('manifest', ?)", (json.dumps({"format": 99}),))
    with pytest.raises(StoreError, match="another version"):
        load_store(data_dir)


def test_a_store_written_before_a_field_was_added_still_loads(imported, tmp_path):
    from bot.record import MISSING, fields

    data_dir = tmp_path / "data"
    shutil.copytree(imported["data_dir"], data_dir)
    field = [f for f in fields(Rvu) if f.default is not MISSING][-1]
    with sqlite3.connect(data_dir / MANIFEST) as con:
        con.execute(f"ALTER TABLE rvus DROP COLUMN {field.name}")
    store = load_store(data_dir)
    assert store is not None
    row = store.years[2026].rvus[("99213", "")]
    assert getattr(row, field.name) == field.default and row.work == 1.30
