"""The engine, question in and Answer out: one test group per intent and per status."""

from __future__ import annotations

import pytest

from bot.answer import STATUSES
from bot.engine import AskContext
from bot.render import render_text


def ask(engine, q, **ctx):
    return engine.answer(q, AskContext(**ctx))


def cites_source(answer, year=2026):
    release = {2026: "RVU26C", 2025: "RVU25D"}[year]
    cf = {2026: "33.4009", 2025: "32.3465"}[year]
    return f"CY{year}" in render_text(answer) and release in render_text(answer) and cf in render_text(answer)


# --- finding codes --------------------------------------------------------------------------------

@pytest.mark.parametrize(("question", "code"), [
    ("57520", "57520"),
    ("/cpt 57461", "57461"),
    ("LEEP", "57461"),
    ("cold knife cone", "57520"),
    ("CKC rvu", "57520"),
    ("conizaton of the cervix", "57520"),         # typo
    ("endometrial biopsy", "58100"),
    ("EMB wrvu", "58100"),
    ("D&C", "58120"),
    ("d and c rvu", "58120"),
    ("hysteroscopic myomectomy", "58561"),
    ("novasure", "58353"),                       # bipolar RF ablation without a hysteroscope
    ("laparoscopic radiofrequency ablation of liver tumor", "47370"),
    ("new patient level 4 office visit", "99204"),
    ("established patient level 5", "99215"),
])
def test_finds_the_code_by_number_name_synonym_or_typo(engine, question, code):
    answer = ask(engine, question)
    assert answer.status == "answered", render_text(answer)
    assert answer.codes[0] == code


def test_an_ambiguous_word_asks_back_with_choices(engine):
    answer = ask(engine, "cryo")
    assert answer.status == "clarify"
    assert {"57511", "47383"} <= set(answer.codes)
    assert len(answer.choices) <= 5
    assert [c.code for c in answer.choices] == answer.codes
    # pressing a choice asks a question that answers for exactly that code
    for choice in answer.choices:
        follow = ask(engine, choice.question)
        assert follow.status == "answered" and follow.codes[0] == choice.code


def test_clarify_keeps_what_was_asked(engine):
    answer = ask(engine, "wrvu for cryo")
    assert answer.status == "clarify"
    follow = ask(engine, answer.choices[0].question)
    assert follow.intent == "rvu"


# --- intents --------------------------------------------------------------------------------------

def test_rvu_answer_shows_every_rvu_and_cites_its_source(engine, kb):
    answer = ask(engine, "what's the wRVU for LEEP")
    rvu = kb.rvu("57461", 2026)
    assert (answer.status, answer.intent, answer.year) == ("answered", "rvu", 2026)
    assert answer.headline.startswith(f"57461 has {rvu.work:.2f} work RVUs")
    for value in (rvu.work, rvu.pe_nonfacility, rvu.pe_facility, rvu.mp, rvu.total_nonfacility, rvu.total_facility):
        assert f"{value:.2f}" in render_text(answer)
    assert cites_source(answer)


def test_global_period_explains_visits(engine):
    answer = ask(engine, "global period for 57520")
    assert answer.intent == "global"
    assert "090" in answer.headline
    assert "57" in render_text(answer) and "24" in render_text(answer)


def test_payment_both_settings_by_default_one_when_named(engine):
    both = ask(engine, "medicare payment for 58558")
    assert "$1,269.90" in both.headline and "$204.41" in both.headline
    office = ask(engine, "how much does medicare pay for LEEP in the office")
    assert "$349.37 in the office" in office.headline and "facility" not in office.headline
    facility = ask(engine, "what does medicare pay for 57461 at the hospital")
    assert "$161.66 in a facility" in facility.headline


def test_payment_by_locality_name_and_state(engine):
    answer = ask(engine, "what does medicare pay for 99213 in manhattan")
    assert "$107.63" in answer.headline and "Manhattan" in answer.headline
    state = ask(engine, "payment for 99213 in new york")
    # a state with several localities lists them
    assert "Manhattan" in render_text(state) and "Queens" in render_text(state)


def test_saved_locality_and_setting_apply(engine):
    answer = ask(engine, "payment for 99213", locality="13202-01", setting="office")
    assert "$107.63 in the office" in answer.headline


def test_not_priced_setting_says_so(engine, kb):
    na = [c for c in kb.codes if kb.rvu(c, 2026).nonfacility_na]
    if not na:
        pytest.skip("no curated code is NA in the office")
    answer = ask(engine, f"office payment for {na[0]}")
    assert "not priced in the office (CMS: NA)" in answer.headline and "$" not in answer.headline


def test_conversion_factor_per_year(engine):
    now = ask(engine, "2026 conversion factor")
    assert now.status == "answered" and "$33.4009" in now.headline and "$33.5675" in now.headline
    before = ask(engine, "what was the conversion factor in 2025")
    assert "$32.3465" in before.headline and before.year == 2025


def test_modifier_meaning(engine):
    answer = ask(engine, "modifier 53")
    assert answer.modifiers == ["53"] and "discontinued" in render_text(answer).lower()
    both = ask(engine, "modifier 59 vs XU")
    assert both.modifiers[:2] == ["59", "XU"]


@pytest.mark.parametrize(("question", "modifier"), [
    ("which modifier for reduced services", "52"),
    ("what modifier do I use when a procedure is stopped partway", "53"),
    ("modifier for a bilateral procedure", "50"),
    ("what modifier for a PA assisting at surgery", "AS"),
    ("which modifier when the patient goes back to the OR for a complication", "78"),
    ("modifier for a staged procedure during the global", "58"),
])
def test_which_modifier_fits_a_situation(engine, question, modifier):
    answer = ask(engine, question)
    assert answer.status == "answered"
    assert answer.modifiers[0] == modifier, render_text(answer)


def test_visit_same_day_and_after_a_procedure(engine):
    same = ask(engine, "can I bill an E/M on the same day as a LEEP")
    assert same.codes == ["57461"] and same.modifiers == ["25"]
    major = ask(engine, "office visit same day as 57520")
    assert major.modifiers[0] == "57"
    later = ask(engine, "patient seen 2 weeks after 57520 for an unrelated problem, can I bill the visit")
    assert later.modifiers[0] == "24"


def test_compare_codes_by_name(engine):
    answer = ask(engine, "compare LEEP and cold knife cone")
    assert answer.intent == "compare" and answer.codes == ["57461", "57520"]
    assert "3.34" in render_text(answer) and "4.01" in render_text(answer)


def test_several_procedures_on_one_day(engine):
    answer = ask(engine, "calc 58558 57461")
    assert answer.intent == "multiple_procedures" and answer.codes == ["58558", "57461"]
    assert "$1,444.59" in answer.headline and "$285.24" in answer.headline


def test_earlier_year_and_change(engine):
    old = ask(engine, "2025 wrvu for 57461")
    assert old.year == 2025 and "3.43" in old.headline and cites_source(old, 2025)
    change = ask(engine, "how did 57461 change from 2025 to 2026")
    assert change.intent == "change" and "3.43" in change.headline and "3.34" in change.headline


def test_a_year_we_do_not_have(engine):
    answer = ask(engine, "2019 wrvu for 57461")  # the code is answered from the newest year, which says so first
    assert answer.status == "answered" and answer.year == engine.kb.newest_year
    assert answer.headline.startswith("I don't have the CY2019 fee schedule (I have CY2025, CY2026)")
    assert ask(engine, "2019 conversion factor").status == "not_found"


# --- statuses -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("question", "status"), [
    ("99999", "not_found"),
    ("wrvu for 27447", "not_found"),
    ("modifier 99", "not_found"),
    ("rvu for a heart transplant", "not_found"),
    ("biopsy of the vulva", "not_found"),  # procedure words without a curated code: not "out of scope"
    ("what's the weather in Boston", "out_of_scope"),
    ("icd10 code for cervical dysplasia", "out_of_scope"),
    ("tell me a joke", "out_of_scope"),
    ("help", "help"),
    ("hi", "help"),
    ("", "help"),
])
def test_status(engine, question, status):
    answer = ask(engine, question)
    assert answer.status == status, render_text(answer)
    assert answer.status in STATUSES
    if status != "answered":
        assert answer.codes == []


@pytest.mark.parametrize("question", [
    "\x00\x01\x02", "🩺💉🤷", "ما هو 57461", "\u202e57461\u202c", "   ", "\t\n", "x" * 100_000,
    "<@U123> <!channel> &amp;&lt;&gt;", "57461" * 1000, "modifier", "compare", "calc", "-", "$$$", "0000F",
])
def test_odd_input_gets_a_normal_answer(engine, question):
    answer = ask(engine, question)
    assert answer.status in STATUSES
    assert render_text(answer)


def test_long_input_is_cut_and_says_so(engine):
    answer = ask(engine, "wrvu for LEEP " + "x " * 5000)
    assert "first 2,000 characters" in render_text(answer)
    assert answer.codes == ["57461"]


def test_slack_escaping_is_undone_before_matching(engine):
    assert ask(engine, "<@U0LAN0Z89> wrvu for D&amp;C").codes == ["58120"]


# --- questions found by the held-out development set ------------------------------------------------

def test_global_indicator_meaning_without_a_code(engine, kb):
    for g in ("MMM", "YYY", "ZZZ"):
        answer = ask(engine, f"what does {g} global mean")
        assert answer.status == "answered" and answer.intent == "global"
        assert kb.global_periods[g].name in render_text(answer)


def test_change_from_one_named_year_compares_with_the_newest(engine, kb):
    old, new = kb.rvu("58558", 2025), kb.rvu("58558", 2026)
    for q in ("how did 58558 change from 2025", "58558 2025 vs 2026", "did the wrvu for 58558 go up this year"):
        answer = ask(engine, q)
        assert answer.intent == "change", q
        assert f"from {old.work:.2f} (CY2025) to {new.work:.2f} (CY2026)" in answer.headline, q


def test_relative_years(engine):
    assert "$32.3465" in ask(engine, "what was the conversion factor last year").headline
    assert ask(engine, "2027 conversion factor").status == "not_found"


def test_a_code_new_in_a_later_year(engine):
    answer = ask(engine, "2025 wrvu for 47384")
    assert answer.status == "not_found" and "CY2026" in answer.headline


@pytest.mark.parametrize(("question", "modifiers"), [
    ("when do I use 79", ["79"]),
    ("gy vs gz", ["GY", "GZ"]),
    ("xu", ["XU"]),
])
def test_modifiers_without_the_word_modifier(engine, question, modifiers):
    answer = ask(engine, question)
    assert answer.status == "answered" and answer.modifiers[:len(modifiers)] == modifiers


def test_a_number_with_a_unit_is_not_a_modifier(engine):
    assert "25" not in ask(engine, "established patient visit 25 minutes").modifiers


def test_a_code_by_number_and_another_by_name(engine):
    answer = ask(engine, "can I bill 99213 with an EMB same day")
    assert answer.intent == "visit_with_procedure" and answer.codes[0] == "58100" and "99213" in answer.codes
    assert answer.modifiers == ["25"]


def test_two_procedures_same_day_are_priced_together(engine):
    answer = ask(engine, "58558 + 58120 same day")
    assert answer.intent == "multiple_procedures" and answer.codes == ["58558", "58120"]


def test_a_visit_described_in_words_beside_a_procedure(engine):
    answer = ask(engine, "new pt visit and endometrial biopsy same day, need a modifier?")
    assert answer.codes[0] == "58100" and answer.modifiers == ["25"]


def test_the_short_side_of_a_comparison_borrows_the_shared_words(engine):
    answer = ask(engine, "lap vs open rfa liver")
    assert answer.intent == "compare" and answer.codes == ["47370", "47380"]


def test_a_code_with_the_wrong_number_of_digits(engine):
    answer = ask(engine, "what is cpt 5746")
    assert answer.status == "not_found" and "five characters" in answer.headline


def test_a_zip_without_the_zip_file_is_not_read_as_a_code_and_says_the_import_is_needed(engine):
    """Never a silent national amount: the ZIP is named, and what is missing (CMS's ZIP5 file) is said."""
    answer = ask(engine, "57520 office payment zip 10001")
    assert answer.status == "not_found" and "ZIP 10001" in answer.headline
    assert "cptbot kb import" in answer.headline and "ZIP5" in answer.headline and "$" not in answer.headline
    assert ask(engine, "set locality 10001").status == "not_found"


# --- the answerer table ------------------------------------------------------------------------------

def test_every_kind_of_ask_has_an_answerer():
    """Answerers are imported by name on first use: a misspelt row would otherwise fail only when a question
    of that kind is first asked."""
    from bot.answers import ANSWERERS
    from bot.understanding.ask import KINDS

    assert set(ANSWERERS) == set(KINDS)
    assert all(callable(ANSWERERS[kind]) for kind in KINDS)


def test_a_warm_start_answers_the_same_and_survives_a_partly_removed_cache(tmp_path):
    """The second start reads its tables from the data directory's cache; a cache entry removed by hand (the
    everyday names of codes, read on first use) is read from the YAML again, never an error."""
    from bot.engine import Engine

    questions = ["what's the wRVU for LEEP", "new or established if she saw our other dermatologist",
                 "cpt code for cryoablation of a liver tumor", "99213 in manhattan"]
    cold = [Engine.load(data_dir=tmp_path).answer(q) for q in questions]
    warm = Engine.load(data_dir=tmp_path)
    assert [warm.answer(q) for q in questions] == cold
    for entry in (tmp_path / "cache").glob("common-names-*.json"):
        entry.unlink()
    again = Engine.load(data_dir=tmp_path)
    from bot.knowledge import load_knowledge, shipped_dir

    assert dict(again.kb.common_names) == load_knowledge(shipped_dir("knowledge")).common_names
    assert [again.answer(q) for q in questions] == cold


def test_a_changed_loader_is_not_answered_from_the_knowledge_its_old_self_cached(tmp_path, monkeypatch):
    """The knowledge cache's key holds the engine's modules (by size and time), not only a few of them: a
    loader of topics or sites changed with the YAML unchanged reads the YAML again."""
    from bot import catalog
    from bot.engine import Engine
    from bot.knowledge import shipped_dir

    folder = shipped_dir("knowledge")
    before = catalog.files_fingerprint(folder)
    Engine.load(data_dir=tmp_path)
    assert list((tmp_path / "cache").glob(f"knowledge-{before}.json"))
    monkeypatch.setattr(catalog, "code_stamp", lambda: "bot/answers/topics.py:1:2")  # as after an edit
    after = catalog.files_fingerprint(folder)
    assert after != before
    Engine.load(data_dir=tmp_path)
    assert list((tmp_path / "cache").glob(f"knowledge-{after}.json"))


def test_the_caches_of_built_objects_are_not_read_by_another_version_of_the_code(tmp_path, monkeypatch):
    """The modifier index and the facility words are objects of the engine's own classes: a cache another
    version wrote (here: a changed module) is built again, never decoded into this version's classes."""
    from bot import catalog
    from bot.engine import Engine

    def built() -> set[str]:
        engine = Engine.load(data_dir=tmp_path)
        engine.answer("what does modifier 26 mean")  # reads the modifier index
        engine.answer("what does the hospital get for 45378")  # reads the facility words
        return {p.name for p in (tmp_path / "cache").glob("*.json")
                if p.name.startswith(("modifier-index-", "facility-words-"))}

    first = built()
    assert len(first) == 2
    monkeypatch.setattr(catalog, "code_stamp", lambda: "bot/facility/service.py:1:2")  # as after an edit
    second = built()
    assert len(second) == 2 and not first & second
