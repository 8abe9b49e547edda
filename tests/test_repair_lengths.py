"""Wound repairs by complexity, site group and total length (knowledge/repair_lengths.yaml): lengths of one
complexity in one site group are added and coded once, other site groups apart; a missing length or site
asks back; a length outside every band is said. Every band is checked against the CY2026 RVU file."""

from __future__ import annotations

import re

import pytest

from bot.answers.lengths import band_of


def numbers(descriptor: str) -> set[float]:
    return {round(float(n), 1) for n in re.findall(r"\d+(?:\.\d+)?", descriptor)}


def test_every_band_is_the_one_its_code_descriptor_states(kb, descriptors):
    assert kb.repair_lengths
    for family in kb.repair_lengths:
        for site in family.sites:
            for i, band in enumerate(site.bands):
                said = numbers(descriptors[band.code])
                where = (family.id, site.name, band.code, descriptors[band.code])
                if band.high is None:
                    assert site.bands[i - 1].high in said, where  # ">30.0 cm": over the band before
                else:
                    assert round(band.high, 1) in said, where
                    assert (i == 0 and band.low in said | {0.0}) or round(band.low, 1) in said, where
            if site.more_code:
                assert site.more_per in numbers(descriptors[site.more_code])
                assert "addl" in descriptors[site.more_code].lower()


def code_for(kb, family_id: str, site_word: str, total: float) -> str:
    family = next(f for f in kb.repair_lengths if f.id == family_id)
    site = next(s for s in family.sites if site_word in s.words)
    band, units = band_of(site, total)
    assert band is not None and not units
    return band.code


@pytest.mark.parametrize(("question", "family", "lesions"), [
    ("simple repair of 2 cm and 3 cm lacerations of the arm", "simple_repair", [("arm", 5.0)]),
    ("simple repair of a 2 cm scalp laceration", "simple_repair", [("scalp", 2.0)]),
    ("pt fell, 3.5 cm lac on chin and 2 cm lac on forehead, simple closure with sutures. which cpt?",
     "simple_repair", [("chin", 5.5)]),
    ("simple repair: 2 cm laceration of the face and 3 cm laceration of the arm", "simple_repair",
     [("face", 2.0), ("arm", 3.0)]),
    ("intermediate repair 4 cm laceration on the hand", "intermediate_repair", [("hand", 4.0)]),
    ("layered closure of a 6 cm wound on the forehead", "intermediate_repair", [("forehead", 6.0)]),
    ("sutured a 25 mm laceration on the thigh, simple repair", "simple_repair", [("thigh", 2.5)]),
])
def test_lengths_in_one_site_group_are_added_and_coded_once(full, kb, question, family, lesions):
    ans = full.answer(question)
    assert ans.status == "answered"
    assert ans.codes == [code_for(kb, family, site, total) for site, total in lesions]


def test_past_the_last_band_a_complex_repair_adds_the_add_on(full, kb):
    site = next(s for s in next(f for f in kb.repair_lengths if f.id == "complex_repair").sites if "back" in s.words)
    length = site.bands[-1].high + 2 * site.more_per - 1
    ans = full.answer(f"complex repair of a {length:g} cm wound on the back")
    assert ans.codes == [site.bands[-1].code, site.more_code]
    assert f"{site.more_code} x 2" in ans.headline


def test_a_length_below_every_band_is_said_not_guessed(full):
    ans = full.answer("complex repair of a 1 cm laceration of the nose")
    assert ans.status == "clarify" and not ans.codes
    assert "no complex repair" in ans.headline.lower()


@pytest.mark.parametrize("question", ["simple laceration repair 4 cm", "simple repair of a laceration on the leg"])
def test_a_missing_site_or_length_asks_back(full, question):
    assert full.answer(question).status == "clarify"


def test_a_value_asked_uses_the_code_the_length_chooses(full, kb):
    ans = full.answer("wrvu for simple repair of 2 cm scalp laceration")
    assert ans.codes == [code_for(kb, "simple_repair", "scalp", 2.0)]


@pytest.mark.parametrize(("question", "lesion", "family", "site_word", "length"), [
    ("Physician excised a 1.2 cm benign lesion on the arm and did an intermediate repair of 2.5 cm, how to code?",
     "11402", "intermediate_repair", "arm", 2.5),
    ("excised a 1.5 cm cyst from the back, closed with a 3 cm layered closure",
     "11402", "intermediate_repair", "back", 3.0),
    ("excision of a 0.8 cm malignant lesion of the face with 0.2 cm margins and a 2 cm intermediate repair",
     "11642", "intermediate_repair", "face", 2.0),
])
def test_an_excision_and_its_repair_are_each_coded_by_their_own_size(full, kb, question, lesion, family, site_word,
                                                                      length):
    """A narrative of an excision and its closure states two sizes: the lesion's picks the excision code,
    the repair's length the repair code; neither is read as a second lesion."""
    ans = full.answer(question)
    repair = code_for(kb, family, site_word, length)
    assert ans.status == "answered" and ans.codes[:2] == [lesion, repair]
    assert f"Add {repair}" in ans.headline and f"{length:g} cm" in ans.headline
