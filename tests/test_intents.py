"""Every example phrasing in intents/*.yaml is understood as its intent (a held-in check, as in Rasa)."""

from __future__ import annotations

import pytest

from bot.render import render_text
from bot.understanding.intents import load_intents
from bot.yamlfile import KnowledgeError
from tests.conftest import ROOT

INTENTS = load_intents(ROOT / "intents")
# Asks answered from the facility files (OPPS, ASC, anesthesia): their examples are checked with those files
# imported, in tests/test_facility_answers.py.
NEEDS_FACILITY_FILES = ("hospital", "asc", "site_of_service", "anesthesia",
                        "ncci_pair", "ncci_units")  # the NCCI ones in tests/test_ncci_answers.py
EXAMPLES = [(i.name, ex) for i in INTENTS for ex in i.examples if i.name not in NEEDS_FACILITY_FILES]
STATUS_FOR = {"help": "help", "out_of_scope": "out_of_scope"}


@pytest.mark.parametrize(("intent", "example"), EXAMPLES, ids=[f"{i}:{e}" for i, e in EXAMPLES])
def test_example_is_understood_as_its_intent(engine, intent, example):
    answer = engine.answer(example)
    assert answer.intent == intent, render_text(answer)
    assert answer.status == STATUS_FOR.get(intent, "answered"), render_text(answer)


def test_broken_intent_file_is_reported_with_file_line_and_field(tmp_path):
    for f in (ROOT / "intents").glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    bad = tmp_path / "rvu.yaml"
    bad.write_text(bad.read_text().replace("priority: 45", "priority: high"))
    with pytest.raises(KnowledgeError) as err:
        load_intents(tmp_path)
    assert "intents/rvu.yaml:3: rvu: priority: must be a number, got 'high'" in str(err.value)
