"""Importing the facility files (OPPS, ASC, anesthesia, HCPCS Level II) as CMS publishes them, and bad files.

Expected values are read from the files here with the csv module, never typed. Every bad file must end in one
`CmsFileError` naming file, line and column, and leave `facility.sqlite3` byte for byte as it was.
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from bot.cms import CmsFileError
from bot.facility import db
from bot.facility.importer import parse, prepare
from tests.conftest import SHARED

DATA = SHARED / "data"
OPPS_B = DATA / "opps" / "2025 NFRM Addendum B.11122024.txt"
OPPS_A = DATA / "opps" / "2025 NFRM Addendum A.11122024.txt"
ASC = sorted((DATA / "asc").glob("ASC_Addendum_*.csv"))
ASC_AA_NEWEST = DATA / "asc" / "ASC_Addendum_AA_20260401.csv"
ANES_XLSX = DATA / "anesthesia" / "CY_2022_Anesthesia_Base_Units_110921.xlsx"
ANES_TXT = next((DATA / "anesthesia").glob("Section 508*.txt"))
ANES_CF = DATA / "cms" / "rvu25d" / "ANES2025.csv"
HCPCS_XLSX = DATA / "hcpcs" / "HCPC2025_JUL_ANWEB_long_descriptions.xlsx"
ALL = [OPPS_B, OPPS_A, *ASC, ANES_XLSX, ANES_TXT, ANES_CF, HCPCS_XLSX]


def money_text(text: str) -> float:
    return float(text.strip().lstrip("$").replace(",", ""))


def tsv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("latin-1")), delimiter="\t"))


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("latin-1"))))


def import_files(paths: list[Path], data_dir: Path) -> list[db.Written]:
    prepared = prepare([str(p) for p in paths])
    return db.write(prepared.datasets, data_dir)


@pytest.fixture(scope="module")
def facility_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("facility") / "data"
    import_files(ALL, data_dir)
    return data_dir


def test_every_file_is_imported_with_its_period_and_row_count(facility_dir):
    data = db.load(facility_dir)
    assert data is not None
    periods = {k: [d.period for d in v] for k, v in data.datasets.items()}
    assert periods["asc_aa"] == ["2026-04", "2026-01", "2025-10", "2025-01"]  # from the headers' quarters
    assert periods["opps_b"] == ["2025-01"] and periods["anes_cf"] == ["2025"] and periods["hcpcs"] == ["2025-07"]
    codes_b = {r[0].strip() for r in tsv(OPPS_B)[5:] if r and r[0].strip()}
    assert data.newest("opps_b").rows == len(codes_b)


def test_opps_rates_copayments_and_apc_titles_equal_the_files(facility_dir):
    data = db.load(facility_dir)
    rows = tsv(OPPS_B)
    header = [h.strip() for h in rows[4]]
    col = {name: header.index(name) for name in ("HCPCS Code", "SI", "APC", "Payment Rate",
                                                  "Minimum Unadjusted Copayment")}
    titles = {r[0].strip(): r[1].strip() for r in tsv(OPPS_A) if r and r[0].strip().isdigit()}
    checked = 0
    for r in rows[5:]:
        if not r[col["Payment Rate"]].strip() or checked > 200:
            continue
        code = r[col["HCPCS Code"]].strip()
        stored = data.one("SELECT si, apc, rate, copay_minimum FROM opps WHERE code = ?", (code,))
        assert stored[0] == r[col["SI"]].strip() and stored[1] == r[col["APC"]].strip()
        assert stored[2] == pytest.approx(money_text(r[col["Payment Rate"]]))
        assert stored[3] == pytest.approx(money_text(r[col["Minimum Unadjusted Copayment"]]))
        assert data.one("SELECT title FROM apc WHERE apc = ?", (stored[1],))[0] == titles[stored[1]]
        checked += 1
    assert checked > 200


def test_asc_rates_of_every_quarter_equal_the_files(facility_dir):
    data = db.load(facility_dir)
    for path in ASC:
        rows = csv_rows(path)
        addendum = "AA" if "_AA_" in path.name else "BB"
        period = f"{path.stem[-8:-4]}-{path.stem[-4:-2]}"
        rate_col = next(i for i, h in enumerate(rows[3]) if h.strip().endswith("Payment Rate"))
        for r in rows[4:]:
            if r and r[0].strip() and r[rate_col].strip():
                stored = data.one("SELECT rate, pi FROM asc WHERE code = ? AND period = ? AND addendum = ?",
                                  (r[0].strip(), period, addendum))
                assert stored[0] == pytest.approx(money_text(r[rate_col])), (path.name, r[0])


def test_anesthesia_xlsx_and_508_text_give_the_same_table_and_the_cfs_equal_the_file(facility_dir):
    from_xlsx = parse(ANES_XLSX.name, ANES_XLSX.read_bytes())
    from_txt = parse(ANES_TXT.name, ANES_TXT.read_bytes())
    assert from_xlsx.rows == from_txt.rows and from_xlsx.period == from_txt.period == "2022"
    expected = {r[0].strip(): float(r[1]) for r in tsv(ANES_TXT) if r and r[0].strip()[:1] == "0"}
    data = db.load(facility_dir)
    assert dict(data.query("SELECT code, units FROM anes_base")) == expected
    cfs = {f"{r[0].strip()}-{r[1].strip()}": float(r[3]) for r in csv_rows(ANES_CF)[1:] if r and r[0].strip()}
    assert {f"{m}-{n}": cf for m, n, cf in data.query("SELECT mac, locality, cf FROM anes_cf")} == cfs


def test_hcpcs_fixed_width_text_by_cms_record_layout(tmp_path):
    """CMS's fixed-width file: code 1-5, sequence 6-10, record id 11, long description 12-91 (continued on
    record 4 lines), short description 92-119."""
    def record(code: str, seq: int, recid: str, long: str, short: str = "") -> str:
        return f"{code:<5}{seq:05d}{recid}{long:<80}{short:<28}" + " " * 200

    lines = [record(f"A{i:04d}", 100, "3", f"Supply number {i}", f"Supply {i}") for i in range(1100)]
    lines += [record("J9999", 100, "3", "Injection, a long drug name that CMS continues", "Inj drug"),
              record("J9999", 200, "4", "on a second record, per 1 mg")]
    path = tmp_path / "HCPC2026_JAN_ANWEB.txt"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="latin-1")
    d = parse(path.name, path.read_bytes())
    assert d.kind == "hcpcs" and d.period == "2026-01"
    assert dict((c, long) for c, long, _ in d.rows)["J9999"] == ("Injection, a long drug name that CMS continues "
                                                                 "on a second record, per 1 mg")
    path.write_text("\r\n".join([*lines, "J88"]) + "\r\n", encoding="latin-1")
    with pytest.raises(CmsFileError, match=r"HCPC2026_JAN_ANWEB.txt:1103: .*too short"):
        parse(path.name, path.read_bytes())


# --- bad files -----------------------------------------------------------------------------------------------

def spoil(tmp_path: Path, source: Path, name: str | None = None, replace: tuple[bytes, bytes] | None = None,
          cut: int | None = None) -> Path:
    data = source.read_bytes()
    if replace:
        assert replace[0] in data
        data = data.replace(replace[0], replace[1], 1)
    if cut is not None:
        data = data[:cut]
    path = tmp_path / (name or source.name)
    path.write_bytes(data)
    return path


BAD_CASES = [
    ("bad money", lambda t: spoil(t, ASC_AA_NEWEST, replace=(b'"$1,255.73 "', b'"$1,2x5.73 "')),
     r"ASC_Addendum_AA_20260401.csv:\d+: April 2026 Payment Rate|Payment Rate: '\$1,2x5.73' is not an amount"),
    ("truncated", lambda t: spoil(t, ASC_AA_NEWEST, cut=ASC_AA_NEWEST.read_bytes().index(b"66984") + 12),
     r"ASC_Addendum_AA_20260401.csv:\d+: the last row has \d of 7 columns"),
    ("missing column", lambda t: spoil(t, ASC_AA_NEWEST, replace=(b"April 2026 Payment Rate", b"April 2026 Amount")),
     r"ASC_Addendum_AA_20260401.csv:4: Payment Rate: column missing"),
    ("quarter in name disagrees", lambda t: spoil(t, ASC_AA_NEWEST, name="ASC_Addendum_AA_20260101.csv"),
     r"ASC_Addendum_AA_20260101.csv:4: the header is for April 2026 but the file name says January 2026"),
    ("blank status indicator", lambda t: spoil(t, OPPS_B, replace=(b"58558\tHysteroscopy biopsy\t\tJ1",
                                                                   b"58558\tHysteroscopy biopsy\t\t")),
     r"Addendum B.11122024.txt:\d+: SI: the status indicator is blank"),
    ("conflicting duplicate", lambda t: spoil(t, ASC_AA_NEWEST, replace=(b"58558,,Hysteroscopy biopsy,Y",
                                                                         b"66984,,Hysteroscopy biopsy,Y")),
     r"ASC_Addendum_AA_20260401.csv: HCPCS code 66984 is listed twice, with different values"),
    ("bad conversion factor", lambda t: spoil(t, ANES_CF, replace=(b"19.31", b"19.x1")),
     r"ANES2025.csv:2: Anes CF: '19.x1' is not a number"),
    ("truncated workbook", lambda t: spoil(t, ANES_XLSX, cut=5000),
     r"CY_2022_Anesthesia_Base_Units_110921.xlsx: not a complete Excel workbook|damaged or truncated"),
    ("base unit not a number", lambda t: spoil(t, ANES_TXT, replace=(b"00840\t6", b"00840\tsix")),
     r"\.txt:\d+: BASE UNIT: 'six' is not a number"),
]


@pytest.mark.parametrize(("why", "make", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_a_bad_file_names_file_line_column_and_changes_nothing(tmp_path, facility_dir, why, make, message, capsys):
    data_dir = tmp_path / "data"
    shutil.copytree(facility_dir, data_dir)
    before = (data_dir / db.DB_NAME).read_bytes()
    bad = make(tmp_path)
    status = main(["kb", "import", str(OPPS_A), str(bad), "--data-dir", str(data_dir)])
    err = capsys.readouterr().err
    assert status == 1 and len(err.strip().splitlines()) == 1, err
    assert __import__("re").search(message, err), err
    assert "previous data is unchanged" in err
    assert (data_dir / db.DB_NAME).read_bytes() == before


def test_later_imports_keep_other_periods_and_replace_the_same_one(tmp_path, capsys):
    data_dir = tmp_path / "data"
    import_files([ASC[0]], data_dir)
    written = import_files([ASC_AA_NEWEST, ASC[0]], data_dir)
    assert [(w.period, w.replaced) for w in written] == [("2026-04", False), ("2025-01", True)]
    data = db.load(data_dir)
    assert [d.period for d in data.datasets["asc_aa"]] == ["2026-04", "2025-01"]
    assert main(["kb", "status", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "ASC Addendum AA April 2026: " in out and "ASC Addendum AA January 2025: " in out


def test_facility_files_in_a_cms_zip_and_beside_fee_schedule_files(tmp_path, capsys):
    archive = tmp_path / "asc_addenda.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(ASC_AA_NEWEST, ASC_AA_NEWEST.name)
        z.writestr("ASC_Addendum_AA_20260401.xlsx", b"PK\x03\x04 the same table as a workbook")
        z.writestr("README.pdf", b"%PDF")
    status = main(["kb", "import", str(archive), str(ANES_CF), str(SHARED / "data/cms/zip/ZIP5_OCT2025.txt"),
                   "--data-dir", str(tmp_path / "data")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "CY2026 ASC Addendum AA (April 2026)" in out and "anesthesia conversion factors" in out
    assert "ZIP codes: 42,956" in out  # the fee schedule import took the rest


def tiny_xlsx(path: Path, rows: list[list[str]]) -> Path:
    """A minimal workbook (inline strings), as any spreadsheet program can write one."""
    def col(i: int) -> str:
        return chr(65 + i)

    cells = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{col(i)}{n}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in
                                   enumerate(r)) + "</row>" for n, r in enumerate(rows, start=1))
    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{main_ns}"><sheets><sheet name="a" sheetId="1"/></sheets>'
                                      "</workbook>")
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{main_ns}"><sheetData>{cells}</sheetData>'
                                               "</worksheet>")
    return path


def test_hcpcs_workbooks_by_header_names_and_their_problems(tmp_path):
    rows = [["HCPC", "SEQNUM", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION"]]
    rows += [[f"A{i:04d}", "00100", "3", f"Supply number {i}", f"Supply {i}"] for i in range(1100)]
    rows += [["J9998", "00100", "3", "Injection, drug name that goes", "Inj"], ["J9998", "00200", "4", "on, 1 mg", ""]]
    d = parse("HCPC2026_APR_ANWEB.xlsx", tiny_xlsx(tmp_path / "HCPC2026_APR_ANWEB.xlsx", rows).read_bytes())
    assert d.period == "2026-04" and ("J9998", "Injection, drug name that goes on, 1 mg", "Inj") in d.rows
    no_long = [[c for j, c in enumerate(r) if j != 3] for r in rows]
    with pytest.raises(CmsFileError, match=r"HCPC2026_APR_ANWEB.xlsx:1: Long Description: column missing"):
        parse("HCPC2026_APR_ANWEB.xlsx", tiny_xlsx(tmp_path / "b.xlsx", no_long).read_bytes())
    bad_code = [*rows, ["J99", "00100", "3", "A short code", ""]]
    with pytest.raises(CmsFileError, match=r"HCPC2026_APR_ANWEB.xlsx:1104: HCPCS: 'J99' is not a HCPCS code"):
        parse("HCPC2026_APR_ANWEB.xlsx", tiny_xlsx(tmp_path / "c.xlsx", bad_code).read_bytes())


def test_opps_addendum_a_with_a_bad_apc_number(tmp_path):
    bad = spoil(tmp_path, OPPS_A, replace=(b"\n5414\t", b"\n54x4\t"))
    with pytest.raises(CmsFileError, match=r"Addendum A.11122024.txt:\d+: APC: '54x4' is not an APC number"):
        parse(bad.name, bad.read_bytes())


def test_opps_file_without_a_year_anywhere(tmp_path):
    bad = spoil(tmp_path, OPPS_B, name="addendum_b.txt", replace=(b"for CY 2025", b"for this year"))
    with pytest.raises(CmsFileError, match=r"addendum_b.txt:1: cannot tell the year"):
        parse(bad.name, bad.read_bytes())


def test_broken_facility_yaml_is_reported_with_file_line_entry_field(tmp_path):
    from bot.facility.knowledge import load_facility_knowledge
    from bot.yamlfile import KnowledgeError
    from tests.conftest import ROOT

    text = (ROOT / "knowledge" / "facility.yaml").read_text()
    (tmp_path / "facility.yaml").write_text(text.replace('J1: {paid: "yes"', 'J1: {paid: "perhaps"'))
    with pytest.raises(KnowledgeError) as err:
        load_facility_knowledge(tmp_path)
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if t.strip().startswith("J1:"))
    assert f"knowledge/facility.yaml:{line}: J1: paid: must be one of yes, no, sometimes" in str(err.value)


def test_the_database_is_read_only_and_opened_per_thread(facility_dir):
    import sqlite3
    import threading

    data = db.load(facility_dir)
    with pytest.raises(sqlite3.OperationalError):
        data.query("DELETE FROM opps")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(data.one("SELECT COUNT(*) FROM asc")[0]))
    thread.start()
    thread.join()
    assert seen and seen[0] > 0
