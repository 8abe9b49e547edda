"""The abbreviations coders type (knowledge/common_names.yaml): one that names one code is answered with it,
one that covers a family asks back with the family's members, and a plural ("TPIs", "EGDs") reads as its
singular. Codes are checked against the CMS short descriptors of the RVU file."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("question", "singular"), [
    ("TPIs", "TPI"),
    ("wrvu for EGDs", "wrvu for EGD"),
    ("how many rvus for TKAs", "how many rvus for TKA"),
    ("CBCs", "CBC"),
    ("global on LEEPs", "global on LEEP"),
])
def test_a_plural_abbreviation_reads_as_its_singular(full, question, singular):
    ans, one = full.answer(question), full.answer(singular)
    assert ans.status == one.status and ans.status in ("answered", "clarify")
    assert ans.codes == one.codes


@pytest.mark.parametrize(("question", "means"), [
    ("A1c", "a1c"),
    ("HbA1c wrvu", "a1c"),
    ("UA with micro", "urinalysis nonauto w/scope"),
])
def test_an_abbreviation_of_one_code_is_answered(full, descriptors, question, means):
    ans = full.answer(question)
    assert ans.status == "answered"
    assert means in descriptors[ans.codes[0]].lower()


@pytest.mark.parametrize(("question", "members", "said"), [
    ("UA", 4, "urinalysis"),
    ("what's the rvu for a UA", 4, "urinalysis"),
    ("PFTs", 4, "94"),  # the pulmonary tests: spirometry, bronchodilator, lung volumes, diffusing capacity
    ("CCM", 3, "chrnc care"),
    ("chronic care management wrvu", 3, "chrnc care"),
    ("TPIs", 2, "trigger point"),
])
def test_an_abbreviation_of_a_family_asks_back_with_its_members(full, descriptors, question, members, said):
    ans = full.answer(question)
    assert ans.status == "clarify"
    assert len(ans.codes) >= members
    assert all(c.startswith(said) if said.isdigit() else said in descriptors[c].lower() for c in ans.codes[:members])


def test_larc_asks_between_the_iud_and_the_arm_implant(full, descriptors):
    ans = full.answer("LARC insertion")
    assert ans.status == "clarify"
    said = [descriptors[c].lower() for c in ans.codes]
    assert any("intrauterine" in d for d in said) and any("implant" in d for d in said)


def test_pap_asks_between_taking_it_and_reading_it(full, descriptors):
    ans = full.answer("pap")
    assert ans.status == "clarify"
    said = [descriptors[c].lower() for c in ans.codes]
    assert any("obtaining" in d for d in said) and any("thin layer" in d for d in said)
    assert full.answer("dx code for abnormal pap").status == "out_of_scope"


@pytest.mark.parametrize("question", ["TPIs", "what's the work rvu on trigger point injections", "UA"])
def test_without_the_import_a_family_it_lacks_is_named_not_declined(engine, question):
    ans = engine.answer(question)
    assert ans.status == "not_found" and ans.codes == []
    assert ans.headline.startswith("That sounds like ") and " or " in ans.headline and "kb import" in ans.headline


@pytest.mark.parametrize(("question", "said"), [
    ("SI joint fusion", "arthr"),  # minimally invasive or open: asked back
    ("sacroiliac joint fusion rvu", "arthr"),
    ("SI joint", ""),  # an injection or a fusion
])
def test_a_sacroiliac_fusion_is_never_the_injection(full, descriptors, question, said):
    ans = full.answer(question)
    assert ans.status == "clarify"
    assert all(said in descriptors[c].lower() for c in ans.codes[:2])
    assert "si" in " ".join(descriptors[c].lower() for c in ans.codes)


def test_cts_release_is_the_carpal_tunnel(full, descriptors):
    ans = full.answer("CTS release")
    assert ans.status == "answered" and "carpal tunnel" in descriptors[ans.codes[0]].lower()
