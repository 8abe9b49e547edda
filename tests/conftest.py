"""Shared fixtures: the real CMS files beside the project, and one engine per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cms import RvuFile, read_gpci_file, read_rvu_file
from bot.engine import Engine
from bot.knowledge import KnowledgeBase, load_knowledge

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
