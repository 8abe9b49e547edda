"""Hospital outpatient, ASC, site-of-service, anesthesia and HCPCS Level II answers, with the files imported.

Every expected number is read from the CMS files here (the csv module) or computed with `bot.fees` from the
RVU file, never typed.
"""

from __future__ import annotations

import pytest

from bot.answer import Answer
from bot.engine import Engine
from bot.facility.knowledge import load_facility_knowledge
from bot.fees import amount, money
from bot.render import render_text
from bot.understanding.intents import load_intents
from tests.conftest import GPCI_FILES, ROOT, RVU_FILES
from tests.test_facility_import import (
    ALL,
    ANES_CF,
    ANES_TXT,
    ASC,
    ASC_AA_NEWEST,
    OPPS_A,
    OPPS_B,
    csv_rows,
    import_files,
    money_text,
    tsv,
)

FACILITY_INTENTS = ("hospital", "asc", "site_of_service", "anesthesia")


@pytest.fixture(scope="module")
def fac_engine(tmp_path_factory) -> Engine:
    from bot.store import import_paths

    data_dir = tmp_path_factory.mktemp("facility-engine") / "data"
    import_paths([RVU_FILES[2026], GPCI_FILES[2026]], data_dir)
    import_files(ALL, data_dir)
    return Engine.load(data_dir=data_dir)


def opps_row(code: str) -> dict[str, str]:
    rows = tsv(OPPS_B)
    header = [h.strip() for h in rows[4]]
    row = next(r for r in rows[5:] if r and r[0].strip() == code)
    return dict(zip(header, (c.strip() for c in row), strict=False))


def asc_rate(path, code: str) -> float:
    rows = csv_rows(path)
    col = next(i for i, h in enumerate(rows[3]) if h.strip().endswith("Payment Rate"))
    return money_text(next(r for r in rows[4:] if r and r[0].strip() == code)[col])


def shown(value: float) -> str:
    return money(value)


def text(ans: Answer) -> str:
    return render_text(ans)


def test_every_status_and_payment_indicator_in_the_files_has_our_meaning():
    know = load_facility_knowledge(ROOT / "knowledge")
    sis = {r[3].strip() for r in tsv(OPPS_B)[5:] if r and r[0].strip()}
    assert sis <= set(know.opps_status), sis - set(know.opps_status)
    pis = set()
    for path in ASC:
        rows = csv_rows(path)
        col = next(i for i, h in enumerate(rows[3]) if h.strip().endswith("Payment Indicator"))
        pis |= {r[col].strip().upper() for r in rows[4:] if len(r) > col and r[col].strip()}
    assert pis <= set(know.asc_payment), pis - set(know.asc_payment)


@pytest.mark.parametrize(("intent", "example"), [(i.name, e) for i in load_intents(ROOT / "intents")
                                                 if i.name in FACILITY_INTENTS for e in i.examples])
def test_facility_intent_examples_are_understood(fac_engine, intent, example):
    ans = fac_engine.answer(example)
    assert (ans.intent, ans.status) == (intent, "answered"), text(ans)


def test_opps_rate_apc_status_copayment_and_year(fac_engine):
    row = opps_row("58558")
    title = next(r[1].strip() for r in tsv(OPPS_A) if r and r[0].strip() == row["APC"])
    ans = fac_engine.answer("opps rate for 58558")
    assert ans.intent == "hospital" and ans.codes == ["58558"] and ans.year == 2025
    assert shown(money_text(row["Payment Rate"])) in ans.headline
    assert f"APC {row['APC']} ({title})" in ans.headline and f"status {row['SI']}" in ans.headline
    body = text(ans)
    assert shown(money_text(row["Minimum Unadjusted Copayment"])) in body
    assert "wage-adjusted" in body and "CY2025 OPPS Addendum B" in ans.source


def test_hospital_by_words_and_the_physician_fee_named_as_the_physicians(fac_engine):
    ans = fac_engine.answer("what does the hospital get for a colonoscopy")
    assert ans.intent == "hospital" and ans.codes[0] == "45378"
    assert shown(money_text(opps_row("45378")["Payment Rate"])) in ans.headline
    fy = fac_engine.kb.years[2026]
    physician = amount(fy.rvus[("45378", "")], fy.release, "facility")
    assert f"Physician's fee in a facility (CY2026, national, paid separately to the physician): {money(physician)}" \
        in text(ans)


def test_asc_rate_newest_quarter_indicator_discount_and_changes(fac_engine):
    ans = fac_engine.answer("asc rate for 66984")
    assert ans.intent == "asc" and ans.codes == ["66984"] and ans.year == 2026
    newest = asc_rate(ASC_AA_NEWEST, "66984")
    oldest = asc_rate(ASC[0], "66984")
    assert shown(newest) in ans.headline and "April 2026" in ans.headline and "A2" in ans.headline
    assert "Xcapsl" not in ans.title and "cataract" in ans.title.lower()  # CMS's abbreviations read as words
    body = text(ans)
    assert "the lower-paying one is paid at 50%" in body and "wage-adjusted" in body
    oct_2025 = asc_rate(ASC[1], "66984")
    change = f"From October 2025 to April 2026: +{shown(newest - oct_2025)}"
    assert f"January 2025: {shown(oldest)} (A2)" in render_text(ans, full=True) and change not in body
    asked = text(fac_engine.answer("how did the asc rate for 66984 change"))  # the quarters are the answer
    assert f"January 2025: {shown(oldest)} (A2)" in asked and change in asked


def test_a_code_not_on_addendum_aa_is_not_payable_in_an_asc(fac_engine):
    ans = fac_engine.answer("ambulatory surgery center payment 99213")
    assert ans.intent == "asc" and ans.codes == ["99213"]
    assert "Medicare does not pay an ASC for it" in ans.headline


def test_site_of_service_totals_name_each_part_and_year(fac_engine):
    fy = fac_engine.kb.years[2026]
    rvu = fy.rvus[("58558", "")]
    office = float(amount(rvu, fy.release, "office"))
    physician = float(amount(rvu, fy.release, "facility"))
    asc = asc_rate(ASC_AA_NEWEST, "58558")
    opps = money_text(opps_row("58558")["Payment Rate"])
    ans = fac_engine.answer("58558 office vs asc vs hospital")
    assert ans.intent == "site_of_service" and ans.codes == ["58558"]
    assert f"office {shown(office)}, ASC {shown(physician + asc)}, hospital outpatient {shown(physician + opps)}" \
        in ans.headline
    body = text(ans)
    assert f"ASC's payment (April 2026): {shown(asc)}" in body and f"Hospital's payment (OPPS CY2025): {shown(opps)}" \
        in body
    assert "physician fees CY2026, ASC April 2026, OPPS CY2025" in body


def test_anesthesia_base_units_by_code_and_by_words(fac_engine):
    units = {r[0].strip(): r[1].strip() for r in tsv(ANES_TXT) if r and r[0].strip()[:1] == "0"}
    ans = fac_engine.answer("base units for 00840")
    assert ans.intent == "anesthesia" and f"00840 has {units['00840']} anesthesia base units" in ans.headline
    ans = fac_engine.answer("anesthesia for a vaginal hysterectomy")
    assert ans.codes == ["00944"] and f"{units['00944']} anesthesia base units" in ans.headline


def test_anesthesia_payment_for_a_time_in_each_locality_of_a_state(fac_engine):
    units = float(next(r[1] for r in tsv(ANES_TXT) if r and r[0].strip() == "00840"))
    cfs = {f"{r[0].strip()}-{r[1].strip()}": float(r[3]) for r in csv_rows(ANES_CF)[1:] if r and r[0].strip()}
    texas = [loc for loc in fac_engine.kb.years[2026].localities if loc.state == "TX"]
    ans = fac_engine.answer("medicare payment for 00840 90 minutes in texas")
    assert ans.intent == "anesthesia" and ans.year == 2025
    assert f"({units:g} base + 6 time units for 90 minutes) = {units + 6:g} units" in ans.headline
    body = text(ans)  # the short reply: every locality of the state, each with its own factor
    for loc in texas:
        assert f"{loc.display}: {units + 6:g} units × ${cfs[loc.key]:.2f} = {money((units + 6) * cfs[loc.key])}" \
            in body
    one = fac_engine.answer("medicare payment for 00840 90 minutes in austin texas")
    austin = next(loc for loc in texas if loc.display.startswith("Austin"))
    assert f"{money((units + 6) * cfs[austin.key])} for 00840 with 90 minutes in {austin.display}" in one.headline


@pytest.mark.parametrize(("question", "code"), [("kenalog injection", "J3301"), ("mirena", "J7298"),
                                                ("flu shot administration", "G0008"), ("depo provera", "J1050")])
def test_level_ii_codes_by_name_titled_by_their_long_description(fac_engine, question, code):
    from bot.facility.xlsx import read_rows
    from tests.test_facility_import import HCPCS_XLSX

    long = next(r[1] for r in read_rows(HCPCS_XLSX.read_bytes(), "x") if r and r[0].strip() == code)
    ans = fac_engine.answer(question)
    assert ans.codes[0] == code and ans.title == f"{code} · {long}"
    assert ("ASP" in text(ans)) == code.startswith("J")


def test_level_ii_long_description_words_find_a_code(fac_engine):
    ans = fac_engine.answer("triamcinolone acetonide injection")
    assert ans.codes[:1] == ["J3301"]


def test_without_facility_files_a_hospital_question_says_the_amount_is_the_physicians(engine):
    ans = engine.answer("hospital payment for 58558")
    assert ans.status == "answered" and ans.codes == ["58558"]
    assert "Import CMS's OPPS Addendum B" in text(ans)


def test_modifier_and_multiple_procedure_questions_stay_theirs_with_facility_files(fac_engine):
    ans = fac_engine.answer("case cancelled after anesthesia in the ASC, modifier?")
    assert "74" in ans.modifiers
    ans = fac_engine.answer("calc 57520 58120 at the hospital")
    assert ans.intent not in ("hospital", "asc") and {"57520", "58120"} <= set(ans.codes)


def test_hospital_question_in_a_locality_prices_the_physician_there(fac_engine):
    fy = fac_engine.kb.years[2026]
    seattle = next(loc for loc in fy.localities if "SEATTLE" in loc.name.upper())
    expected = amount(fy.rvus[("58563", "")], fy.release, "facility", seattle)
    ans = fac_engine.answer("what does 58563 pay at the hospital in seattle")
    assert ans.intent == "hospital" and money(expected) in text(ans)


@pytest.mark.parametrize("question", [
    "provider only read the EKG, tracing done at the hospital. what do I bill?",
    "a hospital cardiologist reads the ekg our nurse ran, what do we bill for the tracing"])
def test_the_word_hospital_placing_a_service_does_not_ask_the_hospitals_payment(fac_engine, question):
    ans = fac_engine.answer(question)
    assert ans.intent != "hospital" and "OPPS" not in ans.headline and "93010" in ans.headline


@pytest.mark.parametrize("question", ["hospital 45378", "how much does medicare pay the hospital for 45378",
                                      "hospital outpatient rate for 45378"])
def test_the_hospitals_payment_asked_in_a_few_words(fac_engine, question):
    assert fac_engine.answer(question).intent == "hospital"


@pytest.mark.parametrize(("question", "name", "value"), [
    ("what does status indicator J1 mean?", "OPPS status indicator", "J1"),
    ("what is SI N in opps", "OPPS status indicator", "N"),
    ("asc payment indicator G2 meaning", "ASC payment indicator", "G2"),
    ("what does J1 mean for the hospital", "OPPS status indicator", "J1"),
])
def test_an_indicator_asked_by_itself_is_explained(fac_engine, question, name, value):
    knowledge = load_facility_knowledge(ROOT / "knowledge")
    meaning = (knowledge.asc_payment if name.startswith("ASC") else knowledge.opps_status)[value].meaning
    ans = fac_engine.answer(question)
    assert ans.status == "answered" and ans.intent == "indicator_meaning"
    assert ans.headline == f"{name} {value} means {meaning}."


def test_anesthesia_words_that_say_how_a_procedure_was_done_name_the_procedure(fac_engine):
    """"ear tubes under general anesthesia" is the tympanostomy done under general anesthesia, not a question
    about the anesthesia service; "anesthesia for ear tubes" is."""
    ans = fac_engine.answer("ear tubes both ears under general anesthesia")
    assert ans.status == "answered" and ans.codes[0] == "69436"
    ans = fac_engine.answer("anesthesia for ear tubes under general anesthesia")
    assert ans.intent == "anesthesia" and ans.codes == ["00126"]
