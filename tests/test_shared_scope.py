"""A word said once belongs to one procedure: "hysteroscopic myomectomy plus D&C" is the hysteroscopic
myomectomy and a D&C (58120), never a second hysteroscopy (58558, the one "with D&C") that NCCI would then
bundle away. Scope families come from the RVU file's endoscopic base column."""

from __future__ import annotations

import pytest

from bot.engine import Engine


@pytest.fixture(scope="module")
def full(imported) -> Engine:
    return Engine.load(data_dir=imported["data_dir"])


@pytest.mark.parametrize("question", [
    "hsc myomectomy plus d&c same day at the hospital",
    "hysteroscopic myomectomy with a D&C, how do I code",
    "did a d&c and hysteroscopic resection of fibroids",
])
def test_the_scope_goes_to_one_procedure_and_the_d_and_c_is_its_own(full, cms_rvus, question):
    ans = full.answer(question)
    rows = {(r.code, r.modifier): r for r in cms_rvus[2026].rows}
    assert rows[("58120", "")].endo_base == ""  # a D&C is done without a scope
    assert rows[("58558", "")].endo_base == rows[("58561", "")].endo_base != ""  # both hysteroscopies
    assert sorted(ans.codes) == ["58120", "58561"] and "58558" not in ans.codes


@pytest.mark.parametrize(("question", "codes"), [
    ("colposcopy with cervical biopsy and ECC", ["57454"]),  # one name says it all: one code
    ("hysteroscopy, polypectomy and D&C", ["58558"]),  # the D&C is part of this hysteroscopy's own name
    # the shared "ablation" is not given to the bare hysteroscopy (a scope's own base code)
    ("which pays more in the office, novasure or hysteroscopic ablation", ["58353", "58563"]),
])
def test_one_procedure_named_whole_stays_one_code(full, question, codes):
    assert full.answer(question).codes == codes
