"""`cptbot kb import`: real CMS files, the zip as CMS ships it, and every kind of bad file.

Bad files are built in tmp_path from the real ones (cut, renamed, a header cell or a number spoiled). Each
must end in one `CmsFileError` naming the file, the line and the column, and leave the data directory
byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cms import CmsFileError, detect_kind, kind_by_name, read_county_file, read_zip5_file
from bot.store import StoreError, import_paths, load_store
from tests.conftest import CMS, COUNTY_FILE, GPCI_FILES, ROOT, RVU_FILES, ZIP_FILE
from tests.test_store import raw_rows

LAYOUT_FILE = CMS / "zip" / "ZIP5lyout.txt"
ANES_FILE = CMS / "rvu25d" / "ANES2025.csv"


def snapshot(data_dir: Path) -> tuple:
    """Everything an import could change: every file's name and hash (the database, and nothing beside it)."""
    return sorted((p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in data_dir.iterdir() if p.is_file())


@pytest.fixture
def data_dir(imported, tmp_path) -> Path:
    """A private copy of the session's imported data, for tests that import more."""
    target = tmp_path / "data"
    shutil.copytree(imported["data_dir"], target)
    return target


def build_rvu_zip(path: Path, qpp: bool = True, junk: bool = True) -> Path:
    """An RVU zip laid out like CMS's RVU26C.zip: the nonQPP and QPP files, GPCI, county file, other files."""
    rvu = RVU_FILES[2026].read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("PPRRVU2026_Jul_nonQPP.csv", rvu)
        if qpp:
            archive.writestr("PPRRVU2026_Jul_QPP.csv", rvu.replace(b",33.4009,", b",33.5675,"))
        archive.writestr("GPCI2026.csv", GPCI_FILES[2026].read_bytes())
        archive.writestr("25LOCCO.csv", COUNTY_FILE.read_bytes())
        if junk:
            archive.writestr("RVU26C.pdf", b"%PDF-1.7 release notes")
            archive.writestr("PPRRVU2026_Jul_nonQPP.xlsx", b"PK\x03\x04 not really a workbook")
            archive.writestr("PPRRVU2026_Jul_nonQPP.txt", b"fixed-width copy")
            archive.writestr("ANES2026.csv", ANES_FILE.read_bytes())
            archive.writestr("OPPSCAP_JUL.csv", b"HCPCS,MOD,PROCSTAT,CARRIER,LOCALITY\n")
    return path


# --- the real files ------------------------------------------------------------------------------------


def test_session_imports_report_what_they_did(imported):
    r26, r25, z = imported["reports"]
    assert [(r.name, r.year, r.rows, r.codes, r.localities, r.replaced) for r in r26.releases] == [
        ("RVU26C", 2026, 19_356, 17_096, 109, False)]
    assert [(r.name, r.rows, r.codes) for r in r25.releases] == [("RVU25D", 19_090, 16_852)]
    assert r25.county_areas == 109 and r26.localities == 109
    assert any("also describes the CY2026 localities" in n for n in r25.notes)
    assert z.zips == 42_956 and z.zip_year_quarter == "20254" and not z.releases
    for report in (r26, r25, z):
        assert report.seconds > 0
        assert "\n".join(report.lines()).startswith("Imported into ")


def test_row_counts_reported_equal_the_raw_files(imported):
    r26, r25, _ = imported["reports"]
    for report, year in ((r26, 2026), (r25, 2025)):
        _, _, rows = raw_rows(RVU_FILES[year])
        assert report.releases[0].rows == len(rows)
        assert report.releases[0].codes == len({r[0] for r in rows})


def test_rvu_zip_as_downloaded_prefers_the_nonqpp_file_and_ignores_the_rest(tmp_path):
    archive = build_rvu_zip(tmp_path / "RVU26C.zip")
    report = import_paths([archive], tmp_path / "data")
    [release] = report.releases
    assert (release.name, release.rows, release.conversion_factor, release.qp_conversion_factor) == (
        "RVU26C", 19_356, 33.4009, 33.5675)
    assert release.source.name == "PPRRVU2026_Jul_nonQPP.csv" and release.source.archive == "RVU26C.zip"
    assert release.source.sha256 == hashlib.sha256(RVU_FILES[2026].read_bytes()).hexdigest()
    assert release.source.archive_sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert any("nonQPP" in n and "QPP" in n for n in report.notes)
    assert any("ignored 5 other files" in n for n in report.notes)
    store = load_store(tmp_path / "data")
    assert store is not None
    assert store.years[2026].release.qp_conversion_factor == 33.5675
    assert store.years[2026].rvus[("99213", "")].work == 1.30
    assert {loc.key: loc.counties for loc in store.years[2026].localities}["01112-52"] == "MARIN"


def test_zip_code_file_inside_a_zip_and_a_folder_of_cms_files(tmp_path):
    folder = tmp_path / "rvu25d"
    folder.mkdir()
    for path in (RVU_FILES[2025], GPCI_FILES[2025], COUNTY_FILE, ANES_FILE):
        shutil.copy(path, folder / path.name)
    (folder / "RVU25D.pdf").write_bytes(b"%PDF")
    with zipfile.ZipFile(tmp_path / "zipcodes.zip", "w") as archive:
        archive.write(ZIP_FILE, ZIP_FILE.name)
        archive.write(LAYOUT_FILE, LAYOUT_FILE.name)
    report = import_paths([folder, tmp_path / "zipcodes.zip"], tmp_path / "data")
    assert [r.name for r in report.releases] == ["RVU25D"] and report.zips == 42_956
    store = load_store(tmp_path / "data")
    assert store is not None and store.zip_localities["10001"] == ("13202", "01")


def test_earlier_releases_stay_and_the_same_release_is_replaced(data_dir):
    report = import_paths([RVU_FILES[2025]], data_dir)
    assert report.releases[0].replaced
    store = load_store(data_dir)
    assert store is not None and list(store.releases) == ["RVU26C", "RVU25D"]
    assert len(store.years[2025].localities) == 109  # the GPCIs it came with before are kept
    assert len(store.zip_localities) == 42_956


def test_an_older_release_of_a_year_sits_beside_the_newer_one(data_dir, tmp_path):
    january = tmp_path / "PPRRVU2026_Jan_nonQPP.csv"
    row = b"99213,,Office o/p est low 20 min,A,,"
    january.write_bytes(RVU_FILES[2026].read_bytes()
                        .replace(b"Relative Value File July Release", b"Relative Value File January Release")
                        .replace(row + b"1.30,", row + b"1.29,"))
    report = import_paths([january], data_dir)
    assert report.releases[0].name == "RVU26A"
    assert any("RVU26C stays the default for CY2026" in n for n in report.notes)
    store = load_store(data_dir)
    assert store is not None and list(store.releases) == ["RVU26C", "RVU26A", "RVU25D"]
    assert store.years[2026].release.name == "RVU26C"
    assert store.years[2026].rvus[("99213", "")].work == 1.30
    assert store.releases["RVU26A"].rvus[("99213", "")].work == 1.29
    assert len(store.releases["RVU26A"].localities) == 109  # the CY2026 GPCIs already stored


# --- what a file is --------------------------------------------------------------------------------


def test_files_are_recognised_by_content_not_only_by_name():
    expected = {RVU_FILES[2026]: "rvu", RVU_FILES[2025]: "rvu", GPCI_FILES[2026]: "gpci", GPCI_FILES[2025]: "gpci",
                COUNTY_FILE: "counties", ZIP_FILE: "zip5", LAYOUT_FILE: "zip_layout", ANES_FILE: "anesthesia"}
    for path, kind in expected.items():
        assert detect_kind(path.read_bytes().decode("latin-1")) == kind, path.name
    assert kind_by_name("PPRRVU2026_Jul_QPP.csv") == "rvu" and kind_by_name("26LOCCO.csv") == "counties"
    assert kind_by_name("RVU26C.pdf") is None


def test_county_and_zip_readers_pad_keys_like_the_gpci_file():
    counties = read_county_file(COUNTY_FILE)
    assert counties.year == 2025 and len(counties.areas) == 109
    alaska = next(a for a in counties.areas if a.state == "ALASKA")
    assert (alaska.mac, alaska.number, alaska.key) == ("02102", "01", "02102-01")  # "2102,1" in the file
    gpci_keys = {f"{line.split(',')[0]}-{line.split(',')[2]}" for line in
                 GPCI_FILES[2026].read_text(encoding="latin-1").splitlines() if line[:5].isdigit()}
    assert {a.key for a in counties.areas} == gpci_keys
    zips = read_zip5_file(ZIP_FILE)
    assert zips.year_quarter == "20254" and zips.zips["10001"] == ("13202", "01")
    assert {f"{m}-{n}" for m, n in zips.first_line} == gpci_keys


# --- bad files ----------------------------------------------------------------------------------------

RVU26 = RVU_FILES[2026]


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\r\n")


def cut_mid_file(tmp: Path) -> list[Path]:
    data = RVU26.read_bytes()
    (tmp / RVU26.name).write_bytes(data[:len(data) // 2 + 37])
    return [tmp / RVU26.name]


def cut_after_a_cell(tmp: Path) -> list[Path]:
    data = RVU26.read_bytes()
    end = data.index(b"\r\n", len(data) // 2) - 1  # the last row keeps every column but lost a digit
    (tmp / RVU26.name).write_bytes(data[:end])
    return [tmp / RVU26.name]


def gpci_named_as_rvu(tmp: Path) -> list[Path]:
    (tmp / "PPRRVU2026_Jul_nonQPP.csv").write_bytes(GPCI_FILES[2026].read_bytes())
    return [tmp / "PPRRVU2026_Jul_nonQPP.csv"]


def zip_layout(tmp: Path) -> list[Path]:
    return [LAYOUT_FILE]


def unknown_file(tmp: Path) -> list[Path]:
    (tmp / "notes.csv").write_text("a,b,c\n1,2,3\n")
    return [tmp / "notes.csv"]


def work_rvu_header_dropped(tmp: Path) -> list[Path]:
    lines = _lines(RVU26)
    cells = lines[8].split(b",")
    assert cells[5] == b"WORK"
    cells[5] = b""
    lines[8] = b",".join(cells)
    (tmp / RVU26.name).write_bytes(b"\r\n".join(lines))
    return [tmp / RVU26.name]


def work_rvu_not_a_number(tmp: Path) -> list[Path]:
    lines = _lines(RVU26)
    cells = lines[500].split(b",")  # line 501 of the file
    cells[5] = b"abc"
    lines[500] = b",".join(cells)
    (tmp / RVU26.name).write_bytes(b"\r\n".join(lines))
    return [tmp / RVU26.name]


def empty_zip(tmp: Path) -> list[Path]:
    zipfile.ZipFile(tmp / "RVU26C.zip", "w").close()
    return [tmp / "RVU26C.zip"]


def zip_without_rvu(tmp: Path) -> list[Path]:
    with zipfile.ZipFile(tmp / "RVU26C.zip", "w") as archive:
        archive.writestr("RVU26C.pdf", b"%PDF")
        archive.writestr("GPCI2026.csv", GPCI_FILES[2026].read_bytes())
    return [tmp / "RVU26C.zip"]


def truncated_zip(tmp: Path) -> list[Path]:
    data = build_rvu_zip(tmp / "full.zip").read_bytes()
    (tmp / "RVU26C.zip").write_bytes(data[:len(data) // 2])
    return [tmp / "RVU26C.zip"]


def bad_cell_inside_zip(tmp: Path) -> list[Path]:
    work_rvu_not_a_number(tmp)
    with zipfile.ZipFile(tmp / "RVU26C.zip", "w") as archive:
        archive.write(tmp / RVU26.name, RVU26.name)
    return [tmp / "RVU26C.zip"]


def gpci_of_another_year(tmp: Path) -> list[Path]:
    return [RVU26, GPCI_FILES[2025]]


def gpci_not_a_number(tmp: Path) -> list[Path]:
    (tmp / "GPCI2026.csv").write_bytes(GPCI_FILES[2026].read_bytes().replace(b"ALASKA*,1.500,", b"ALASKA*,1.5OO,"))
    return [RVU26, tmp / "GPCI2026.csv"]


def zip_file_cut(tmp: Path) -> list[Path]:
    data = ZIP_FILE.read_bytes()
    (tmp / ZIP_FILE.name).write_bytes(data[:len(data) // 2 + 40])
    return [tmp / ZIP_FILE.name]


def zip_file_cut_between_records(tmp: Path) -> list[Path]:
    data = ZIP_FILE.read_bytes()
    (tmp / ZIP_FILE.name).write_bytes(data[:82 * 20_000])
    return [tmp / ZIP_FILE.name]


def zip_in_unknown_locality(tmp: Path) -> list[Path]:
    lines = _lines(ZIP_FILE)
    lines[99] = lines[99][:12] + b"77" + lines[99][14:]
    (tmp / ZIP_FILE.name).write_bytes(b"\r\n".join(lines))
    return [tmp / ZIP_FILE.name]


def county_number_not_a_number(tmp: Path) -> list[Path]:
    (tmp / COUNTY_FILE.name).write_bytes(COUNTY_FILE.read_bytes().replace(b"1112,52,", b"1112,5x,"))
    return [tmp / COUNTY_FILE.name]


def county_in_unknown_locality(tmp: Path) -> list[Path]:
    (tmp / COUNTY_FILE.name).write_bytes(COUNTY_FILE.read_bytes().replace(b"1112,52,", b"1112,88,"))
    return [tmp / COUNTY_FILE.name]


def missing_file(tmp: Path) -> list[Path]:
    return [tmp / "PPRRVU2026_Jul_nonQPP.csv"]


LAST = -1  # the last line of the (cut) file

# (builder, file named, line, column, words of the message)
BAD_FILES: dict[str, tuple[Callable[[Path], list[Path]], str, int | None, str | None, str]] = {
    "truncated mid-row": (cut_mid_file, RVU26.name, LAST, None, "truncated"),
    "truncated inside the last cell": (cut_after_a_cell, RVU26.name, LAST, "MP USED FOR OPPS PAYMENT AMOUNT",
                                       "truncated"),
    "GPCI file named as the RVU file": (gpci_named_as_rvu, "PPRRVU2026_Jul_nonQPP.csv", None, None, "GPCI file"),
    "the ZIP layout instead of the ZIP file": (zip_layout, "ZIP5lyout.txt", None, None, "record layout"),
    "not a CMS file": (unknown_file, "notes.csv", None, None, "not a CMS file"),
    "WORK RVU header dropped": (work_rvu_header_dropped, RVU26.name, 10, "WORK RVU", "column missing"),
    "WORK RVU not a number": (work_rvu_not_a_number, RVU26.name, 501, "WORK RVU", "'abc' is not a number"),
    "empty zip": (empty_zip, "RVU26C.zip", None, None, "empty"),
    "zip without an RVU file": (zip_without_rvu, "RVU26C.zip", None, None, "holds no CMS RVU file"),
    "truncated zip": (truncated_zip, "RVU26C.zip", None, None, "truncated"),
    "bad cell inside a zip": (bad_cell_inside_zip, f"RVU26C.zip/{RVU26.name}", 501, "WORK RVU", "not a number"),
    "GPCI of another year": (gpci_of_another_year, GPCI_FILES[2025].name, 1, None, "CY2025"),
    "GPCI not a number": (gpci_not_a_number, "GPCI2026.csv", 5, "PW GPCI", "'1.5OO' is not a number"),
    "ZIP file cut mid-record": (zip_file_cut, ZIP_FILE.name, LAST, "Year/Quarter", "truncated"),
    "ZIP file cut between records": (zip_file_cut_between_records, ZIP_FILE.name, 20000, None, "truncated"),
    "ZIP in an unknown locality": (zip_in_unknown_locality, ZIP_FILE.name, 100, "Carrier", "does not have"),
    "county file bad number": (county_number_not_a_number, COUNTY_FILE.name, 14, "Locality Number",
                               "'5x' is not a locality number"),
    "county file unknown locality": (county_in_unknown_locality, COUNTY_FILE.name, 14, "Locality Number",
                                     "01112-88"),
    "missing file": (missing_file, "PPRRVU2026_Jul_nonQPP.csv", None, None, "no such file"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_one_clear_error_and_changes_nothing(case, data_dir, tmp_path):
    build, file, line, column, words = BAD_FILES[case]
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    paths = build(bad_dir)
    if line == LAST:
        line = paths[0].read_bytes().count(b"\n") + 1
    before = snapshot(data_dir)
    with pytest.raises(CmsFileError) as caught:
        import_paths(paths, data_dir)
    err = caught.value
    assert Path(err.file).name == Path(file).name or err.file == file, str(err)
    assert err.file.endswith(file)
    assert (err.line, err.column) == (line, column), str(err)
    assert words in str(err)
    assert "\n" not in str(err)
    assert snapshot(data_dir) == before
    store = load_store(data_dir)
    assert store is not None and list(store.releases) == ["RVU26C", "RVU25D"]
    assert store.years[2026].rvus[("99213", "")].work == 1.30 and len(store.zip_localities) == 42_956


def test_unwritable_data_directory_is_a_store_error(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the data directory should be")
    with pytest.raises(StoreError, match="cannot write"):
        import_paths([RVU26, GPCI_FILES[2026]], blocker)
    assert blocker.read_text() == "a file where the data directory should be"


def test_a_file_cut_between_rows_is_imported_with_a_warning(tmp_path):
    """Cut exactly at a line break, an RVU file is indistinguishable from a short one: the report says so."""
    data = RVU26.read_bytes()
    cut = tmp_path / RVU26.name
    cut.write_bytes(data[:data.index(b"\r\n", 300_000) + 2])
    report = import_paths([cut], tmp_path / "data")
    assert any("is it the complete file?" in n for n in report.notes)


# --- the command ---------------------------------------------------------------------------------------


def cptbot(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CPTBOT_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


def test_cli_import_and_status(tmp_path):
    data_dir = tmp_path / "data"
    run = cptbot("kb", "import", str(RVU26), str(GPCI_FILES[2026]), data_dir=data_dir)
    assert run.returncode == 0, run.stderr
    assert "RVU26C" in run.stdout and "17,096 codes" in run.stdout and "19,356 rows" in run.stdout
    assert " s:" in run.stdout.splitlines()[0]  # the time it took
    run = cptbot("kb", "status", data_dir=data_dir)
    assert run.returncode == 0, run.stderr
    assert "RVU26C" in run.stdout and "CF $33.4009" in run.stdout and "released 06/30/2026" in run.stdout
    assert hashlib.sha256(RVU26.read_bytes()).hexdigest() in run.stdout
    other = tmp_path / "other"
    run = cptbot("kb", "status", "--data-dir", str(other), data_dir=data_dir)
    assert run.returncode == 0 and "No CMS data imported" in run.stdout


def test_cli_bad_file_prints_one_line_and_keeps_the_data(tmp_path):
    data_dir = tmp_path / "data"
    assert cptbot("kb", "import", str(RVU26), data_dir=data_dir).returncode == 0
    before = snapshot(data_dir)
    bad = work_rvu_not_a_number(tmp_path)[0]
    run = cptbot("kb", "import", str(bad), data_dir=data_dir)
    assert run.returncode == 1
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert lines[0].startswith(f"error: {RVU26.name}:501: WORK RVU: 'abc' is not a number")
    assert "unchanged" in lines[0]
    assert snapshot(data_dir) == before


def test_a_gpci_file_alone_updates_the_stored_releases_of_its_year(data_dir, tmp_path):
    changed = tmp_path / "GPCI2025.csv"
    changed.write_bytes(GPCI_FILES[2025].read_bytes().replace(b"ALASKA*,1.5,1.081,", b"ALASKA*,1.5,1.091,"))
    report = import_paths([changed], data_dir)
    assert report.localities == 109 and not report.releases
    store = load_store(data_dir)
    assert store is not None
    alaska = next(loc for loc in store.years[2025].localities if loc.key == "02102-01")
    assert alaska.pe_gpci == 1.091 and alaska.counties == "ALL COUNTIES"
    assert next(loc for loc in store.years[2026].localities if loc.key == "02102-01").pe_gpci == 1.065


def test_a_qpp_file_alone_lends_its_conversion_factor_to_the_stored_release(data_dir, tmp_path):
    qpp = tmp_path / "PPRRVU2026_Jul_QPP.csv"
    qpp.write_bytes(RVU26.read_bytes().replace(b",33.4009,", b",33.5675,"))
    report = import_paths([qpp], data_dir)
    assert not report.releases and any("adds its QP conversion factor" in n for n in report.notes)
    store = load_store(data_dir)
    assert store is not None
    release = store.years[2026].release
    assert (release.conversion_factor, release.qp_conversion_factor) == (33.4009, 33.5675)
    assert release.source_file == RVU26.name
    assert [s.name for s in store.sources["RVU26C"]][:2] == [RVU26.name, qpp.name]


def test_an_excel_workbook_is_refused_by_name(tmp_path):
    book = tmp_path / "PPRRVU2026_Jul_nonQPP.xlsx"
    book.write_bytes(b"PK\x03\x04")
    with pytest.raises(CmsFileError, match="Excel workbook"):
        import_paths([book], tmp_path / "data")
