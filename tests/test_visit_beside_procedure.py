"""A visit named by number beside a procedure said in words ("I and D with a 99213"): the answer names the
procedure's code, the visit with modifier 25 (a minor procedure's global period), and the NCCI edit between
them, read from the imported edits. Expected edits come from the raw CMS file (tests/test_ncci_answers.py)."""

from __future__ import annotations

import pytest

from tests.test_ncci_answers import live_edit


@pytest.mark.parametrize("question", [
    "I and D with a 99213", "99213 with an incision and drainage", "did an I&D and billed 99213",
    "I&D abscess and 99213 same day", "can I bill 99213 with an I&D",
])
def test_the_procedure_in_words_and_the_visit_by_number_are_both_answered(ncci_engine, question):
    ans = ncci_engine.answer(question)
    assert ans.status == "answered"
    assert ans.codes[:2] == ["10060", "99213"] and "25" in ans.modifiers
    assert "99213-25" in ans.headline
    assert "10061" in ans.headline  # the other I&D code, said beside the first


def test_the_ncci_edit_between_them_is_the_one_in_the_file(ncci_engine):
    edit = live_edit("10060", "99213")
    ans = ncci_engine.answer("I and D with a 99213")
    if edit is None:
        assert "no edit in force between 10060 and 99213" in ans.headline
    else:
        assert f"NCCI bundles {edit[1]} into {edit[0]}" in ans.headline
        assert ("unless modifier 25" in ans.headline) == (edit[3] == "1")


def test_a_procedure_found_outright_is_named_with_the_visit(ncci_engine):
    ans = ncci_engine.answer("99214 and a LEEP")
    assert ans.codes[:2] == ["57461", "99214"] and "99214-25" in ans.headline


def test_without_the_ncci_import_the_rule_is_still_answered(full):
    ans = full.answer("I and D with a 99213")
    assert ans.codes[:2] == ["10060", "99213"] and "99213-25" in ans.headline and "NCCI bundles" not in ans.headline


@pytest.mark.parametrize("question", ["99213 in manhattan", "payment for 99213 and an I&D", "99214 with G2211"])
def test_a_visit_asked_about_alone_or_for_a_value_is_answered_as_before(ncci_engine, question):
    ans = ncci_engine.answer(question)
    assert "10060" not in ans.codes[:1] and "-25 for the visit" not in ans.headline
