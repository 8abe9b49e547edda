"""A lesion narrative that states another procedure on another lesion ("shaved a 0.6 cm lesion off the arm and
did a punch biopsy of a second lesion on the back"): the removal is coded by its site and size, the other
procedure by its own code, and the NCCI edit between the two, read from the imported edits, says which line
carries XS or 59. Expected edits come from the raw CMS file (tests/test_ncci_answers.py)."""

from __future__ import annotations

import pytest

from tests.test_ncci_answers import live_edit


@pytest.mark.parametrize(("question", "removal", "other"), [
    ("shaved a 0.6 cm lesion off the arm and did a punch biopsy of a second lesion on the back, how do I code it",
     "11301", "11104"),
    ("punch bx of a lesion on the scalp, then shaved a 1.2 cm seborrheic keratosis from her chest", "11302",
     "11104"),
    ("shave removal 0.5 cm lesion of the face plus a tangential biopsy of another lesion on the leg", "11310",
     "11102"),
])
def test_each_procedure_of_the_narrative_is_coded_with_the_edit_between_them(ncci_engine, question, removal,
                                                                             other):
    ans = ncci_engine.answer(question)
    assert ans.status == "answered"
    assert ans.codes[:2] == [removal, other]
    assert ans.headline.startswith(f"{removal}:") and f"Add {other}" in ans.headline
    edit = live_edit(removal, other)
    if edit is None:
        assert f"no edit in force between {removal} and {other}" in ans.headline
    else:
        assert f"NCCI bundles {edit[1]} into {edit[0]}" in ans.headline
        assert (f"put XS (or 59) on {edit[1]}" in ans.headline) == (edit[3] == "1")


def test_without_the_ncci_import_the_pair_is_not_guessed(full):
    ans = full.answer("shaved a 0.6 cm lesion off the arm and did a punch biopsy of a second lesion on the back")
    assert ans.codes[:2] == ["11301", "11104"]
    assert "NCCI bundles" not in ans.headline and "Import the NCCI edits" in ans.headline


@pytest.mark.parametrize("question", ["shaved a 1.1 cm nevus off her back",
                                      "shaved a 0.6 cm lesion off the arm and a 0.4 cm one off the nose"])
def test_a_narrative_of_removals_only_adds_nothing(full, question):
    ans = full.answer(question)
    assert "Add " not in ans.headline and "11104" not in ans.codes


def test_a_code_of_an_organ_the_clause_never_names_is_not_added(engine):
    # the shipped knowledge's only biopsy by words is the cervix's: never offered for a lesion on the back
    ans = engine.answer("shaved a 0.6 cm lesion off the arm and did a punch biopsy of a second lesion on the back")
    assert ans.headline.startswith("11301:") and "57500" not in ans.codes and "Add " not in ans.headline
