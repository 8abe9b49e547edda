"""What is asked decides the answer, not the first code found: several codes in one table, an add-on priced
with its primary code, procedures named in words across a narrative, same-day procedures that are no visit.

Held-out style phrasings (not the eval's) over the full CMS import; figures worked from the CMS rows.
"""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.fees import cents
from bot.render import render_text

CF26 = 33.4009


@pytest.fixture(scope="session")
def full(imported) -> Engine:
    return Engine.load(data_dir=imported["data_dir"])


def money(value) -> str:
    return f"${cents(value):,.2f}"


@pytest.mark.parametrize("question", ["work rvus of 99202, 99203 and 99204", "wRVU 45378 45380 45385?"])
def test_several_codes_come_back_as_one_table_of_what_was_asked(full, cms_rvus, question):
    answer = full.answer(question)
    codes = [c for c in ("99202", "99203", "99204", "45378", "45380", "45385") if c in question]
    assert answer.status == "answered" and answer.codes == codes
    text = render_text(answer)
    for c in codes:
        work = next(r.work for r in cms_rvus[2026].rows if r.code == c and not r.modifier)
        assert f"{c} {work:.2f}" in answer.headline  # every code's value in the first sentence
    assert len(answer.sections) == 1 and len(answer.sections[0].facts) == len(codes)
    assert len(text) < 1200


def test_a_visit_and_its_add_on_are_priced_together(full, cms_rvus):
    answer = full.answer("what does medicare pay for 99215 plus G2211")
    rows = [next(r for r in cms_rvus[2026].rows if r.code == c and not r.modifier) for c in ("99215", "G2211")]
    both = sum(cents((r.work + r.pe_nonfacility + r.mp) * CF26) for r in rows)
    assert answer.codes == ["99215", "G2211"]
    assert answer.headline.startswith("Together") and f"${both:,.2f} in the office" in answer.headline


@pytest.mark.parametrize(("question", "codes"), [
    ("The doctor took out the old IUD and then put in a new one at the same visit. What do I bill?",
     ["58301", "58300"]),
    ("how would you code a CT-guided radiofrequency ablation of a renal mass", ["77013", "50592"]),
])
def test_procedures_named_in_words_across_a_narrative_are_all_found(full, question, codes):
    answer = full.answer(question)
    assert answer.status == "answered", render_text(answer)
    assert set(codes) <= set(answer.codes)


def test_two_procedures_on_one_day_are_not_a_visit_question(full):
    answer = full.answer("58558 and 58300 on the same date")
    assert answer.intent == "multiple_procedures" and answer.codes[:2] == ["58558", "58300"]


def test_modifier_51_with_two_procedures_is_answered_by_the_reduction_rules(full):
    answer = full.answer("do I put 51 on 57454 when it is done with 58558?")
    assert answer.intent == "multiple_procedures" and "51" in answer.modifiers
    assert set(answer.codes) == {"57454", "58558"}


def test_a_code_outside_the_curated_set_is_titled_in_words_with_the_cms_descriptor_beside(full, cms_rvus):
    raw = next(r.description for r in cms_rvus[2026].rows if r.code == "17110" and not r.modifier)
    answer = full.answer("17110 rvu")
    assert answer.title.startswith("17110 · Destruction benign lesion") and f"(CMS: {raw})" in answer.title


def test_a_short_reply_keeps_to_what_was_asked_and_the_card_is_one_step_away(full):
    answer = full.answer("global days for 27447")
    short, whole = render_text(answer), render_text(answer, full=True)
    assert "090" in answer.headline and "Billing indicators" not in short and "Billing indicators" in whole
    assert len(short) < 800 < len(whole)


def test_a_code_named_by_number_and_another_procedure_named_in_words_both_answer(full):
    answer = full.answer("is 20610 the right code for a sacroiliac joint injection?")
    assert answer.codes[0] == "20610" and "27096" in answer.codes


def test_a_modifier_reply_keeps_to_what_was_asked_and_the_full_card_has_the_rest(full):
    answer = full.answer("does modifier 59 change what medicare pays?")
    short, whole = render_text(answer), render_text(answer, full=True)
    assert "Payment:" in short and "Not when:" not in short
    assert "Not when:" in whole and len(short) < len(whole)


@pytest.mark.parametrize("question", ["rvu and global for 66984", "wrvu and global period of 66984?"])
def test_two_values_asked_of_one_code_are_both_in_the_first_sentence(full, cms_rvus, question):
    row = next(r for r in cms_rvus[2026].rows if r.code == "66984" and not r.modifier)
    answer = full.answer(question)
    assert answer.status == "answered" and answer.codes == ["66984"]
    assert f"work RVU {row.work:.2f}" in answer.headline and f"global {row.global_days}" in answer.headline


def test_an_x_ray_title_keeps_its_word(full):
    answer = full.answer("rvu for 72020")
    assert answer.title.startswith("72020 · X-ray") and "xray" not in answer.title.lower().replace("x-ray", "")


@pytest.mark.parametrize(("question", "words"), [
    ("thoracic spine x-ray 3 views", ("thorac spine", "3vws")),  # CMS glues the count to "vws"
    ("lumbar spine xray 4 views", ("spine 4/>vws",)),  # CMS writes this one "l-2 spine"
])
def test_spine_x_rays_are_found_by_region_and_views(full, cms_rvus, question, words):
    code = next(r.code for r in cms_rvus[2026].rows
                if r.code.startswith("72") and not r.modifier and all(w in r.description for w in words))
    answer = full.answer(question)
    assert answer.codes[:1] == [code] and "72020" not in answer.codes, answer.headline


def test_stopping_smoking_is_not_a_stopped_procedure_and_the_cms_sign_is_kept(full, cms_rvus):
    answer = full.answer("spent 20 minutes counseling her to stop smoking")
    row = next(r for r in cms_rvus[2026].rows if r.code == "99407" and not r.modifier)
    assert answer.codes[:1] == ["99407"] and "53" not in answer.modifiers
    assert ">" in row.description and "> 10 min" in answer.headline  # "more than 10", never "10 min"
