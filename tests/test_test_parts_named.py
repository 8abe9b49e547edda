"""A test named with the supervision and the interpretation is the complete service CMS names by those words
(a stress test's 93015), not the interpretation alone; and a narrative naming the complete test and one of
its parts bills the complete one only. The parts are the RVU file's PC/TC indicators 2, 3 and 4."""

from __future__ import annotations

import pytest

from bot.engine import Engine


@pytest.fixture(scope="module")
def full(imported) -> Engine:
    return Engine.load(data_dir=imported["data_dir"])


@pytest.fixture(scope="module")
def stress(cms_rvus) -> dict[str, str]:
    """The stress test's codes by PC/TC indicator, from the raw file (descriptors beginning 'Cv stress')."""
    rows = [r for r in cms_rvus[2026].rows if not r.modifier and r.description.lower().startswith("cv stress test")]
    complete = [r.code for r in rows if r.pctc == "4"]
    assert len(complete) == 1
    return {"complete": complete[0], "parts": {r.code for r in rows if r.pctc in ("2", "3")}}


@pytest.mark.parametrize("question", [
    "stress test with physician supervision interpretation and report",
    "treadmill stress test, supervision and interpretation",
    "exercise stress test supervision, interpretation and report by the physician",
])
def test_supervision_and_interpretation_is_the_complete_stress_test(full, stress, question):
    ans = full.answer(question)
    assert ans.status == "answered" and ans.codes == [stress["complete"]], ans.codes
    assert "Billing the interpretation" not in ans.title


def test_the_interpretation_alone_is_still_its_own_code(full, stress):
    ans = full.answer("stress test interpretation only")
    assert ans.codes[0] in stress["parts"] and ans.codes[0] != stress["complete"]


def test_two_codes_compared_keep_both(full, stress):
    part = sorted(stress["parts"])[-1]
    ans = full.answer(f"{stress['complete']} vs {part}")
    assert ans.codes[:2] == [stress["complete"], part]
