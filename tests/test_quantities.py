"""Families of codes split by a stated count or time (knowledge/quantities.yaml): the quantity chooses the
member, an add-on's units follow past the last band, no quantity still asks back, and a quantity outside
every band is said. Every band is checked against the CY2026 RVU file's short descriptors."""

from __future__ import annotations

import re

import pytest

from bot.answers.quantities import stated


def numbers(descriptor: str) -> set[int]:
    return {int(n) for n in re.findall(r"\d+", descriptor)}


def test_every_band_is_the_one_its_code_descriptor_states(kb, descriptors, cms_rvus):
    add_ons = {r.code for r in cms_rvus[2026].rows if not r.modifier and r.global_days == "ZZZ"}
    assert kb.quantities
    for family in kb.quantities:
        for band, after in zip(family.bands, (*family.bands[1:], None), strict=True):
            said = numbers(descriptors[band.code])
            if band.high is None:  # "3/>" states the first, "> 10 min" and ">15" the one before it
                assert band.low in said or band.low - 1 in said, (family.id, band.code, descriptors[band.code])
            elif after is not None and band.low in said and after.low in numbers(descriptors[after.code]):
                # a level's minimum ("Office o/p est low 20 min"): it holds up to the next level's minimum
                assert band.high == after.low - 1, (family.id, band.code, descriptors[band.code])
            else:
                assert band.high in said, (family.id, band.code, descriptors[band.code])
                assert band.low == 1 or band.low in said, (family.id, band.code, descriptors[band.code])
        if family.more_code:  # "ea addl 10", or "each" (one unit a nail) on an add-on (global ZZZ) code
            said = descriptors[family.more_code]
            assert family.more_per in numbers(said) or (family.more_per == 1 and re.search(r"\beach\b", said, re.I))
            assert re.search(r"add|addl", said, re.I) or family.more_code in add_ons


def band_code(kb, family_id: str, n: int) -> str:
    family = next(f for f in kb.quantities if f.id == family_id)
    return next(b.code for b in family.bands if b.holds(n))


@pytest.mark.parametrize(("question", "family", "n"), [
    ("trigger point injection 3 muscles", "trigger_points", 3),
    ("TPI into four muscles of the upper back, which code?", "trigger_points", 4),
    ("trigger point injections in two muscles", "trigger_points", 2),
    ("smoking cessation counseling 15 minutes", "smoking_cessation", 15),
    ("counseled him on quitting smoking for 5 min", "smoking_cessation", 5),
    ("needle emg of two extremities", "needle_emg_limbs", 2),
    ("hair transplant with 40 punch grafts", "hair_transplant_punch", 40),
    ("removed 12 skin tags from the neck", "skin_tags", 12),
    ("avulsion of one ingrown toenail", "nail_avulsion", 1),
    ("new patient preventive visit age 45", "preventive_visit_new", 45),
    ("preventive visit code for a 52 yo established", "preventive_visit_established", 52),
    ("annual physical for a 30 year old established patient", "preventive_visit_established", 30),
    ("well child check 3 year old new patient", "preventive_visit_new", 3),
    ("Total time 45 minutes established patient which level", "office_visit_time_established", 45),
])
def test_the_stated_quantity_chooses_the_member(full, kb, question, family, n):
    ans = full.answer(question)
    assert ans.status == "answered"
    assert ans.codes[0] == band_code(kb, family, n)


def test_a_value_asked_uses_the_member_the_quantity_chooses(full, kb):
    ans = full.answer("wrvu for trigger point injections in 3 muscles")
    assert ans.codes[:1] == [band_code(kb, "trigger_points", 3)]


def test_past_the_last_band_the_add_on_is_reported_in_units(full, kb):
    family = next(f for f in kb.quantities if f.id == "skin_tags")
    last = family.bands[-1]
    ans = full.answer(f"removal of {last.high + family.more_per + 1} skin tags")
    assert ans.codes == [last.code, family.more_code]
    assert f"{family.more_code} x 2" in ans.headline


def test_each_further_nail_is_a_unit_of_the_add_on(full, kb):
    family = next(f for f in kb.quantities if f.id == "nail_avulsion")
    ans = full.answer("avulsion of three toenails")
    assert ans.codes == [family.bands[0].code, family.more_code]
    assert f"{family.more_code} x 2" in ans.headline


def test_without_the_quantity_it_still_asks_back(full):
    ans = full.answer("trigger point injection")
    assert ans.status == "clarify"


def test_a_quantity_outside_every_band_is_said_not_guessed(full, kb):
    family = next(f for f in kb.quantities if f.id == "smoking_cessation")
    ans = full.answer(f"smoking cessation counseling {family.bands[0].low - 1} minutes")
    assert ans.status == "clarify"
    assert "None of" in ans.headline


@pytest.mark.parametrize(("text", "measure", "n"), [
    ("counseled 12 minutes", "minutes", 12), ("for 3 to 10 min", "minutes", 10), ("for an hour", "minutes", 60),
    ("three muscles", "count", 3), ("a 1.5 cm lesion", "count", None), ("nothing stated", "minutes", None),
])
def test_quantities_are_read_in_digits_words_and_units(text, measure, n):
    assert stated(text, measure) == n


@pytest.mark.parametrize(("question", "code"), [
    ("earwax removal", "69210"), ("removal of impacted earwax with a curette", "69210"),
    ("urine dipstick", "81002"), ("dipstick urinalysis in the office", "81002"),
])
def test_compound_words_and_everyday_names_find_the_code(full, question, code):
    ans = full.answer(question)
    assert ans.status == "answered" and ans.codes[0] == code


@pytest.mark.parametrize(("question", "code"), [
    ("removed the nexplanon and inserted a new one", "11983"),
    ("took out the old implanon and put in a new one", "11983"),
    ("nexplanon removal and reinsertion", "11983"),
    ("knee injection under ultrasound", "20611"),
    ("complicated drainage of a pilonidal cyst", "10081"),
])
def test_the_name_that_explains_more_of_the_question_wins(full, descriptors, question, code):
    ans = full.answer(question)
    assert ans.status == "answered" and ans.codes[0] == code
    assert code in descriptors


@pytest.mark.parametrize(("question", "code"), [
    ("nexplanon removal", "11982"), ("nexplanon insertion", "11981"), ("knee injection", "20610"),
    ("pilonidal cyst drainage", "10080"),
])
def test_a_shorter_question_keeps_the_plain_code(full, question, code):
    ans = full.answer(question)
    assert ans.status == "answered" and ans.codes[0] == code


def test_two_procedures_of_different_devices_stay_two_codes(full):
    ans = full.answer("she removes the IUD and inserts a new one")
    assert ans.codes[:2] == ["58301", "58300"]


def test_destruction_of_a_malignant_lesion_bands_follow_the_file(kb, descriptors):
    family = next(f for f in kb.lesion_sizes if f.id == "destruction_malignant")
    for site in family.sites:
        for i, code in enumerate(site.codes):
            said = {round(float(n), 1) for n in re.findall(r"\d*\.?\d+", descriptors[code])}
            top = family.bands[min(i, len(family.bands) - 1)]
            assert top in said, (code, descriptors[code])
            assert "mal" in descriptors[code].lower()


@pytest.mark.parametrize(("question", "site_word", "size"), [
    ("destroy a 0.8 cm skin cancer on the back", "back", 0.8),
    ("ED&C of a 1.5 cm BCC on the nose", "nose", 1.5),
    ("cryo of a 6 mm SCC on the hand", "hand", 0.6),
])
def test_a_destroyed_malignant_lesion_is_coded_by_site_and_size(full, kb, question, site_word, size):
    family = next(f for f in kb.lesion_sizes if f.id == "destruction_malignant")
    site = next(s for s in family.sites if site_word in s.words)
    band = next((i for i, top in enumerate(family.bands) if size <= top), len(family.bands))
    assert full.answer(question).codes == [site.codes[band]]


@pytest.mark.parametrize(("question", "family", "n"), [
    ("knee x-ray 4 views", "xray_knee_views", 4), ("hip x-ray 2 views", "xray_hip_views", 2),
    ("chest x-ray 3 views", "xray_chest_views", 3), ("x-ray of the femur, 2 views", "xray_femur_views", 2),
])
def test_x_rays_whose_codes_count_views_take_the_views_stated(full, kb, question, family, n):
    assert full.answer(question).codes == [band_code(kb, family, n)]


def test_views_of_one_body_part_never_choose_another_parts_code(full, kb):
    chest = {b.code for f in kb.quantities if f.id == "xray_chest_views" for b in f.bands}
    for question in ("knee x-ray 4 views", "hip x-ray 2 views", "knee x-ray 1 view"):
        assert not set(full.answer(question).codes) & chest


@pytest.mark.parametrize(("text", "age"), [
    ("new patient preventive visit age 45", 45), ("a 45 year old", 45), ("45yo male", 45), ("65 and over", 65),
    ("seen 2 years ago", None), ("6 month old", None),
])
def test_an_age_is_read_in_years_never_from_years_ago(text, age):
    assert stated(text, "age") == age


def test_without_an_age_a_preventive_visit_still_asks_back(full):
    assert full.answer("new patient preventive visit").status == "clarify"


@pytest.mark.parametrize(("question", "family", "n"), [
    ("established office visit 25 minutes", "office_visit_time_established", 25),
    ("office visit established 35 minutes", "office_visit_time_established", 35),
    ("est office visit 25 min", "office_visit_time_established", 25),
    ("est pt ov 15 min", "office_visit_time_established", 15),
    ("return patient office visit 45 minutes", "office_visit_time_established", 45),
    ("office visit for an existing patient, 25 minutes", "office_visit_time_established", 25),
    ("new office visit 40 minutes", "office_visit_time_new", 40),
    ("new pt office visit 20 min", "office_visit_time_new", 20),
])
def test_a_family_whose_sibling_the_question_names_gives_way_to_that_sibling(full, kb, question, family, n):
    """"established office visit 25 minutes" whose words fetched only new-patient codes is answered with the
    established patient's level for that time, never a new patient's."""
    ans = full.answer(question)
    assert ans.status == "answered"
    assert ans.codes[0] == band_code(kb, family, n)


def test_a_visit_time_outside_every_band_of_the_family_named_is_said(full):
    ans = full.answer("established office visit 5 minutes")
    assert ans.status != "answered" and not any(c.startswith("9920") for c in ans.codes)


@pytest.mark.parametrize(("question", "family", "n"), [
    ("what level is a 25 minute established office visit", "office_visit_time_established", 25),
    ("established patient, 35 minutes total time, which E/M code?", "office_visit_time_established", 35),
    ("what level is a 50 minute new patient office visit", "office_visit_time_new", 50),
    ("what E/M level for 20 minutes with a new patient", "office_visit_time_new", 20),
])
def test_a_time_stated_names_the_level_rather_than_the_general_rule(full, kb, question, family, n):
    ans = full.answer(question)
    code = band_code(kb, family, n)
    assert ans.status == "answered" and ans.codes[:1] == [code]
    assert f"{n} minutes" in ans.headline and f": {code} (" in ans.headline


def test_without_a_time_the_level_question_is_still_the_rule(full):
    ans = full.answer("how do I choose an office visit level")
    assert ans.intent == "topic" and not ans.codes
