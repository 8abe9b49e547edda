"""Every number the project ships equals the CMS file of its year: proven by reading those files."""

from __future__ import annotations

import re

from bot.record import fields
from bot.records import Rvu
from tests.conftest import CMS, RVU_FILES


def test_every_curated_code_is_priced_in_every_year_that_has_it(kb, cms_rvus):
    """A curated code may lack a row only in a year whose CMS file truly lacks it (47384 is new in 2026)."""
    assert set(kb.years) == set(RVU_FILES)
    for year, fee_year in kb.years.items():
        missing = {code for code in kb.codes if (code, "") not in fee_year.rvus}
        assert missing == set(fee_year.absent), f"CY{year} lacks {missing - fee_year.absent}"
        in_file = {r.code for r in cms_rvus[year].rows}
        assert not missing & in_file, f"CY{year}: {missing & in_file} are in {RVU_FILES[year].name}"
    assert kb.years[2025].absent == {"47384"} and not kb.years[2026].absent


def test_shipped_rvu_rows_equal_the_cms_files(kb, cms_rvus):
    compared = 0
    for year, fee_year in kb.years.items():
        cms_rows = {(r.code, r.modifier): r for r in cms_rvus[year].rows}
        for key, shipped in fee_year.rvus.items():
            assert key in cms_rows, f"{key} shipped for {year} but not in {RVU_FILES[year].name}"
            cms = cms_rows[key]
            for f in fields(Rvu):
                if f.name == "description":
                    continue  # CPT descriptors are AMA text: never shipped
                assert getattr(shipped, f.name) == getattr(cms, f.name), (year, key, f.name)
                compared += 1
    assert compared > 40 * 2 * 17


def test_every_cms_row_of_a_curated_code_is_shipped(kb, cms_rvus):
    """Component rows (26, TC, 53) of a curated code must come along, or questions about them go wrong."""
    for year, fee_year in kb.years.items():
        for row in cms_rvus[year].rows:
            if row.code in kb.codes:
                assert (row.code, row.modifier) in fee_year.rvus, (year, row.code, row.modifier)


def test_release_facts_equal_the_files(kb, cms_rvus):
    sources = (CMS / "SOURCES.md").read_text(encoding="utf-8")
    for year, fee_year in kb.years.items():
        release = fee_year.release
        assert release.conversion_factor == cms_rvus[year].conversion_factor
        assert release.source_file == RVU_FILES[year].name
        assert release.released == cms_rvus[year].released
        if release.qp_conversion_factor is not None:
            # CMS states the QP factor beside the file; SOURCES.md records it from the release.
            assert re.search(rf"QP factor is {release.qp_conversion_factor:.4f}", sources)
    assert kb.years[2026].release.name == "RVU26C"
    assert kb.years[2025].release.name == "RVU25D"


def test_shipped_gpcis_equal_the_files(kb, cms_gpcis):
    for year, fee_year in kb.years.items():
        cms = {(loc.mac, loc.number): loc for loc in cms_gpcis[year]}
        shipped = {(loc.mac, loc.number): loc for loc in fee_year.localities}
        assert shipped.keys() == cms.keys()
        for key, loc in shipped.items():
            other = cms[key]
            assert (loc.name, loc.state, loc.work_gpci, loc.pe_gpci, loc.mp_gpci) == (
                other.name, other.state, other.work_gpci, other.pe_gpci, other.mp_gpci), (year, key)
