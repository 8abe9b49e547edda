"""NCCI answers a coder notices: yes/no first, column 1 and 2, the modifier indicator, deleted edits by date
of service, bundled codes left out of a same-day total, MUEs. Expected values come from the raw CMS files
(regular expressions over their bytes, the csv module), never from the bot's readers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date

import pytest

from bot.engine import Engine
from tests.conftest import MUE_CSV, PTP_ZIP


def raw_rows(a: str, b: str) -> list[tuple[str, ...]]:
    """Every row CMS lists for the pair, in either order: (col1, col2, deletion, modifier, rationale)."""
    out = []
    with zipfile.ZipFile(PTP_ZIP) as archive:
        for name in sorted(archive.namelist()):
            data = archive.read(name)
            for x, y in ((a, b), (b, a)):
                pattern = (rb"^" + x.encode() + rb"\t" + y.encode()
                           + rb"\t[^\t]*\t[^\t]*\t([^\t]*)\t([019])\t([^\t\r\n]*)")
                out += [(x, y, m.group(1).decode(), m.group(2).decode(), m.group(3).decode())
                        for m in re.finditer(pattern, data, re.M)]
    return out


def live_edit(a: str, b: str) -> tuple[str, ...] | None:
    """The pair's edit in force (not deleted) with modifier indicator 0 or 1, as CMS lists it, or None."""
    rows = [r for r in raw_rows(a, b) if r[2] in ("", "*") and r[3] in ("0", "1")]
    return rows[0] if rows else None


@pytest.fixture(scope="module")
def mues() -> dict[str, list[str]]:
    return {r[0]: r for r in csv.reader(io.StringIO(MUE_CSV.read_bytes().decode("latin-1"))) if r}


@pytest.fixture(scope="module")
def deleted_pair() -> tuple[str, str, str, str]:
    """A pair whose only row is an edit with a deletion date: (col1, col2, deletion YYYYMMDD, modifier)."""
    with zipfile.ZipFile(PTP_ZIP) as archive:
        data = archive.read(sorted(archive.namelist())[1])
    for m in re.finditer(rb"^(\d{5})\t(\d{5})\t\t\t(20\d{6})\t([01])\t", data, re.M):
        if data.count(b"\n" + m.group(1) + b"\t" + m.group(2) + b"\t") == 1:
            return tuple(g.decode() for g in m.groups())  # type: ignore[return-value]
    raise AssertionError("no deleted edit found")


@pytest.fixture(scope="module")
def full(imported) -> Engine:
    return Engine.load(data_dir=imported["data_dir"])


def facts(answer) -> dict[str, str]:
    return {f.label: f.value for s in answer.sections for f in s.facts}


@pytest.mark.parametrize("question", ["can I bill {a} with {b}", "can I bill {b} with {a}", "{a} and {b} ncci",
                                      "is {b} bundled into {a}"])
@pytest.mark.parametrize("pair", [("58558", "58120"), ("57461", "57454"), ("57461", "57452")])
def test_a_bundled_pair_in_either_order(ncci_engine, pair, question):
    rows = [r for r in raw_rows(*pair) if r[2] == "*"]
    assert len(rows) == 1
    col1, col2, _, modifier, rationale = rows[0]
    answer = ncci_engine.answer(question.format(a=pair[0], b=pair[1]))
    assert answer.status == "answered" and answer.intent == "ncci_pair"
    bundled_question = "bundled" in question
    expected_first = "Yes" if bundled_question or modifier == "1" else "No"
    assert answer.headline.split(":")[0].split(",")[0] == expected_first
    got = facts(answer)
    assert got["Column 1 (paid)"].startswith(col1) and got["Column 2 (denied)"].startswith(col2)
    assert f"Modifier indicator {modifier}" in got and got["CMS rationale"] == rationale
    assert "2024 Q3" in got["Edits"] and "2024 Q3" in answer.source


@pytest.mark.parametrize(("question", "pair"), [
    ("can I bill colposcopy with LEEP", ("57461", "57452")),
    ("is a LEEP bundled with a colposcopy", ("57461", "57452")),
    ("is a d and c included in a hysteroscopy with polypectomy", ("58558", "58120")),
    ("can I bill a D&C with a hysteroscopy with polypectomy?", ("58558", "58120")),
    ("can we bill 57454 with a LEEP", ("57461", "57454")),
])
def test_a_pair_named_in_words_is_answered_as_the_pair(ncci_engine, question, pair):
    """Both procedures found by their words (curated names), then the edit read from the CMS file."""
    rows = [r for r in raw_rows(*pair) if r[2] == "*"]
    assert len(rows) == 1
    col1, col2, _, modifier, _ = rows[0]
    answer = ncci_engine.answer(question)
    assert answer.intent == "ncci_pair" and set(answer.codes) == set(pair), (answer.status, answer.codes)
    expected_first = "Yes" if "bundled" in question or "included" in question or modifier == "1" else "No"
    assert answer.headline.split(":")[0].split(",")[0] == expected_first
    assert facts(answer)["Column 2 (denied)"].startswith(col2) and facts(answer)["Column 1 (paid)"].startswith(col1)
    assert any("I read your words as" in n for n in answer.notes)


def test_a_pair_side_that_names_no_one_code_is_not_guessed(ncci_engine):
    answer = ncci_engine.answer("can I bill a biopsy with a repair")
    assert answer.intent != "ncci_pair" or answer.status != "answered"


def test_a_clause_before_a_comma_is_not_the_other_side_of_a_pair(ncci_engine):
    # one test (an ECG) read by someone else, then "can we bill 93000?": not a question about two codes
    answer = ncci_engine.answer("A cardiologist at the hospital reads the ECG our nurse ran, can we bill 93000?")
    assert answer.intent not in ("ncci_pair", "bundling") and "NCCI" not in answer.title


def test_does_59_unbundle_answers_by_the_modifier_indicator(ncci_engine):
    rows = [r for r in raw_rows("11102", "11300") if r[2] == "*"]
    answer = ncci_engine.answer("does 59 unbundle 11102 from 11300")
    assert answer.headline.startswith("Yes" if rows[0][3] == "1" else "No")
    assert "59" in answer.modifiers


def test_no_edit_is_said_plainly_and_differs_from_not_imported(ncci_engine, engine):
    assert raw_rows("11102", "11103") == []
    answer = ncci_engine.answer("can I bill 11102 with 11103")
    assert answer.headline.startswith("Yes: there is no NCCI procedure-to-procedure edit between 11102 and 11103 in "
                                      "the practitioner edits of 2024 Q3")
    shipped = engine.answer("can I bill 58558 with 58120")
    assert shipped.status == "not_found" and "NCCI edits are not imported" in shipped.headline
    assert "cptbot kb import" in shipped.headline


def test_an_edit_deleted_before_the_date_of_service_does_not_apply(ncci_engine, deleted_pair):
    col1, col2, deleted, modifier = deleted_pair
    gone = date(int(deleted[:4]), int(deleted[4:6]), int(deleted[6:]))
    today = ncci_engine.answer(f"can I bill {col1} with {col2}")
    assert today.headline.startswith("Yes: the NCCI edit") and "not in force" in today.headline
    before = gone.replace(year=gone.year - 1)
    for asked in (f"for DOS {before.month}/{before.day}/{before.year % 100:02d}", f"as of {before.isoformat()}"):
        answer = ncci_engine.answer(f"can I bill {col1} with {col2} {asked}")
        assert answer.headline.startswith("No:" if modifier == "0" else "Yes, but only with a modifier")
        assert facts(answer)["Column 2 (denied)"].startswith(col2)


def test_calc_leaves_out_the_bundled_code_with_the_reason(ncci_engine, full):
    rows = [r for r in raw_rows("58558", "58120") if r[2] == "*"]
    assert rows[0][:2] == ("58558", "58120") and rows[0][3] == "0"
    for question in ("calc 58558 58120", "58558 + 58120 same day"):
        answer = ncci_engine.answer(question)
        assert answer.headline.startswith("NCCI bundles 58120 into 58558")
        alone = full.answer("calc 58558 58120").sections  # without NCCI, both are priced
        paid = [f for s in answer.sections if "same day" in s.title for f in s.facts]
        assert {f.label for f in paid if f.label != "Total"} == {"58558"}
        assert any(f.label == "58120" for s in alone if "same day" in s.title for f in s.facts)


def test_calc_with_59_on_the_column_2_code_keeps_it_with_a_note(ncci_engine):
    rows = [r for r in raw_rows("11102", "11300") if r[2] == "*"]
    assert rows[0][3] == "1"
    answer = ncci_engine.answer(f"calc {rows[0][0]} {rows[0][1]}-59")
    assert not answer.headline.startswith("NCCI bundles")
    note = facts(answer)[f"{rows[0][1]} with {rows[0][0]}"]
    assert "59" in note and "distinct service" in note
    dropped = ncci_engine.answer(f"calc {rows[0][0]} {rows[0][1]}")
    assert dropped.headline.startswith(f"NCCI bundles {rows[0][1]} into {rows[0][0]}")


@pytest.mark.parametrize(("question", "code"), [("how many units of 20610", "20610"), ("MUE for J1100", "J1100"),
                                                ("max units 11102 per day", "11102"), ("mue 27447", "27447")])
def test_mue_answers_value_indicator_and_rationale(ncci_engine, mues, question, code):
    row = mues[code]
    answer = ncci_engine.answer(question)
    assert answer.status == "answered" and answer.intent == "ncci_units" and answer.codes == [code]
    value, indicator = int(row[1]), row[2][0]
    assert answer.headline.startswith(f"The MUE for {code} is {value} unit")
    assert ("per claim line" if indicator == "1" else "per day") in answer.headline
    got = facts(answer)
    assert f"Adjudication indicator {indicator}" in got and got["CMS rationale"] == row[3]


def test_hospital_edits_fall_back_to_the_practitioner_edits_with_a_note(ncci_engine):
    answer = ncci_engine.answer("can I bill 58558 with 58120 in a hospital")
    assert answer.headline.startswith("No:")
    assert any("outpatient hospital PTP edits are not imported" in n for n in answer.notes)


def test_every_ncci_example_phrasing_is_answered_as_its_intent(ncci_engine):
    from bot.understanding.intents import load_intents
    from tests.conftest import ROOT

    for intent in load_intents(ROOT / "intents"):
        if intent.name in ("ncci_pair", "ncci_units"):
            for example in intent.examples:
                answer = ncci_engine.answer(example)
                assert (answer.intent, answer.status) == (intent.name, "answered"), example
