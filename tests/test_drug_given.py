"""A drug named in words and said to be given is billed as the drug's code and the administration's
(knowledge/drug_administration.yaml): "b12 shot" is J3420 and 96372. Codes are checked against the CMS
short descriptors of the RVU file."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

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


HCPCS_XLSX = ROOT.parent / "shared" / "data" / "hcpcs" / "HCPC2025_JUL_ANWEB_long_descriptions.xlsx"


@pytest.fixture(scope="module")
def hcpcs_long() -> dict[str, str]:
    """Each Level II code's long description, read straight from CMS's HCPCS file."""
    from bot.facility.xlsx import read_rows

    rows = read_rows(HCPCS_XLSX.read_bytes(), HCPCS_XLSX.name)
    return {r[0]: r[1] for r in rows[1:] if r and r[0]}


@pytest.mark.parametrize("question", [
    "toradol shot in the hip", "toradol injection in the hip", "gave a ketorolac injection in her hip",
    "rocephin shot in the buttock", "b12 injection in the deltoid", "phenergan shot in the glute",
    "depo provera shot in the hip",
])
def test_a_shot_into_a_muscle_is_the_drug_and_the_intramuscular_injection(full, question):
    ans = full.answer(question)
    assert ans.status == "answered"
    assert ans.codes[0].startswith("J") and "96372" in ans.codes
    assert "20610" not in ans.codes and "20611" not in ans.codes


@pytest.mark.parametrize("question", [
    "injected toradol into the hip joint", "toradol hip joint injection", "intra-articular toradol in the hip",
    "kenalog injection in the hip",
])
def test_a_joint_named_is_not_read_as_an_intramuscular_shot(full, question):
    assert "96372" not in full.answer(question).codes


@pytest.mark.parametrize("question", ["injection into the hip joint", "hip joint injection"])
def test_a_joint_injection_is_still_the_joint_injection(full, question):
    assert full.answer(question).codes[:1] == ["20610"]


def test_joint_drugs_are_the_corticosteroids_of_the_hcpcs_file(kb, hcpcs_long):
    steroid = ("methylprednisolone acetate", "triamcinolone", "betamethasone", "dexamethasone")
    for code in kb.drug_rules.joint_drugs:
        assert any(s in hcpcs_long[code].lower() for s in steroid), code


def test_each_dosed_code_is_the_drug_and_dose_its_hcpcs_description_states(kb, hcpcs_long):
    assert kb.drug_rules.by_dose
    for drug in kb.drug_rules.by_dose:
        generic = drug.said.split(" (")[0].lower()
        for c in drug.codes:
            long = hcpcs_long[c.code].lower()
            assert generic in long, c.code
            dose = f"{c.mg:g} mg"
            assert (f"up to {dose}" in long) == c.up_to and long.rstrip().endswith(dose), c.code


def test_each_drug_named_in_words_has_its_generic_name_in_the_hcpcs_description(kb, hcpcs_long):
    """A brand name must lead to its own generic's code (Depo-Medrol is not Depo-Provera)."""
    for drug in kb.drug_rules.by_dose:
        generic = drug.said.split(" (")[0].lower()
        assert any(generic == n.lower() for n in drug.names)
    checked = 0
    for code, entry in kb.common_names.items():
        if code.startswith("J"):
            long = hcpcs_long[code].lower()
            assert any(w in long for n in entry.synonyms for w in n.lower().split() if len(w) > 6), code
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("question", ["depo medrol injection code", "what's the j code for depo-medrol",
                                      "depomedrol shot", "methylprednisolone acetate injection"])
def test_a_dosed_drug_without_a_dose_asks_which_dose(full, question):
    ans = full.answer(question)
    assert ans.status == "clarify"
    assert ans.codes[:4] == ["J1010", "J1020", "J1030", "J1040"] and "J1050" not in ans.codes
    assert "which dose" in ans.headline.lower()
    assert [c.code for c in ans.choices] == ["J1010", "J1020", "J1030", "J1040"]


@pytest.mark.parametrize(("question", "codes", "units"), [
    ("depo-medrol 40 mg IM", ["J1030", "96372"], "1 unit"),
    ("gave depo medrol 80mg in the glute", ["J1040", "96372"], "1 unit"),
    ("methylprednisolone acetate 60 mg injection", ["J1010", "96372"], "60 units"),
    ("solu medrol 125 mg iv push", ["J2930", "96374"], "1 unit"),
    ("solu-medrol 60 mg code", ["J2930"], "1 unit"),
    ("depo testosterone 200 mg shot", ["J1080", "96372"], "1 unit"),
])
def test_the_dose_stated_picks_the_code(full, question, codes, units):
    ans = full.answer(question)
    assert ans.status == "answered" and ans.codes == codes
    assert ans.headline.startswith(f"Bill {codes[0]} ({units})")


def test_a_choice_pressed_answers_its_dose(full):
    choice = next(c for c in full.answer("depo medrol injection").choices if c.code == "J1030")
    assert full.answer(choice.question).codes[0] == "J1030"


def test_depo_provera_is_still_medroxyprogesterone(full):
    assert full.answer("depo provera shot").codes[:2] == ["J1050", "96372"]


@pytest.mark.parametrize(("question", "drug", "procedure"), [
    ("knee joint injection with depo medrol 40 mg", "J1030", "20610"),
    ("depo-medrol 40mg injected into the knee joint", "J1030", "20610"),
    ("trigger point injections in 2 muscles with depo-medrol 40 mg", "J1030", "20552"),
])
def test_a_dosed_drug_beside_a_procedure_is_billed_with_it_without_the_administration(full, question, drug,
                                                                                      procedure):
    ans = full.answer(question)
    assert ans.status == "answered" and ans.codes == [drug, procedure]
    assert "no administration code" in ans.headline


@pytest.mark.parametrize(("question", "drug"), [
    ("kenalog injection in the shoulder joint", "J3301"),
    ("decadron injection in the knee", "J1100"),
    ("toradol injection into the hip joint", "J1885"),
])
def test_a_drug_injected_into_a_joint_is_the_joint_injection_and_the_drug(full, question, drug):
    ans = full.answer(question)
    assert ans.status == "answered" and sorted(ans.codes) == sorted(["20610", drug])


@pytest.fixture(scope="module")
def hcpcs_engine(tmp_path_factory):
    """The 2026 fee schedule with CMS's HCPCS long descriptions imported (the drug codes' doses)."""
    from bot.engine import Engine
    from bot.store import import_paths
    from tests.conftest import GPCI_FILES, RVU_FILES
    from tests.test_facility_import import import_files

    data_dir = tmp_path_factory.mktemp("hcpcs-engine") / "data"
    import_paths([RVU_FILES[2026], GPCI_FILES[2026]], data_dir)
    import_files([HCPCS_XLSX], data_dir)
    return Engine.load(data_dir=data_dir)


@pytest.mark.parametrize(("question", "mg"), [
    ("gave toradol 60 mg in the glute", 60), ("toradol 30mg IM", 30), ("kenalog 40 mg shot", 40),
    ("rocephin 1000 mg IM", 1000), ("phenergan 25 mg IM", 25),
])
def test_the_dose_stated_gives_the_drugs_units_from_its_hcpcs_dose(hcpcs_engine, hcpcs_long, question, mg):
    import math
    import re

    ans = hcpcs_engine.answer(question)
    drug = ans.codes[0]
    per = float(re.search(r"(\d+(?:\.\d+)?) ?mg\s*$", hcpcs_long[drug]).group(1))
    n = math.ceil(mg / per)
    assert ans.codes[1] == "96372"
    assert f"Bill {drug} ({n} unit{'s' if n != 1 else ''}: {mg} mg" in ans.headline


@pytest.mark.parametrize(("question", "drug"), [
    ("bicillin c-r im", "J0558"), ("what is the code for bicillin cr", "J0558"), ("bicillin l-a shot", "J0561"),
    ("celestone shot", "J0702"), ("vistaril 25 mg IM", "J3410"), ("solu-cortef 100 mg iv push", "J1720"),
])
def test_a_brand_name_is_its_own_generics_code(full, hcpcs_long, question, drug):
    ans = full.answer(question)
    assert ans.status == "answered" and ans.codes[0] == drug


def test_a_brand_name_of_two_products_asks_which(full):
    """Bicillin L-A (benzathine penicillin) and Bicillin C-R (benzathine with procaine) have codes of their own."""
    ans = full.answer("bicillin shot")
    assert ans.status == "clarify" and {"J0558", "J0561"} <= set(ans.codes)


def test_a_mixture_in_mg_gives_no_units(hcpcs_engine):
    """J0702 states two doses (3 mg and 3 mg): a dose in mg cannot be divided by either."""
    ans = hcpcs_engine.answer("celestone 6 mg IM")
    assert ans.codes[0] == "J0702" and "unit" not in ans.headline.split(" for the drug")[0]
