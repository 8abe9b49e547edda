"""Hostile and damaged import files: each ends in one line naming file, line and column, never a traceback.

Built in tmp_path from the real CMS files: a carriage return alone inside a cell, binary bytes under a CMS
file name, a zip member that inflates far past any CMS file, a ZIP5 file saved with a UTF-8 byte-order
mark (accepted), and a zip named for one release that holds another's files (said out loud).
"""

from __future__ import annotations

import codecs
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import bot.cms as cms
from bot.cms import CmsFileError, gather_inputs, parse_gpci_text, read_zip5_file
from tests.conftest import CMS, GPCI_FILES, ROOT, ZIP_FILE

BINARY = bytes(range(256)) * 200  # every byte value, NULs included


def one_line_error(paths: list[Path]) -> CmsFileError:
    """The CmsFileError that reading and parsing `paths` raises (as `kb import` does, before writing)."""
    with pytest.raises(CmsFileError) as caught:
        inputs, _ = gather_inputs(paths)
        for item in inputs:
            kind = cms.classify(item)
            {"rvu": cms.parse_rvu_text, "gpci": parse_gpci_text, "counties": cms.parse_county_text,
             "zip5": cms.parse_zip5_text}[kind](item.text, item.display)
    assert "\n" not in str(caught.value) and "\r" not in str(caught.value)
    return caught.value


def test_a_carriage_return_alone_inside_a_cell_names_its_line_and_column(tmp_path):
    data = GPCI_FILES[2025].read_bytes()
    row = data.index(b"\n", data.index(b"\n", data.index(b"Medicare Admin")) + 1) + 1  # a locality row
    cell = data.index(b",", row) + 3  # inside the second cell
    bad = tmp_path / "GPCI2025.csv"
    bad.write_bytes(data[:cell] + b"\r" + data[cell:])
    error = one_line_error([bad])
    assert error.file == "GPCI2025.csv" and error.line == data[:cell].count(b"\n") + 1
    assert error.column == "column 2" and "carriage return" in str(error)


@pytest.mark.parametrize("name", ["PPRRVU2026_Jul_nonQPP.csv", "GPCI2026.csv", "26LOCCO.csv", "ZIP5_JAN2026.txt"])
def test_binary_bytes_under_a_cms_file_name_are_refused_in_one_line(tmp_path, name):
    bad = tmp_path / name
    bad.write_bytes(BINARY)
    error = one_line_error([bad])
    assert error.file == name and error.line == 1 and error.column


def test_kb_import_of_binary_says_one_line_and_exits_1(tmp_path):
    bad = tmp_path / "PPRRVU2026_Jul_nonQPP.csv"
    bad.write_bytes(BINARY[1:] + BINARY)  # no NUL in the first bytes: control characters give it away
    run = subprocess.run([sys.executable, "-m", "bot.cli", "kb", "import", str(bad), "--data-dir",
                          str(tmp_path / "data")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1 and "binary data" in run.stderr


def test_a_zip_member_that_inflates_past_the_cap_is_refused_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(cms, "MAX_MEMBER_BYTES", 1024 * 1024)
    bomb = tmp_path / "RVU26C.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("PPRRVU2026_Jul_nonQPP.csv", "w") as member:
        for _ in range(3):
            member.write(b"0" * (1024 * 1024))
    assert bomb.stat().st_size < 20_000
    error = one_line_error([bomb])
    assert error.file == "RVU26C.zip/PPRRVU2026_Jul_nonQPP.csv" and "inflates to more than 1 MB" in str(error)


def test_a_zip5_file_with_a_utf8_byte_order_mark_is_read_like_the_original(tmp_path):
    marked = tmp_path / ZIP_FILE.name
    marked.write_bytes(codecs.BOM_UTF8 + ZIP_FILE.read_bytes())
    original, read = read_zip5_file(ZIP_FILE), read_zip5_file(marked)
    assert read.zips == original.zips and read.year_quarter == original.year_quarter


def test_a_zip_named_for_2026_holding_2025_files_says_what_it_found(tmp_path):
    archive = tmp_path / "RVU26C.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("PPRRVU2025_Oct.csv", "GPCI2025.csv"):
            z.write(CMS / "rvu25d" / name, name)
    inputs, notes = gather_inputs([archive])
    assert [i.name for i in inputs] == ["PPRRVU2025_Oct.csv", "GPCI2025.csv"]
    said = " ".join(notes)
    assert "RVU26C.zip is named for release RVU26C" in said and "RVU25D" in said
    assert "answers cite PPRRVU2025_Oct.csv" in said and "CY2025 GPCIs" in said


def test_the_facility_readers_name_a_stray_carriage_return_too():
    from bot.facility import readers

    text = (CMS / "rvu25d" / "ANES2025.csv").read_bytes().decode("cp1252")
    cut = text.index("\n", text.index("\n") + 1) + 4  # inside the first cell of the third line
    with pytest.raises(CmsFileError) as caught:
        readers.parse_anesthesia_cf(text[:cut] + "\r" + text[cut:], "ANES2025.csv")
    assert caught.value.line == 3 and caught.value.column == "column 1" and "carriage return" in str(caught.value)
