"""Without the import, a question that says an everyday name of a code outside the curated set whole is told
that code and how to import the fee schedule, not offered curated codes whose names it says only in part
("IUD insertion" is none of the curated hysteroscopies; "lap chole" is not a laparoscopic liver ablation).
The codes named are checked against the CMS short descriptors of the RVU file."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("question", "said"), [
    ("IUD insertion rvu", "insert intrauterine device"),
    ("iud placement wrvu", "insert intrauterine device"),
    ("what's the rvu for a lap chole", "laparoscopic cholecystectomy"),
    ("liver biopsy global", "biopsy of liver"),
])
def test_an_everyday_name_said_whole_is_named_with_the_import_hint(engine, descriptors, question, said):
    ans = engine.answer(question)
    assert ans.status == "not_found" and ans.codes == []
    assert ans.headline.startswith("That sounds like ") and "kb import" in ans.headline
    named = ans.headline.split("That sounds like ")[1][:5]
    assert said in descriptors[named].lower()


def test_a_curated_name_said_whole_is_still_answered(engine):
    assert engine.answer("hysteroscopy with polypectomy rvu").codes == ["58558"]
