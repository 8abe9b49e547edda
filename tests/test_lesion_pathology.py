"""An excision of a lesion whose pathology the question does not say ("excised a 1.5 cm lesion from the back
with 2 mm margins"): benign and malignant excisions are different codes, so both are named for the site and
excised diameter, never one guessed. The codes are checked against the RVU file's short descriptors."""

from __future__ import annotations

import pytest

from bot.engine import Engine


@pytest.fixture(scope="module")
def full(imported) -> Engine:
    return Engine.load(data_dir=imported["data_dir"])


@pytest.fixture(scope="module")
def desc(cms_rvus) -> dict[str, str]:
    return {r.code: r.description.lower() for r in cms_rvus[2026].rows if not r.modifier}


@pytest.mark.parametrize(("question", "site", "band"), [
    ("excised a 1.5 cm lesion from the back with 2 mm margins", "tr-ext", "1.1-2"),  # 1.9 cm excised
    ("excision 0.8 cm lesion of the nose, 2 mm margins", "f", "1.1-2"),  # 1.2 cm excised
    ("took off a 0.4 cm growth on the thigh by excision, 1 mm margins", "tr-ext", "0.6-1"),  # 0.6 cm excised
])
def test_both_pathologies_are_named_for_the_site_and_excised_size(full, desc, question, site, band):
    ans = full.answer(question)
    assert ans.status == "answered" and len(ans.codes) == 2, (ans.codes, ans.headline)
    benign, malignant = ans.codes
    assert "b9" in desc[benign] and "mal" in desc[malignant]
    assert all(desc[c].split()[1].startswith(site) and band in desc[c] for c in ans.codes)
    assert "pathology report decides" in ans.headline


def test_a_lesion_said_benign_or_malignant_keeps_its_one_code(full, desc):
    assert "b9" in desc[full.answer("excised a 1.5 cm nevus from the back with 2 mm margins").codes[0]]
    ans = full.answer("excised a 1.5 cm BCC from the back with 2 mm margins")
    assert len(ans.codes) == 1 and "mal" in desc[ans.codes[0]]


def test_the_repair_is_still_coded_beside_both(full, desc):
    ans = full.answer("excised a 1.2 cm lesion on the arm, intermediate repair of 2.5 cm")
    assert len(ans.codes) == 3 and "b9" in desc[ans.codes[0]] and "mal" in desc[ans.codes[1]]
    assert desc[ans.codes[2]].startswith("intmd")
