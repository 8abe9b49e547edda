"""A device taken out and a new one put in (knowledge/device_exchanges.yaml): one code where CPT has one for
both, the removal and the insertion where it has not, asked back where the combined code depends on what
the question does not say. Codes are checked against the CMS short descriptors of the RVU file."""

from __future__ import annotations

import re

import pytest

COMBINED = re.compile(r"remove/insert|replace|rplc|remv&replc|change|exchange", re.I)


def test_every_code_is_the_one_its_descriptor_states(kb, descriptors):
    devices = kb.exchanges.devices
    assert devices
    for d in devices:
        if d.removal:
            assert re.search(r"remov", descriptors[d.removal], re.I), (d.id, descriptors[d.removal])
        if d.insertion:
            assert re.search(r"insert", descriptors[d.insertion], re.I), (d.id, descriptors[d.insertion])
        for c in d.combined:
            assert COMBINED.search(descriptors[c]), (d.id, c, descriptors[c])


@pytest.mark.parametrize("question", [
    "IUD removal and reinsertion",
    "iud replacement",
    "took out her mirena and put in a new one, how do I code it",
    "paragard exchange wrvu",
    "removal of iud with reinsertion same visit",
])
def test_an_iud_exchange_is_the_removal_and_the_insertion(full, descriptors, question):
    ans = full.answer(question)
    assert ans.status == "answered"
    assert "remove intrauterine" in descriptors[ans.codes[0]].lower()
    assert "insert intrauterine" in descriptors[ans.codes[1]].lower()
    assert ans.headline.startswith(f"Report both {ans.codes[0]}")


@pytest.mark.parametrize("question", [
    "nexplanon removal and reinsertion",
    "took out her nexplanon and put in a new one",
    "implanon exchange rvu",
])
def test_an_arm_implant_exchange_is_its_one_code(full, descriptors, question):
    ans = full.answer(question)
    assert ans.status == "answered"
    assert ans.codes == ["11983"] and "remove/insert" in descriptors["11983"].lower()
    assert ans.headline.startswith("11983:")


def test_a_combined_code_chosen_by_what_is_not_said_is_asked_about(full, descriptors):
    ans = full.answer("pacemaker generator replacement")
    assert ans.status == "clarify"
    assert len(ans.codes) == 3 and all("pm gen" in descriptors[c].lower() for c in ans.codes)


@pytest.mark.parametrize(("question", "says"), [("IUD removal", "remove"), ("IUD insertion", "insert")])
def test_a_removal_or_an_insertion_alone_is_its_own_code(full, descriptors, question, says):
    ans = full.answer(question)
    assert ans.status == "answered" and len(ans.codes) == 1 and says in descriptors[ans.codes[0]].lower()


def test_another_procedure_named_with_it_keeps_every_code(full):
    ans = full.answer("she removed the IUD, did a colposcopy with biopsy of the cervix and inserted a new IUD. "
                      "how do I code it?")
    assert {"58301", "58300", "57455"} <= set(ans.codes)


@pytest.mark.parametrize(("question", "codes"), [
    ("IUD removal and reinsertion", ("58301", "58300")),
    ("mirena replacement rvu", ("58301", "58300")),
    ("nexplanon exchange", ("11983",)),
])
def test_without_the_import_the_codes_are_named_with_the_import_hint(engine, question, codes):
    ans = engine.answer(question)
    assert ans.status == "not_found" and ans.codes == []
    assert all(c in ans.headline for c in codes) and "kb import" in ans.headline
