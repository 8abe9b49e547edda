"""One side or both, when CMS codes them apart ("Mri breast c- unilateral" / "... bilateral"): the side said
picks the code, never the one-side code with modifier 50; a question that says no side (or not the contrast)
is asked which. The pairs are found in the CMS file by their short descriptors, read here from the raw file."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.render.text import render_text


@pytest.fixture(scope="module")
def full(imported) -> Engine:
    return Engine.load(data_dir=imported["data_dir"])


@pytest.fixture(scope="module")
def rows(cms_rvus):
    return {r.code: r for r in cms_rvus[2026].rows if not r.modifier}


def code_of(rows, *parts: str, ends: str) -> str:
    """The one code whose CMS short descriptor holds every part and ends with `ends` (the side's word)."""
    found = [c for c, r in rows.items() if all(p in r.description.lower() for p in parts)
             and r.description.lower().endswith(ends)]
    assert len(found) == 1, found
    return found[0]


def mri(rows, contrast: str, side: str) -> str:
    return code_of(rows, "mri breast", contrast + " ", ends=side)


@pytest.mark.parametrize(("question", "contrast", "side"), [
    ("bilateral breast MRI with contrast", "c-+", "bi"),
    ("MRI breasts bilat w/ and w/o contrast", "c-+", "bi"),
    ("breast mri both sides w/o contrast", "c-", "bilateral"),
    ("mri of the right breast with contrast", "c-+", "uni"),
    ("left breast MRI without contrast", "c-", "unilateral"),
    ("single breast mri with contrast", "c-+", "uni"),
])
def test_the_side_said_picks_the_code_of_that_side(full, rows, question, contrast, side):
    ans = full.answer(question)
    expected = mri(rows, contrast, side)
    assert ans.status == "answered" and ans.codes[:1] == [expected], (ans.codes, ans.headline)
    assert "50" not in ans.modifiers and "with modifier 50" not in render_text(ans)
    if side.startswith("bi") and rows[expected].bilateral == "2":
        assert "no modifier 50" in ans.headline


@pytest.mark.parametrize(("question", "side"), [("MRI of both breasts", "bi"), ("unilateral breast MRI", "uni"),
                                                ("mri of the left breast", "uni"), ("mri of one breast", "uni")])
def test_the_contrast_unsaid_asks_which_of_that_side(full, rows, question, side):
    ans = full.answer(question)
    assert ans.status == "clarify"
    wanted = {mri(rows, "c-", "bilateral" if side == "bi" else "unilateral"), mri(rows, "c-+", side)}
    assert wanted <= set(ans.codes)
    other = "uni" if side == "bi" else "bi"
    assert mri(rows, "c-+", other) not in ans.codes


@pytest.mark.parametrize("question", ["breast MRI with contrast", "contrast MRI of the breast"])
def test_no_side_said_asks_with_both_sides(full, rows, question):
    ans = full.answer(question)
    assert ans.status == "clarify"
    assert {mri(rows, "c-+", "uni"), mri(rows, "c-+", "bi")} <= set(ans.codes)
    assert "one side and on both sides" in ans.headline


def test_a_mammogram_of_both_breasts_is_the_bilateral_code_not_50(full, rows):
    both = code_of(rows, "dx mammo", ends=" bi")
    one = code_of(rows, "dx mammo", ends=" uni")
    ans = full.answer("diagnostic mammogram of both breasts")
    assert ans.codes[:1] == [both] and "50" not in ans.modifiers
    assert full.answer("diagnostic mammogram of the right breast").codes[:1] == [one]


def test_a_code_without_a_sibling_keeps_modifier_50(full):
    ans = full.answer("mri both knees")
    assert "50" in ans.modifiers
