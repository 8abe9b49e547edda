"""Read the first worksheet of an .xlsx workbook with the standard library only.

An .xlsx file is a zip of XML parts: `xl/workbook.xml` names the sheets, `xl/_rels/workbook.xml.rels` says
which part holds each, `xl/sharedStrings.xml` holds the text cells, and each sheet lists its cells by
reference ("B12"). CMS publishes its anesthesia base units and HCPCS files this way; a dependency such as
openpyxl would do more than these flat tables need. Problems end in `CmsFileError` naming the file.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from xml.etree import ElementTree

from bot.cms import CmsFileError

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
CELL_RE = re.compile(r"^([A-Z]{1,3})(\d+)$")
MAX_GAP = 10_000  # empty rows Excel may skip in one place; more means a damaged sheet
MAX_COLUMNS = 200  # CMS's widest table has about 50 columns; a corrupt reference must not allocate millions


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _text(si: ElementTree.Element) -> str:
    """A shared string: its plain text, or the runs of rich text joined."""
    return "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))


def read_rows(data: bytes, name: str) -> list[list[str]]:
    """The first worksheet as rows of cell text (numbers as Excel wrote them), gaps filled with ""."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise CmsFileError(name, "not a complete Excel workbook (is the download truncated?)") from None
    try:
        with book:
            parts = set(book.namelist())

            def xml(part: str) -> ElementTree.Element:
                return ElementTree.fromstring(book.read(part))

            if "xl/workbook.xml" not in parts:
                raise CmsFileError(name, "not an Excel workbook: it has no xl/workbook.xml")
            sheet = xml("xl/workbook.xml").find("m:sheets/m:sheet", NS)
            if sheet is None:
                raise CmsFileError(name, "the workbook has no worksheet")
            target = "xl/worksheets/sheet1.xml"
            rid = sheet.get(f"{{{NS['r']}}}id")
            if "xl/_rels/workbook.xml.rels" in parts and rid:
                for rel in xml("xl/_rels/workbook.xml.rels").findall("p:Relationship", NS):
                    if rel.get("Id") == rid:
                        t = rel.get("Target", "")
                        target = t.lstrip("/") if t.startswith("/") else "xl/" + t
            if target not in parts:
                raise CmsFileError(name, f"the workbook's first sheet ({target}) is missing")
            shared = [_text(si) for si in xml("xl/sharedStrings.xml").findall("m:si", NS)] \
                if "xl/sharedStrings.xml" in parts else []
            rows: list[list[str]] = []
            for row in xml(target).iterfind("m:sheetData/m:row", NS):
                cells: dict[int, str] = {}
                for i, c in enumerate(row.findall("m:c", NS)):
                    m = CELL_RE.match(c.get("r", ""))
                    col = _column_index(m.group(1)) if m else i
                    if col >= MAX_COLUMNS:
                        raise CmsFileError(name, f"cell {c.get('r')} is beyond column {MAX_COLUMNS}")
                    kind = c.get("t", "n")
                    if kind == "inlineStr":
                        is_ = c.find("m:is", NS)
                        value = _text(is_) if is_ is not None else ""
                    else:
                        v = c.find("m:v", NS)
                        value = v.text or "" if v is not None else ""
                        if kind == "s" and value:
                            try:
                                value = shared[int(value)]
                            except (ValueError, IndexError):
                                raise CmsFileError(name, f"cell {c.get('r')} points to a missing text",
                                                   line=len(rows) + 1) from None
                    cells[col] = value
                number = int(row.get("r") or len(rows) + 1) if (row.get("r") or "1").isdigit() else len(rows) + 1
                if number - len(rows) > MAX_GAP:
                    raise CmsFileError(name, f"row {number} follows row {len(rows)}: the sheet is damaged")
                while len(rows) < number - 1:  # rows Excel left out because they are empty
                    rows.append([])
                rows.append([cells.get(i, "") for i in range(max(cells) + 1)] if cells else [])
            return rows
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error, ElementTree.ParseError):
        raise CmsFileError(name, "the Excel workbook is damaged or truncated") from None
