"""NCCI import: what the store answers equals CMS's files, read here independently with plain slicing.

Counts and spot rows come from the raw zip and CSV (regular expressions over the bytes, the csv module),
never from `bot.ncci_files`, so a reader bug cannot hide behind a test that asks the reader.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import threading
import zipfile
from datetime import date
from pathlib import Path

import pytest

from bot.cms import CmsFileError
from bot.store import import_paths, load_store, status
from tests.conftest import MUE_CSV, PTP_ZIP

ROW = re.compile(rb"^([0-9A-Z]{5})\t([0-9A-Z]{5})\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([019])\t([^\t\r\n]*)", re.M)


@pytest.fixture(scope="module")
def raw_ptp() -> dict:
    """Counts and a few pairs' rows straight from the zip's bytes."""
    rows = active = 0
    wanted = {("58558", "58120"), ("57461", "57452"), ("57461", "57454"), ("45380", "45378"), ("0007U", "0328U"),
              ("71046", "99213"), ("99213", "71046")}
    found: dict[tuple[str, str], list[tuple]] = {}
    heads = []
    with zipfile.ZipFile(PTP_ZIP) as archive:
        for name in sorted(archive.namelist()):
            data = archive.read(name)
            heads.append(data[:400])
            for m in ROW.finditer(data):
                rows += 1
                active += m.group(5) == b"*"
                key = (m.group(1).decode(), m.group(2).decode())
                if key in wanted:
                    found.setdefault(key, []).append(tuple(g.decode() for g in m.groups()))
    return {"rows": rows, "active": active, "pairs": found}


@pytest.fixture(scope="module")
def raw_mue() -> dict[str, list[str]]:
    lines = list(csv.reader(io.StringIO(MUE_CSV.read_bytes().decode("latin-1"))))
    return {r[0]: r for r in lines[2:] if r}


@pytest.fixture(scope="module")
def store(ncci_imported):
    loaded = load_store(ncci_imported["data_dir"])
    assert loaded is not None
    return loaded


def test_import_reports_the_pairs_and_codes_of_the_files(ncci_imported, raw_ptp, raw_mue):
    text = "\n".join(ncci_imported["report"].lines())
    assert f"{raw_ptp['rows']:,} pairs, {raw_ptp['active']:,} active" in text
    assert f"{len(raw_mue):,} codes" in text
    assert "2024 Q3 (effective 2024-07-01)" in text


def test_status_lists_the_quarters_with_file_hashes(ncci_imported, raw_ptp):
    report = status(ncci_imported["data_dir"])
    sets = {(s.kind, s.setting, s.effective): s for s in report.ncci}
    ptp = sets[("ptp", "practitioner", "2024-07-01")]
    assert (ptp.rows, ptp.active) == (raw_ptp["rows"], raw_ptp["active"])
    mue = sets[("mue", "practitioner", "2024-07-01")]
    assert mue.sources[0].sha256 == hashlib.sha256(MUE_CSV.read_bytes()).hexdigest()
    with zipfile.ZipFile(PTP_ZIP) as archive:
        hashes = {Path(n).name: hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()}
    assert {s.name: s.sha256 for s in ptp.sources} == hashes
    text = "\n".join(report.lines())
    assert "NCCI PTP edits, practitioner, 2024 Q3" in text and "NCCI MUEs, practitioner" in text


@pytest.mark.parametrize("pair", [("58558", "58120"), ("57461", "57452"), ("57461", "57454"), ("45380", "45378"),
                                  ("0007U", "0328U")])
def test_a_pair_is_found_in_either_order_with_every_row_cms_lists(store, raw_ptp, pair):
    edit_set = store.ncci.of("ptp", "practitioner")[0]
    expected = sorted(((r[0], r[1], None if r[4] == "*" else int(r[4]), int(r[5]), r[6])
                       for r in raw_ptp["pairs"][pair]), key=repr)
    for a, b in (pair, pair[::-1]):
        edits = store.ncci.pair(edit_set, a, b)
        got = sorted(((e.column1, e.column2, e.deleted, e.modifier, e.rationale) for e in edits), key=repr)
        assert got == expected


def test_codes_without_an_edit_and_odd_input_find_nothing(store, raw_ptp):
    edit_set = store.ncci.of("ptp", "practitioner")[0]
    assert ("71046", "99213") not in raw_ptp["pairs"] and ("99213", "71046") not in raw_ptp["pairs"]
    assert store.ncci.pair(edit_set, "99213", "71046") == []
    assert store.ncci.pair(edit_set, "58558", "58558") == []
    assert store.ncci.pair(edit_set, "58558", "5812") == []
    assert store.ncci.pair(edit_set, "58558", "58120'; drop table ptp; --") == []


@pytest.mark.parametrize("code", ["27447", "99292", "11045", "J1885", "20610", "J1100"])
def test_mue_values_equal_the_file(store, raw_mue, code):
    edit_set = store.ncci.of("mue", "practitioner")[0]
    mue = store.ncci.mue(edit_set, code)
    row = raw_mue[code]
    assert mue is not None and (mue.value, mue.indicator, mue.rationale) == (int(row[1]), int(row[2][0]), row[3])


# --- bad files: one line naming file, line and column; the previous data untouched ----------------------


def _head_lines(count: int) -> list[bytes]:
    with zipfile.ZipFile(PTP_ZIP) as archive:
        name = sorted(archive.namelist())[0]
        data = archive.read(name)
    return data.split(b"\r\n")[:count]


def _zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def snapshot(data_dir: Path) -> list:
    return sorted((p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in data_dir.iterdir() if p.is_file())


@pytest.fixture
def small_dir(imported, tmp_path) -> Path:
    """A copy of the CMS-only data plus a small PTP set made of the real file's first 200 rows."""
    target = tmp_path / "data"
    shutil.copytree(imported["data_dir"], target)
    lines = _head_lines(206)
    import_paths([_zip(tmp_path / "ccipra_v302r0_f1.zip", {"ccipra_v302r0_f1.txt": b"\r\n".join(lines) + b"\r\n"})],
                 target)
    return target


def _bad_cell(lines: list[bytes]) -> tuple[list[bytes], int, str]:
    lines[100] = lines[100].replace(lines[100][6:11], b"58A2!", 1)
    return lines, 101, "Column 2"


def _wrong_columns(lines: list[bytes]) -> tuple[list[bytes], int, str]:
    lines[2] = lines[2].replace(b"Modifier", b"Modifer")
    return lines, 3, ""


def _bad_indicator(lines: list[bytes]) -> tuple[list[bytes], int, str]:
    cells = lines[50].split(b"\t")
    cells[5] = b"7"
    lines[50] = b"\t".join(cells)
    return lines, 51, "Modifier"


def _bad_date(lines: list[bytes]) -> tuple[list[bytes], int, str]:
    cells = lines[60].split(b"\t")
    cells[4] = b"20241399"
    lines[60] = b"\t".join(cells)
    return lines, 61, "Deletion Date"


@pytest.mark.parametrize("spoil", [_bad_cell, _wrong_columns, _bad_indicator, _bad_date],
                         ids=["non-code cell", "wrong columns", "bad modifier indicator", "bad date"])
def test_a_bad_ptp_file_is_one_line_naming_file_line_and_column(small_dir, tmp_path, spoil):
    lines, line, column = spoil(_head_lines(300))
    bad = _zip(tmp_path / "ccipra_v303r0_f1.zip", {"ccipra_v303r0_f1.txt": b"\r\n".join(lines) + b"\r\n"})
    before = snapshot(small_dir)
    with pytest.raises(CmsFileError) as err:
        import_paths([bad], small_dir)
    message = str(err.value)
    assert message.startswith(f"ccipra_v303r0_f1.zip/ccipra_v303r0_f1.txt:{line}: {column}")
    assert "\n" not in message
    assert snapshot(small_dir) == before


def test_a_truncated_zip_is_refused_and_changes_nothing(small_dir, tmp_path):
    whole = _zip(tmp_path / "whole.zip", {"ccipra_v303r0_f1.txt": b"\r\n".join(_head_lines(3000)) + b"\r\n"})
    cut = tmp_path / "ccipra_v303r0_f1.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    before = snapshot(small_dir)
    with pytest.raises(CmsFileError, match=r"^ccipra_v303r0_f1.zip: .*truncated"):
        import_paths([cut], small_dir)
    assert snapshot(small_dir) == before


def test_a_part_cut_mid_row_is_refused(small_dir, tmp_path):
    data = b"\r\n".join(_head_lines(300)) + b"\r\n"
    cut = tmp_path / "ccipra_v303r0_f1.txt"
    cut.write_bytes(data[:-30])
    with pytest.raises(CmsFileError, match=r"^ccipra_v303r0_f1.txt:\d+: "):
        import_paths([cut], small_dir)


def test_a_mue_file_with_a_non_number_names_line_and_column(small_dir, tmp_path):
    lines = MUE_CSV.read_bytes().split(b"\r\n")[:50]
    lines[20] = re.sub(rb",\d+,", b",many,", lines[20], count=1)
    bad = tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv"
    bad.write_bytes(b"\r\n".join(lines) + b"\r\n")
    with pytest.raises(CmsFileError, match=r"^MCR_MUE_PractitionerServices_Eff_07-01-2024.csv:21: MUE Values: "):
        import_paths([bad], small_dir)


def test_the_quarter_comes_from_name_text_or_effective(small_dir, tmp_path):
    lines = _head_lines(120)
    lines[0] = b"Medicare NCCI practitioner procedure-to-procedure edits"  # no date in the first lines
    undated = tmp_path / "practitioner_ptp_f1.txt"
    undated.write_bytes(b"\r\n".join(lines) + b"\r\n")
    with pytest.raises(CmsFileError, match="--effective"):
        import_paths([undated], small_dir)
    report = import_paths([undated], small_dir, effective=date(2024, 10, 1))
    assert "2024 Q4 (effective 2024-10-01)" in "\n".join(report.lines())
    store = load_store(small_dir)
    assert store is not None
    assert [s.effective for s in store.ncci.of("ptp", "practitioner")] == ["2024-10-01", "2024-07-01"]


def test_a_store_swap_under_concurrent_readers(small_dir, tmp_path):
    """Readers opening the store while imports swap it see the old edits or the new, whole, never an error."""
    lines = _head_lines(206)
    cells = lines[6].split(b"\t")
    pair = (cells[0].decode(), cells[1].decode())
    flipped = b"1" if cells[5] == b"0" else b"0"
    lines[6] = b"\t".join([*cells[:5], flipped, *cells[6:]])
    other = _zip(tmp_path / "ccipra_v302r0_f1.zip", {"ccipra_v302r0_f1.txt": b"\r\n".join(lines) + b"\r\n"})
    (tmp_path / "original").mkdir()
    original = _zip(tmp_path / "original" / "ccipra_v302r0_f1.zip",
                    {"ccipra_v302r0_f1.txt": b"\r\n".join(_head_lines(206)) + b"\r\n"})
    seen: set[int] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                store = load_store(small_dir)
                assert store is not None
                edits = store.ncci.pair(store.ncci.of("ptp", "practitioner")[0], *pair)
                assert len(edits) == 1
                seen.add(edits[0].modifier)
                assert store.years[2026].rvus[("99213", "")].work == 1.30
            except BaseException as exc:
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for t in readers:
        t.start()
    try:
        for i in range(6):
            import_paths([other if i % 2 == 0 else original], small_dir)
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert not errors
    assert seen <= {0, 1}


def test_cli_imports_ncci_files_beside_the_others_and_status_lists_them(tmp_path, capsys):
    from bot.cli import main

    data_dir = tmp_path / "data"
    part = _zip(tmp_path / "ccipra_v302r0_f1.zip", {"ccipra_v302r0_f1.txt": b"\r\n".join(_head_lines(106)) + b"\r\n"})
    assert main(["kb", "import", str(part), str(MUE_CSV), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "NCCI PTP edits, practitioner, 2024 Q3 (effective 2024-07-01): 100 pairs" in out
    assert "NCCI MUEs, practitioner, 2024 Q3" in out
    assert main(["kb", "status", "--data-dir", str(data_dir)]) == 0
    assert "NCCI PTP edits, practitioner, 2024 Q3" in capsys.readouterr().out
    undated = tmp_path / "ptp_f1.txt"
    undated.write_bytes(b"\r\n".join([b"NCCI practitioner edits", *_head_lines(50)[1:]]) + b"\r\n")
    assert main(["kb", "import", str(undated), "--effective", "2024-10-01", "--data-dir", str(data_dir)]) == 0
    assert "2024 Q4 (effective 2024-10-01)" in capsys.readouterr().out
