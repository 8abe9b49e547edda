"""Rule topics, situations that imply a modifier, and declines: what a coder reads in the first sentence.

The phrasings here are our own (not the eval sets'), so they check that the YAML patterns generalise.
Numbers are computed from the CMS files, never typed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.ask import ask
from bot.fees import amount, money, raw_amount
from bot.knowledge import load_knowledge
from bot.yamlfile import KnowledgeError
from tests.conftest import ROOT

# --- topics ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "must_say"), [
    ("pt saw our other dermatologist 2 yrs ago, does she count as new or established?", "three years"),
    ("when is a patient considered new to the practice", "three years"),
    ("what does the global surgical package include", "postoperative"),
    ("where can I look up the global days for a procedure", "GLOB DAYS"),
    ("explain the parts that make up an RVU", "practice expense"),
    ("how is the medicare fee calculated from rvus", "conversion factor"),
    ("what is the MDM for choosing an E/M level", "medical decision making"),
    ("how does place of service affect facility vs non-facility payment", "practice expense"),
    ("how are bilateral procedures paid by medicare", "150%"),
    ("what are the rules for team surgery and co-surgeons", "62.5%"),
    ("how often do rvus get updated", "final rule"),
    ("what is G2211 and when can I bill it", "longitudinal"),
    ("what does the NCCI modifier indicator mean", "no modifier"),
    ("what is an MUE", "units"),
    ("pt hasn't been seen in 5 years, is he new?", "three years"),
    ("what is a GPCI", "GPCI"),
    ("what place of service for a telehealth visit at home", "place of service 10"),
])
def test_a_general_question_gets_its_topic_first(engine, question, must_say):
    answer = ask(engine, question)
    assert answer.status == "answered" and answer.intent == "topic", answer.text
    assert must_say.lower() in answer.headline.lower(), answer.headline
    assert answer.codes == [] or answer.intent == "topic"


def test_conversion_factor_change_is_computed_with_its_sign(engine, kb):
    new, old = (kb.years[y].release.conversion_factor for y in sorted(kb.years, reverse=True)[:2])
    answer = ask(engine, "by what percent did the conversion factor go up this year")
    assert answer.intent == "topic"
    assert f"{(new - old) / old:+.1%}" in answer.headline and f"${new:.4f}" in answer.headline
    assert "conversion factor" in answer.source


def test_payment_formula_example_equals_the_fee_schedule(engine, kb, cms_rvus):
    year = max(kb.years)
    row = next(r for r in cms_rvus[year].rows if r.code == "99213" and not r.modifier)
    expected = money(amount(row, kb.years[year].release, "office"))
    answer = ask(engine, "how does medicare figure the payment for a code")
    assert expected in answer.headline and f"CY{year}" in answer.headline, answer.headline
    assert f"${kb.years[year].release.conversion_factor:.4f}" in answer.source


def test_a_question_about_one_code_is_not_a_topic(engine):
    answer = ask(engine, "what's the wrvu for an established patient level 4 office visit")
    assert answer.intent != "topic" and answer.codes[:1] == ["99214"]
    card = ask(engine, "global period for 58558")
    assert card.intent == "global" and card.codes == ["58558"]


# --- situations --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "modifier"), [
    ("doc had to abort the hysteroscopy halfway because of bleeding risk, what mod", "53"),
    ("pt could not tolerate the endometrial biopsy so it was stopped", "53"),
    ("surgeon took her back to the OR on day 3 for a hematoma, which modifier", "78"),
    ("planned second stage procedure inside the global, what modifier goes on it", "58"),
    ("visit for an unrelated problem during the global period of her hysterectomy, modifier?", "24"),
    ("the same doctor repeated the xray later that day, modifier", "76"),
    ("E/M where the decision for surgery was made the day before", "57"),
    ("video telehealth visit, what modifier do I append", "95"),
    ("lesion removed from a separate site on the same day, which modifier", "XS"),
    ("procedure done on both sides, what modifier", "50"),
    ("radiologist does the interpretation only, modifier?", "26"),
    ("doctor couldn't finish the scope because of poor prep, which modifier", "53"),
    ("patient came back in the post-op period with an unrelated rash, what modifier on the visit", "24"),
    ("second surgery in the global period for an unrelated condition", "79"),
    # a question about a modifier: the situation wins over the global period's topic
    ("staged second surgery during the 90 day global - modifier?", "58"),
    ("return to the operating room for bleeding inside the 90-day global, modifier?", "78"),
])
def test_a_described_situation_gets_its_modifier_first(engine, question, modifier):
    answer = ask(engine, question)
    assert answer.status == "answered" and answer.modifiers[:1] == [modifier], answer.text
    assert answer.headline.startswith(f"Use {modifier}") or f"use {modifier}" in answer.headline.lower()


def test_a_wrong_guess_is_corrected_kindly(engine):
    answer = ask(engine, "patient couldn't tolerate the colposcopy and we stopped, 52?")
    assert answer.modifiers[0] == "53"
    assert answer.headline.startswith("Not 52. Use 53")


def test_a_right_guess_is_confirmed(engine):
    answer = ask(engine, "we stopped the LEEP because the patient could not tolerate it, that's 53 right?")
    assert answer.headline.startswith("Yes: use 53")


def test_the_named_code_indicator_answers_the_situation(engine, kb):
    fy = kb.years[max(kb.years)]
    rvu = fy.rvus[("58558", "")]
    answer = ask(engine, "can co-surgeons bill 58558?")
    assert answer.modifiers[0] == "62" and answer.codes == ["58558"]
    assert f"indicator {rvu.co_surgeon}" in answer.headline.lower()
    assert money(raw_amount(rvu, fy.release, "office") * 0.625) in answer.headline
    bilateral = ask(engine, "bilateral 57461 with modifier, how is it paid")
    assert f"bilateral indicator {fy.rvus[('57461', '')].bilateral}" in bilateral.headline.lower()


def test_same_day_visit_with_a_named_procedure_keeps_the_code_answer(engine):
    answer = ask(engine, "office visit same day as 57520")
    assert answer.intent == "visit_with_procedure" and answer.modifiers[0] == "57"


# --- declines ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "my husband got a bill for 99214 and we think it's wrong",
    "I'm a patient, what will I owe for a colonoscopy",
    "does Aetna cover 58558 for fibroids",
    "do I need a prior auth from UHC for an MRI",
    "does traditional medicare require preauthorization for a hysterectomy",
    "should I use N87.1 or N87.9",
    "795.03 vs 622.11 which one",
    "which MAC processes claims for a practice in Ohio",
    "how much will my insurance pay for my knee surgery",
    "my patient wants to know how much she'll owe for her colonoscopy",
])
def test_out_of_scope_questions_are_declined_without_a_card(engine, question):
    answer = ask(engine, question)
    assert answer.status == "out_of_scope" and answer.codes == [] and not answer.sections, answer.text
    assert len(answer.headline) < 450


def test_a_mixed_cpt_and_icd_question_answers_the_cpt_part(engine):
    answer = ask(engine, "what CPT and ICD-10 codes do I use for a LEEP")
    assert answer.status == "answered" and answer.codes[:1] == ["57461"]
    assert any("ICD-10-CM" in n for n in answer.notes)


def test_a_coder_asking_whether_they_can_bill_is_not_a_patient(engine):
    answer = ask(engine, "can I bill 99213 with a LEEP on the same day")
    assert answer.status == "answered" and "57461" in answer.codes


# --- validation --------------------------------------------------------------------------------------


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", dest)
    return dest


def problems_of(kb_dir: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_dir)
    return [str(p) for p in err.value.problems]


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_topic_without_an_answer_is_reported_with_file_line_entry_field(kb_copy):
    path = kb_copy / "topics.yaml"
    path.write_text(path.read_text() + "\n  - id: broken_topic\n    title: Broken\n    when: [\"broken words\"]\n")
    line = line_of(path, "id: broken_topic")
    assert f"knowledge/topics.yaml:{line}: broken_topic: answer: missing" in problems_of(kb_copy)


def test_situation_with_an_undefined_modifier_and_an_empty_pattern_part(kb_copy):
    path = kb_copy / "situations.yaml"
    path.write_text(path.read_text() + "\n  - id: broken_situation\n    when: [\"stopped + \"]\n"
                    "    modifiers: [\"Q9\"]\n    answer: Use Q9.\n")
    problems = problems_of(kb_copy)
    when = line_of(path, "when: [\"stopped + \"]")
    assert any(p.startswith(f"knowledge/situations.yaml:{when}: broken_situation: when:") and "empty part" in p
               for p in problems), problems


def test_situation_modifier_must_be_defined(kb_copy):
    path = kb_copy / "situations.yaml"
    path.write_text(path.read_text() + "\n  - id: unknown_mod\n    when: [\"frobnicated\"]\n"
                    "    modifiers: [\"Q9\"]\n    answer: Use Q9.\n")
    line = line_of(path, "modifiers: [\"Q9\"]")
    assert (f"knowledge/situations.yaml:{line}: unknown_mod: modifiers: modifier Q9 is not defined in "
            "modifiers.yaml") in problems_of(kb_copy)


def test_decline_with_unknown_shape_and_duplicate_id(kb_copy):
    path = kb_copy / "declines.yaml"
    path.write_text(path.read_text() + "\n  - id: patient_bill\n    when: [\"my bill\"]\n    answer: No.\n"
                    "  - id: odd_shape\n    when: [\"odd\"]\n    shapes: [snomed]\n    answer: No.\n")
    problems = problems_of(kb_copy)
    assert any("declines.yaml" in p and ": patient_bill: id: already used" in p for p in problems), problems
    assert any(": odd_shape: shapes: must be a list of code shapes" in p for p in problems), problems


def test_topic_with_unknown_hook(kb_copy):
    path = kb_copy / "topics.yaml"
    text = path.read_text().replace("hook: cf_change", "hook: cf_chnage")
    path.write_text(text)
    line = line_of(path, "hook: cf_chnage")
    assert any(p.startswith(f"knowledge/topics.yaml:{line}: cf_change: hook: unknown hook 'cf_chnage'")
               for p in problems_of(kb_copy))


def test_bad_yaml_syntax_in_topics_is_one_clear_line(kb_copy):
    (kb_copy / "topics.yaml").write_text("topics:\n  - id: x\n    when: [unclosed\n")
    problems = problems_of(kb_copy)
    assert any(p.startswith("knowledge/topics.yaml:") and "not valid YAML" in p for p in problems), problems


def test_a_cancelled_surgery_question_about_the_visit_is_not_a_modifier_answer(engine):
    answer = ask(engine, "surgery got canceled after induction; can the surgeon still bill an E/M for the workup?")
    assert answer.intent == "topic" and answer.headline.startswith("Yes")
    stopped = ask(engine, "the case was stopped after anesthesia induction in the ASC, what modifier for the facility")
    assert stopped.modifiers[0] == "74"


def test_waiting_out_a_biopsy_global_before_the_definitive_surgery(engine):
    answer = ask(engine, "do we have to wait until the biopsy's global ends before the definitive excision?")
    assert answer.modifiers[0] == "58"


def test_a_topic_about_one_code_answers_for_that_code(engine):
    answer = ask(engine, "what are the requirements for billing 99211")
    assert answer.intent == "topic" and answer.codes == ["99211"] and "incident-to" in answer.headline
    value = ask(engine, "wrvu for 99211")
    assert value.intent != "topic" and value.codes == ["99211"]


def test_choosing_between_two_named_modifiers_is_decided_by_the_situation(engine):
    answer = ask(engine, "procedure terminated for low blood pressure, 52 or 53?")
    assert answer.modifiers[0] == "53" and answer.headline.startswith("Not 52. Use 53")


def test_a_value_of_a_code_named_in_words_is_not_a_topic(engine):
    answer = ask(engine, "LEEP payment in the office vs facility")
    assert answer.intent != "topic" and answer.codes[:1] == ["57461"]


def test_a_modifier_asked_with_what_it_pays_on_a_named_procedure_gives_the_amount(full):
    """"Assistant surgeon on a total hip, what modifier and how much does it pay?": the amount with the
    modifier answers both, and the modifier is the answer's modifier."""
    ans = full.answer("Assistant surgeon on a total hip replacement, what modifier and how much does it pay?")
    assert ans.status == "answered" and ans.codes[0] == "27130" and ans.modifiers == ["80"]
    assert "16%" in ans.headline


@pytest.mark.parametrize(("question", "indicator"), [
    ("what does a 10 day global mean", "010"), ("what is a 90-day global period", "090"),
    ("zero day global meaning", "000"),
])
def test_a_global_period_named_by_its_days_is_explained(engine, question, indicator):
    ans = engine.answer(question)
    assert ans.status == "answered" and ans.intent == "global" and ans.headline.startswith(indicator)


def test_the_global_period_of_a_surgery_named_in_words_is_its_value_not_the_general_topic(full):
    ans = full.answer("What is the global period on a cataract surgery")
    assert ans.codes[0] == "66984" and ans.intent == "global"
    # a rule about a service without a surgical global stays the rule
    assert full.answer("How do global period rules apply to critical care services").intent == "topic"


@pytest.mark.parametrize(("question", "modifier"), [
    ("Which modifier for a service by a locum tenens physician", "Q6"),
    ("our doc was on vacation and a colleague covered under a reciprocal arrangement, modifier?", "Q5"),
])
def test_substitute_physician_modifiers(engine, question, modifier):
    ans = engine.answer(question)
    assert ans.status == "answered" and ans.modifiers[:1] == [modifier]


def test_post_op_visits_asked_about_a_surgery_named_in_words_are_the_global_period(full):
    """"Are post-op visits included in the global for a lap chole": the surgery's global period answers (the
    visits are included), not an NCCI pair of 99024 with the surgery."""
    ans = full.answer("are post op visits included in the global for a lap chole")
    assert ans.intent == "visit_with_procedure" and ans.codes[0] == "47562"
    assert "included" in ans.headline


def test_a_screening_that_became_therapeutic_is_the_procedure_done_with_pt(full, cms_rvus):
    """The screening colonoscopy that found and removed a polyp is billed as the removal, with PT (Medicare) or
    33, never as the screening G-code its words also name."""
    ans = full.answer("Our gastroenterologist started a screening colonoscopy on a Medicare patient, found a polyp "
                      "and removed it with a hot snare. What do we bill and do we need a modifier?")
    assert ans.modifiers[:2] == ["PT", "33"] and ans.codes == ["45385"]
    screening = {r.code for r in cms_rvus[2026].rows if r.code.startswith("G01") and "scr" in r.description.lower()}
    assert not screening & set(ans.codes)


@pytest.mark.parametrize("question", ["pt signed an abn which modifier", "PT signed an ABN, modifier?"])
def test_pt_for_patient_is_not_the_pt_modifier(engine, question):
    ans = engine.answer(question)
    assert ans.modifiers[:1] == ["GA"]


def test_a_modifier_the_codes_own_indicator_rules_out_is_refused_not_advised(full, cms_rvus):
    """"bilateral screening mammogram, 50?": CMS prices 77067 as both sides (bilateral indicator 2), so the answer
    is no 50, not the general "Use 50"; the same for an assistant on a code whose indicator says not paid."""
    rows = {r.code: r for r in cms_rvus[2026].rows if not r.modifier}
    assert rows["77067"].bilateral == "2" and rows["11042"].assistant == "1"
    ans = full.answer("bilateral screening mammogram modifier 50?")
    assert ans.headline.startswith("No 50 on 77067") and "$" not in ans.headline
    ans = full.answer("assistant surgeon on 11042?")
    assert ans.headline.startswith("Medicare does not pay an assistant at surgery on 11042")


def test_bilateral_said_beside_a_procedure_named_in_words_prices_the_bilateral_amount(full, cms_rvus, cms_gpcis):
    from bot.fees import cents

    r = next(r for r in cms_rvus[2026].rows if r.code == "27447" and not r.modifier)
    assert r.bilateral == "1"
    single = cents(r.total_facility * cms_rvus[2026].conversion_factor)
    ans = full.answer("bilateral total knee replacement payment")
    assert ans.codes[0] == "27447" and ans.modifiers == ["50"]
    assert f"${cents(float(single) * 1.5):,.2f}" in ans.headline


@pytest.mark.parametrize(("question", "modifier"), [
    ("modifier for repeat lab test same day", "91"),
    ("repeat troponin same day, 76 or 91?", "91"),
    ("which modifier when the same doctor repeats the same procedure later that day", "76"),
    ("which modifier for drug wastage", "JW"),
    ("what does modifier QW mean", "QW"),
])
def test_lab_drug_and_therapy_modifiers(engine, question, modifier):
    """A laboratory test run again is 91, not the procedures' 76/77; drug waste, CLIA waiver and the other
    modifiers coders meet every day are known."""
    ans = engine.answer(question)
    assert ans.status == "answered" and ans.modifiers[:1] == [modifier]


@pytest.mark.parametrize("question", ["What are the three key components of E/M",
                                      "key elements of medical decision making"])
def test_the_parts_of_an_em_level_are_the_em_level_rule(engine, question):
    ans = engine.answer(question)
    assert ans.intent == "topic" and ans.title == "Choosing an office E/M level"
