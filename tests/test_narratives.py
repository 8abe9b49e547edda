"""Questions coders ask in sentences, answered by what is asked (issue 9): the part of a test billed, lesions
counted into codes and units, several biopsies, how often a code can be billed, codes whose meaning is a
rule (99058). Expected codes and indicators are read from the raw CMS RVU file with the csv module.
"""

from __future__ import annotations

import csv

import pytest

from bot.engine import Engine
from bot.understanding.counts import find_count
from tests.conftest import RVU_FILES


@pytest.fixture(scope="module")
def full(ncci_imported) -> Engine:
    return Engine.load(data_dir=ncci_imported["data_dir"])


@pytest.fixture(scope="module")
def rows() -> dict[str, list[str]]:
    """The global (no-modifier) rows of the CY2026 RVU file, by code, with the PCTC and status columns."""
    with open(RVU_FILES[2026], newline="", encoding="latin-1") as f:
        lines = list(csv.reader(f))
    header = next(i for i, r in enumerate(lines) if r and r[0] == "HCPCS")
    names = lines[header - 1]
    out = {r[0]: r for r in lines[header + 1:] if r and not r[1]}
    out["_pctc"] = [str(names.index("PCTC"))]
    out["_status"] = [str(names.index("STATUS"))]
    out["_endo"] = [str(names.index("ENDO"))]
    return out


def pctc(rows, code: str) -> str:
    return rows[code][int(rows["_pctc"][0])]


def test_an_interpretation_alone_is_the_code_cms_lists_as_the_professional_component(full, rows):
    ans = full.answer("is there a code for just reading an ECG and writing the report, or is it part of the visit?")
    assert ans.status == "answered"
    assert pctc(rows, ans.codes[0]) == "2" and ans.codes[0].startswith("930")
    assert {pctc(rows, c) for c in ans.codes} >= {"2", "3", "4"}  # the tracing and the complete test named too
    assert "part of the E/M" in ans.headline


def test_a_test_read_elsewhere_is_billed_as_the_technical_part(full, rows):
    ans = full.answer("we do the EKG here and send it to another facility for the formal report; what do we bill?")
    assert pctc(rows, ans.codes[0]) == "3"
    ans = full.answer("our office does the EKG and reads it himself, the doctor interpreted it himself, which code?")
    assert pctc(rows, ans.codes[0]) == "4"


def test_an_interpretation_of_a_test_priced_with_modifiers_is_modifier_26(full, rows):
    ans = full.answer("the radiologist only interprets the chest x-ray 71046, how is the reading billed?")
    assert pctc(rows, "71046") == "1"
    assert ans.codes[0] == "71046" and "26" in ans.modifiers


def test_a_second_physicians_formal_interpretation_can_be_billed(full):
    ans = full.answer("The ED doctor glanced at the EKG; a cardiologist wrote the formal interpretation later the "
                      "same day. Can the cardiologist bill 93010?")
    assert ans.headline.startswith("Yes") and "93010" in ans.codes


@pytest.mark.parametrize("question,codes,units", [
    ("we froze four actinic keratoses on the forearm, how do I code it?", ["17000", "17003"], "x 3"),
    ("cryotherapy to 18 AKs of the scalp", ["17004"], None),
    ("liquid nitrogen to nine seborrheic keratoses on the back", ["17110"], None),
    ("destruction of 22 plantar warts", ["17111"], None),
    ("punch biopsies of two separate lesions, do I report both?", ["11104", "11105"], "x 1"),
])
def test_lesions_are_counted_into_codes_and_units(full, question, codes, units):
    ans = full.answer(question)
    assert ans.status == "answered"
    assert ans.codes[:len(codes)] == codes
    if units:
        assert f"{codes[1]} {units}" in ans.headline


def test_counts_skip_sizes_times_and_codes():
    assert find_count("33 weeks pregnant, at 10 o'clock, a 1.5 cm lesion; three lesions") == 3
    assert find_count("report 17003 twice for CPT 11102-11107") is None
    assert find_count("one of our providers removed 2 warts") == 2


def test_how_often_a_code_can_be_billed_says_cpt_sets_no_limit_and_gives_the_mue(full):
    ans = full.answer("how often can we bill 92060 for the same patient?")
    assert ans.codes[0] == "92060"
    assert "no frequency limit" in ans.headline and "MUE" in ans.headline


def test_a_value_asked_of_a_code_is_not_a_topic(full):
    ans = full.answer("wrvu for 17003")
    assert ans.intent != "topic" and ans.codes == ["17003"]


def test_office_emergency_services_and_their_status_from_the_file(full, rows):
    ans = full.answer("what does 99058 mean, do we have to interrupt another patient?")
    status = rows["99058"][int(rows["_status"][0])]
    assert ans.codes[0] == "99058" and "interrupts care of other scheduled patients" in ans.headline
    assert f"status {status}" in ans.headline


@pytest.mark.parametrize("question,band", [
    ("the dermatologist shaved off a 1.1 cm nevus from her upper back, how do I report it?", "1.1-2.0 cm"),
    ("shave removal of a 4 mm lesion on the left cheek", "0.5 cm/<"),
    ("mole shaved from the scalp, 0.9 cm", "0.6-1.0 cm"),
])
def test_a_shave_removal_is_coded_by_site_and_size(full, rows, question, band):
    ans = full.answer(question)
    assert ans.status == "answered"
    code = ans.codes[0]
    assert rows[code][2].startswith("Shave skin lesion") and rows[code][2].endswith(band)
    sites = {"back": ("11300", "11303"), "cheek": ("11310", "11313"), "scalp": ("11305", "11308")}
    lo, hi = next(v for k, v in sites.items() if k in question)
    assert lo <= code <= hi


def test_who_is_right_names_the_code_that_fits(full):
    ans = full.answer("Our provider shaved a 1.5 cm seborrheic keratosis off the arm and coded 11302; I want 17110 "
                      "or 11102. Which of us is right?")
    assert ans.codes[0] == "11302" and ans.headline.startswith("11302 is correct")


def test_an_excision_adds_twice_the_margin_to_the_lesion(full, rows):
    ans = full.answer("excision of a 1.2 cm basal cell carcinoma of the nose with 5 mm margins")
    assert "mal+mrg 2.1-3" in rows[ans.codes[0]][2] and ans.codes[0].startswith("1164")
    ans = full.answer("shave removal of a lesion on the back")  # no size: the choices by size
    assert ans.codes == ["11300", "11301", "11302", "11303"]


def endo_base(rows, code: str) -> str:
    return rows[code][int(rows["_endo"][0])]  # the ENDO BASE column of the RVU file


@pytest.mark.parametrize("question,words", [
    ("I looked at the cervix with the colposcope, saw acetowhite change at 3 o'clock and took one biopsy. Code?",
     "Biopsy of cervix w/scope"),
    ("colposcopy of the cervix; a biopsy was taken and an endocervical curettage (ECC) done. how to code",
     "Bx/curett of cervix w/scope"),
])
def test_a_narrative_naming_a_scope_and_what_was_done_gets_the_family_member(full, rows, question, words):
    ans = full.answer(question)
    assert rows[ans.codes[0]][2] == words
    assert endo_base(rows, ans.codes[0]) == "57452"  # a member of the colposcopy family, not the base alone
    assert "57452" not in ans.codes


def test_a_scope_stopped_before_the_therapeutic_part_is_the_base_code_with_53(full, rows):
    ans = full.answer("colonoscopy was planned to take out a foreign body but the scope could not reach the cecum, "
                      "nothing was removed; which codes?")
    assert ans.codes[0] == endo_base(rows, "45379") and "53" in ans.modifiers
    assert ans.headline.startswith("When the part planned through the scope (45379) was not done, report 45378")


def test_a_code_compared_to_goes_after_the_procedure_described(full):
    ans = full.answer("colposcopy with a single cervical biopsy, bleeding could not be stopped and she went to the OR; "
                      "unlisted code and compare to 57720?")
    assert ans.codes[0] == "57455" and "22" in ans.modifiers


def test_polyps_removed_by_several_techniques_are_several_codes(full, rows):
    ans = full.answer("During the colonoscopy one polyp was taken with a cold snare and two others removed with biopsy "
                      "forceps. How do I code it?")
    assert {"45385", "45380"} <= set(ans.codes)
    assert all(endo_base(rows, c) == "45378" for c in ans.codes[:2])
    ans = full.answer("colonoscopy: hot forceps polypectomy of two polyps, then argon plasma coagulation of an AVM")
    assert {"45384", "45388"} <= set(ans.codes)


def test_a_shared_generic_name_does_not_add_a_second_procedure(full):
    ans = full.answer("colonoscopy with hot biopsy forceps removal of one small polyp")
    assert ans.codes[0] == "45384" and "45385" not in ans.codes


def test_an_injection_with_a_nurse_visit_says_ncci_bundles_the_visit(full):
    ans = full.answer("nurse gave a B12 injection; we billed the drug, 96372 and a nurse visit. Is that right?")
    assert {"96372", "99211"} <= set(ans.codes)
    assert "NCCI bundles 99211 into 96372" in ans.headline


def test_a_clearance_by_another_physician_is_an_ordinary_visit(full):
    ans = full.answer("our family doctor did a preop clearance requested by the surgeon; is it part of the global "
                      "package or can we bill a level 4 office visit?")
    assert ans.status == "answered" and "99214" in ans.codes
    assert "binds only the surgeon" in ans.headline


def test_several_lesions_are_each_coded_by_their_own_site_and_size(full):
    for question in ("two shave removals: 0.7 cm on the forehead and 1.5 cm on the chest. codes?",
                     "shaved lesions: forehead 0.7 cm, chest 1.5 cm"):
        ans = full.answer(question)
        assert ans.codes[:2] == ["11311", "11302"]


def test_a_procedure_said_not_done_does_not_choose_the_family_member(full, rows):
    ans = full.answer("colposcopy with endocervical curettage only, no biopsy, what code?")
    assert rows[ans.codes[0]][2] == "Endocerv curettage w/scope"


def test_plural_abbreviations_read_as_the_test(full, rows):
    ans = full.answer("Our NP performs EKGs in clinic but the cardiology group across town does the official reads. "
                      "Which CPT should we submit?")
    assert pctc(rows, ans.codes[0]) == "3"


def test_a_named_member_gives_way_to_a_richer_one_but_not_to_another_technique(full, rows):
    ans = full.answer("colposcopy of the cervix with biopsy and endocervical curettage, how do I bill")
    assert rows[ans.codes[0]][2] == "Bx/curett of cervix w/scope" and len(ans.codes) == 1
    ans = full.answer("colonoscopy: one polyp removed by snare, another biopsied with cold forceps")
    assert {"45385", "45380"} <= set(ans.codes)


@pytest.mark.parametrize(("question", "code", "topic"), [
    ("What is the CPT code for an EKG with interpretation and report", "93000", False),
    ("ECG with interpretation, which code?", "93000", False),
    ("12 lead ECG cpt", "93000", False),
    ("cardiologist reads the EKG, what do I bill", "93010", True),
    ("can I bill the interpretation of an ekg done at the hospital", "93010", True),
])
def test_a_test_asked_for_with_its_report_is_the_complete_code(full, question, code, topic):
    """"EKG with interpretation and report" names the complete test; a reading on its own is the
    professional component (the interpretation topic)."""
    ans = full.answer(question)
    assert ans.status == "answered" and ans.codes[0] == code
    assert (ans.intent == "topic") is topic


def test_one_lesion_takes_the_site_named_beside_it_not_the_first_site_in_the_text(full):
    """"a 0.4 cm lesion on the nose and a punch biopsy of a separate lesion on the back": the shave is of the
    nose (the face group), though the trunk group comes first in the family and the back is named too."""
    ans = full.answer("A dermatologist did a shave removal of a 0.4 cm lesion on the nose and a punch biopsy of a "
                      "separate lesion on the back. How should this be coded?")
    assert ans.codes[0] == "11310"


def test_a_visit_asked_beside_a_procedure_by_number_is_not_an_ncci_pair_found_in_its_words(full):
    """The words beside "(20610)" describe that procedure; "can we bill an E/M too?" is the visit question."""
    ans = full.answer("Patient presented for a knee injection (20610) and also discussed her uncontrolled "
                      "diabetes with medication changes. Can we bill an E/M too?")
    assert ans.intent == "visit_with_procedure" and ans.codes == ["20610"] and "25" in ans.modifiers


def test_the_interpretation_of_a_test_with_a_supervision_code_is_its_report_code(full, descriptors):
    """A stress test has two professional-only codes (supervision alone, interpretation and report alone): the
    reading is the one whose CMS descriptor says interpretation and report, and the other is named too."""
    ans = full.answer("cardiologist reads the stress test, what do I bill")
    assert ans.codes[0] == "93018" and "i&r" in descriptors["93018"].lower()
    assert "93016" in ans.codes and "93015" in ans.codes


@pytest.mark.parametrize(("question", "code"), [
    ("greater trochanteric bursa injection cpt", "20610"),
    ("subacromial bursa injection with ultrasound", "20611"),
    ("olecranon bursa aspiration", "20605"),
])
def test_bursae_are_coded_as_the_joints_of_their_size(full, question, code):
    assert full.answer(question).codes[:1] == [code]
