"""A drug named in words and said to be given is billed as the drug's code and the administration's
(knowledge/drug_administration.yaml): "b12 shot" is J3420 and 96372. Codes are checked against the CMS
short descriptors of the RVU file."""

from __future__ import annotations

import pytest

ROUTE_WORDS = {"96372": "sc/im", "96374": "iv push", "96365": "iv inf init"}


def test_each_routes_code_is_the_one_its_descriptor_states(kb, descriptors):
    routes = kb.drug_rules.routes
    assert {r.code for r in routes} == set(ROUTE_WORDS)
    for route in routes:
        assert ROUTE_WORDS[route.code] in descriptors[route.code].lower()


@pytest.mark.parametrize(("question", "drug_word", "route"), [
    ("b12 shot", "b12", "96372"),
    ("what do I bill for a b12 shot", "b12", "96372"),
    ("gave her a vitamin b12 injection, wrvu?", "b12", "96372"),
    ("depo provera shot", "medroxyprogesterone", "96372"),
    ("patient got a shot of phenergan", "promethazine", "96372"),
    ("infusion of rocephin", "ceftriaxone", "96365"),
])
def test_a_drug_given_is_the_drug_and_its_administration(full, descriptors, question, drug_word, route):
    ans = full.answer(question)
    assert ans.status == "answered"
    assert ans.codes[1:2] == [route]
    assert ans.codes[0].startswith("J") and drug_word in descriptors[ans.codes[0]].lower()
    assert ans.headline.startswith(f"Bill {ans.codes[0]} for the drug")


def test_the_payment_asked_is_given_for_both(full):
    ans = full.answer("b12 shot payment")
    assert ans.codes[:2] == ["J3420", "96372"]
    assert "$" in ans.headline and "96372 $" in ans.headline


def test_iv_alone_leaves_the_route_open(full):
    ans = full.answer("rocephin IV")
    assert ans.status == "answered" and "96372" not in ans.codes


def test_a_drug_code_by_number_is_described_alone(full):
    assert full.answer("J3420").codes == ["J3420"]


def test_a_nurse_visit_with_the_shot_is_still_the_rule_about_99211(full):
    ans = full.answer("b12 shot and a nurse visit, can I bill 99211?")
    assert "96372" in ans.headline and "99211" in ans.headline


@pytest.mark.parametrize("question", ["b12 shot", "vitamin b12 injection", "toradol shot wrvu"])
def test_without_the_import_the_drug_is_named_with_the_import_hint(engine, question):
    ans = engine.answer(question)
    assert ans.status == "not_found" and ans.codes == []
    assert ans.headline.startswith("That sounds like J") and "kb import" in ans.headline


@pytest.mark.parametrize("question", ["injected kenalog 40 mg into the knee", "kenalog knee injection"])
def test_a_drug_injected_into_a_joint_does_not_get_the_intramuscular_code(full, question):
    ans = full.answer(question)
    assert "96372" not in ans.codes


def test_a_modifier_asked_about_is_explained_with_both_codes(full):
    ans = full.answer("b12 shot modifier 25")
    assert ans.codes[:2] == ["J3420", "96372"] and "25" in ans.modifiers
