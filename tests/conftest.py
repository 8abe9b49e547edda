"""Shared fixtures: the real CMS files beside the project, and one engine per test session."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import pytest

from bot.cms import RvuFile, read_gpci_file, read_rvu_file
from bot.engine import Engine
from bot.knowledge import KnowledgeBase, load_knowledge

# Tests answer from the shipped knowledge base unless a test imports on purpose: a developer's own imported
# fee schedule (in the default data directory) must not change what the tests see. Subprocesses inherit it.
os.environ["CPTBOT_DATA_DIR"] = tempfile.mkdtemp(prefix="cptbot-test-data-")

# Databases (SQLite, and PostgreSQL when a server is given): fixtures `database_url`, `postgres_url`.
pytest_plugins = ["tests.databases"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CMS = SHARED / "data" / "cms"
RVU_FILES = {2026: CMS / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv", 2025: CMS / "rvu25d" / "PPRRVU2025_Oct.csv"}
GPCI_FILES = {2026: CMS / "rvu26c" / "GPCI2026.csv", 2025: CMS / "rvu25d" / "GPCI2025.csv"}


def pytest_collection_modifyitems(config, items):
    if not CMS.is_dir():
        raise pytest.UsageError(f"the CMS files are expected in {CMS} (../shared beside the project)")


@pytest.fixture(scope="session")
def cms_rvus() -> dict[int, RvuFile]:
    return {year: read_rvu_file(path) for year, path in RVU_FILES.items()}


@pytest.fixture(scope="session")
def cms_gpcis() -> dict[int, tuple]:
    return {year: read_gpci_file(path)[1] for year, path in GPCI_FILES.items()}


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb, ROOT / "intents")


COUNTY_FILE = CMS / "rvu25d" / "25LOCCO.csv"
ZIP_FILE = CMS / "zip" / "ZIP5_OCT2025.txt"


@pytest.fixture(scope="session")
def imported(tmp_path_factory) -> dict:
    """The real CMS files imported once per session into a scratch data directory, in three imports (2026,
    then 2025 with the county file, then the ZIP file) so that releases side by side are exercised.

    Returns {"data_dir": Path, "reports": [ImportReport, ...]}. Tests that import more copy the directory.
    """
    from bot.store import import_paths

    data_dir = tmp_path_factory.mktemp("imported") / "data"
    reports = [import_paths([RVU_FILES[2026], GPCI_FILES[2026]], data_dir),
               import_paths([RVU_FILES[2025], GPCI_FILES[2025], COUNTY_FILE], data_dir),
               import_paths([ZIP_FILE], data_dir)]
    return {"data_dir": data_dir, "reports": reports}


NCCI = SHARED / "data" / "ncci"
PTP_ZIP = NCCI / "PTP_practitioner_20240701.zip"
MUE_CSV = NCCI / "MUE_practitioner_20240701.csv"


@pytest.fixture(scope="session")
def ncci_imported(imported, tmp_path_factory) -> dict:
    """The session's imported CMS data plus the real NCCI files (2.5 million PTP pairs), imported once.

    Returns {"data_dir": Path, "report": ImportReport}. Tests that import more copy the directory.
    """
    import shutil

    from bot.store import import_paths

    data_dir = tmp_path_factory.mktemp("ncci") / "data"
    shutil.copytree(imported["data_dir"], data_dir)
    report = import_paths([PTP_ZIP, MUE_CSV], data_dir)
    return {"data_dir": data_dir, "report": report}


@pytest.fixture(scope="module")
def ncci_engine(ncci_imported) -> Engine:
    """The engine over the imported CMS and NCCI data."""
    return Engine.load(data_dir=ncci_imported["data_dir"])


@pytest.fixture(scope="session")
def full(imported) -> Engine:
    """The engine over the imported CMS files (the `imported` data directory)."""
    return Engine.load(data_dir=imported["data_dir"])


@pytest.fixture(scope="session")
def descriptors() -> dict[str, str]:
    """Each CY2026 code's CMS short descriptor, read straight from the RVU file."""
    out: dict[str, str] = {}
    with open(RVU_FILES[2026], encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f):
            if len(row) > 2 and len(row[0]) == 5 and not row[1]:
                out.setdefault(row[0], row[2])
    return out
