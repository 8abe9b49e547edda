"""Payment truth (issue 7): never say Medicare pays what it does not, in any answer that shows money.

Every expected figure is worked here from the CMS rows (`cms_rvus`) and GPCIs (`cms_gpcis`) read from
../shared/data/cms, never typed. One class of statement per test group, as the issue lists them.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from bot.engine import Engine
from bot.fees import cents, multiple_procedures, payable
from bot.records import Release
from bot.render.text import render_text

MONEY_RE = re.compile(r"\$[\d,]+\.\d\d")


@pytest.fixture(scope="session")
def full(imported) -> Engine:
    return Engine.load(data_dir=imported["data_dir"])


@pytest.fixture(scope="session")
def table(cms_rvus):
    return {year: {(r.code, r.modifier): r for r in f.rows} for year, f in cms_rvus.items()}


def cf(cms_rvus, year=2026) -> float:
    return cms_rvus[year].conversion_factor


def money(value) -> str:
    return f"${cents(float(value)):,.2f}"


def release(cms_rvus, year=2026) -> Release:
    return Release(year=year, name="t", title="t", conversion_factor=cf(cms_rvus, year))


def first(table, year, pred):
    return next(r for r in table[year].values() if pred(r))


# --- 1. payment status ---------------------------------------------------------------------------------

def test_every_status_in_the_cms_files_has_words(kb, cms_rvus):
    statuses = {r.status for f in cms_rvus.values() for r in f.rows}
    assert statuses - set(kb.statuses) == set()
    assert {"drug", "R-unpriced"} <= set(kb.statuses)


@pytest.mark.parametrize("year", [2026, 2025])
def test_a_code_medicare_does_not_pay_gets_words_not_dollars(full, table, kb, year):
    unpaid = sorted({r.status for r in table[year].values() if not payable(r) and not r.code.startswith("J")
                     and r.status != "R"})
    assert {"B", "C", "I", "N", "X", "E", "M", "J", "P"} <= set(unpaid)
    for status in unpaid:
        r = first(table, year, lambda r, s=status: r.status == s and not r.modifier and not r.code.startswith("J"))
        answer = full.answer(f"{year} medicare payment for {r.code}")
        assert answer.status == "answered" and answer.codes == [r.code], (status, answer.headline)
        assert "$" not in answer.headline, (status, answer.headline)
        assert "no Medicare physician fee schedule amount" in answer.headline, (status, answer.headline)
        assert kb.statuses[status].name in answer.headline
        assert not re.search(r"Medicare pays \$", render_text(answer))


def test_status_examples_from_the_issue(full, kb):
    for code, status in (("36000", "B"), ("93770", "B"), ("0054T", "C"), ("27215", "I"), ("58300", "N"),
                         ("22526", "N")):
        answer = full.answer(f"medicare payment for {code}")
        assert "$" not in answer.headline and kb.statuses[status].name in answer.headline, code


def test_restricted_codes_without_rvus_and_with_them(full, table, kb):
    unpriced = first(table, 2026, lambda r: r.status == "R" and not r.modifier and r.total_facility == 0
                     and r.total_nonfacility == 0)
    answer = full.answer(f"medicare payment for {unpriced.code}")
    assert "$" not in answer.headline and "contractor" in answer.headline
    priced = first(table, 2026, lambda r: r.status == "R" and not r.modifier and payable(r)
                   and not r.nonfacility_na and not r.facility_na)
    answer = full.answer(f"medicare payment for {priced.code}")
    assert money(priced.total_nonfacility * 33.4009) in answer.headline
    assert kb.statuses["R"].condition in answer.headline


def test_a_j_code_is_paid_from_the_asp_file(full):
    answer = full.answer("medicare payment for J1885")
    assert "$" not in answer.headline and "ASP" in answer.headline and "drug" in answer.headline


def test_calc_leaves_a_code_medicare_does_not_pay_out_of_the_total(full, table, cms_rvus):
    visit = table[2026][("99213", "")]
    answer = full.answer("calc 99213 36000 J1885")
    office = cents(visit.total_nonfacility * cf(cms_rvus))
    assert f"{money(office)} in the office" in answer.headline
    assert "36000 (bundled)" in answer.headline and "J1885 (drug)" in answer.headline
    text = render_text(answer)
    assert "36000: not counted: bundled" in text and f"Total: {money(office)}" in text


# --- 2. NA settings -------------------------------------------------------------------------------------

def test_no_total_or_amount_where_cms_says_na(full, table):
    r = table[2026][("43285", "")]
    assert r.nonfacility_na
    wrvu = full.answer("wrvu for 43285")
    assert "not priced in the office (CMS: NA)" in wrvu.headline
    assert f"total {r.total_nonfacility:.2f} in the office" not in wrvu.headline
    text = render_text(wrvu)
    assert "Total RVU, office: not priced in the office (CMS: NA)" in text
    pay = full.answer("medicare payment for 43285")
    assert pay.headline.count("$") == 1 and "not priced in the office (CMS: NA)" in pay.headline


def test_imaging_capped_at_the_opps_amount_says_both_amounts(full, table, cms_rvus, cms_gpcis):
    capped = [r for r in table[2026].values() if r.opps_pe_nonfacility and not r.nonfacility_na and payable(r)
              and r.work + r.opps_pe_nonfacility + r.opps_mp < r.total_nonfacility]
    assert capped  # the 2026 file caps some imaging
    c = cf(cms_rvus)
    for r in capped[:6]:
        label = r.code + (f"-{r.modifier}" if r.modifier else "")
        answer = full.answer(f"medicare payment for {label}")
        capped_amount = (r.work + r.opps_pe_nonfacility + r.opps_mp) * c
        assert f"{money(capped_amount)} in the office" in answer.headline, answer.headline
        assert f"formula alone gives {money(r.total_nonfacility * c)} in the office" in answer.headline
    r = capped[0]
    sf = next(loc for loc in cms_gpcis[2026] if (loc.mac, loc.number) == ("01112", "05"))
    local = (r.work * sf.work_gpci + r.opps_pe_nonfacility * sf.pe_gpci + r.opps_mp * sf.mp_gpci) * c
    formula = (r.work * sf.work_gpci + r.pe_nonfacility * sf.pe_gpci + r.mp * sf.mp_gpci) * c
    answer = full.answer(f"medicare payment for {r.code} in SAN FRANCISCO-OAKLAND-BERKELEY (SAN FRANCISCO/SAN "
                         "MATEO/ALAMEDA/CONTRA COSTA CNTY)")
    assert f"{money(min(local, formula))} in the office" in answer.headline


# --- 3. codes priced only as a modifier row ---------------------------------------------------------------

@pytest.mark.parametrize("question", ["wrvu for 86153-26", "medicare payment for 86153", "86153 with modifier 26"])
def test_a_code_priced_only_as_its_26_row(full, table, cms_rvus, question):
    r = table[2026][("86153", "26")]
    assert ("86153", "") not in table[2026]
    answer = full.answer(question)
    assert answer.status == "answered" and answer.codes == ["86153"] and answer.modifiers == ["26"]
    if "wrvu" in question:
        assert f"{r.work:.2f} work RVUs" in answer.headline
    if "payment" in question:
        assert money(r.total_facility * cf(cms_rvus)) in answer.headline


def test_a_component_written_after_a_space(full, table):
    r = table[2026][("71046", "26")]
    answer = full.answer("wrvu 71046 26")
    assert answer.modifiers == ["26"] and f"{r.work:.2f} work RVUs" in answer.headline


# --- 4. endoscopy families ---------------------------------------------------------------------------------

def test_a_base_billed_with_its_family_is_not_paid_separately(full, table, cms_rvus):
    base, member = table[2026][("45378", "")], table[2026][("45380", "")]
    assert member.mult_proc == "3" and member.endo_base == "45378"
    answer = full.answer("calc 45378 45380")
    office = cents(member.total_nonfacility * cf(cms_rvus))
    assert f"{money(office)} in the office" in answer.headline
    assert "45378: not counted: endoscopy base 45378" in render_text(answer)
    assert money(base.total_nonfacility * cf(cms_rvus) * 0.5) not in render_text(answer)


def test_two_families_then_the_standard_rule_between_them(table, cms_rvus):
    t = table[2026]
    a1, a2, b1 = t[("45385", "")], t[("45380", "")], t[("43239", "")]
    rel = release(cms_rvus)
    res = multiple_procedures([a1, a2, b1], rel, "facility", rows=t)
    c = cf(cms_rvus)
    fam_a = sorted([a1.total_facility * c, a2.total_facility * c], reverse=True)
    base_a = t[(a1.endo_base, "")].total_facility * c
    fam_a_lines = [fam_a[0], max(fam_a[1] - base_a, 0)]
    fam_b = b1.total_facility * c
    if sum(fam_a_lines) >= fam_b:
        expected = [cents(fam_a_lines[0]), cents(fam_a_lines[1]), cents(fam_b * 0.5)]
    else:
        expected = [cents(fam_a_lines[0] * 0.5), cents(fam_a_lines[1] * 0.5), cents(fam_b)]
    assert sorted(line.paid for line in res.lines) == sorted(expected)
    assert res.total == sum(expected)


# --- 5. bilateral -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("indicator", "factor"), [("0", 1.0), ("1", 1.5), ("2", 1.0), ("3", 2.0)])
def test_bilateral_indicators(full, table, cms_rvus, indicator, factor):
    r = first(table, 2026, lambda r: r.bilateral == indicator and r.status == "A" and not r.modifier
              and not r.facility_na and r.total_facility > 0 and r.code[0].isdigit())
    for question in (f"payment for {r.code} with modifier 50", f"{r.code}-RT and {r.code}-LT payment"):
        answer = full.answer(question)
        assert money(r.total_facility * cf(cms_rvus) * factor) in answer.headline, (question, answer.headline)
        assert "not payable" not in render_text(answer) and "not paid" not in answer.headline


def test_bilateral_in_words(full, table, cms_rvus):
    r = table[2026][("20610", "")]
    answer = full.answer("20610 bilateral payment")
    assert money(r.total_nonfacility * cf(cms_rvus) * 1.5) in answer.headline


# --- 6. multiple-procedure indicators 4-7 -------------------------------------------------------------------

def amount_of(r, c, setting="office"):
    return (r.total_nonfacility if setting == "office" else r.total_facility) * c


def test_diagnostic_imaging_reduces_the_technical_and_professional_parts(full, table, cms_rvus):
    t, c = table[2026], cf(cms_rvus)
    codes = ["70450", "74177"]
    parts = {k: (amount_of(t[(k, "TC")], c), amount_of(t[(k, "26")], c)) for k in codes}
    tc_top = max(codes, key=lambda k: parts[k][0])
    pc_top = max(codes, key=lambda k: parts[k][1])
    lines = [cents(amount_of(t[(k, "")], c) - (0 if k == tc_top else 0.5 * parts[k][0])
                   - (0 if k == pc_top else 0.05 * parts[k][1])) for k in codes]
    answer = full.answer("calc 70450 74177")
    assert f"{money(sum(lines))} in the office" in answer.headline
    assert "in a facility" not in answer.headline.split(" for ")[0]  # NA there: no facility total


def test_therapy_halves_the_practice_expense_after_the_highest(full, table, cms_rvus):
    t, c = table[2026], cf(cms_rvus)
    a, b = t[("97110", "")], t[("97140", "")]
    top, other = (a, b) if a.pe_nonfacility >= b.pe_nonfacility else (b, a)
    lines = [cents(amount_of(top, c)), cents(amount_of(other, c) - 0.5 * other.pe_nonfacility * c)]
    answer = full.answer("calc 97110 97140")
    assert f"{money(sum(lines))} in the office" in answer.headline


@pytest.mark.parametrize(("mpi", "cut"), [("6", 0.25), ("7", 0.20)])
def test_cardiovascular_and_ophthalmology_reduce_the_technical_part(full, table, cms_rvus, mpi, cut):
    t, c = table[2026], cf(cms_rvus)
    pair = [r for r in t.values() if r.mult_proc == mpi and not r.modifier and r.pctc == "1" and payable(r)
            and not r.nonfacility_na and (r.code, "TC") in t][:2]
    tcs = {r.code: amount_of(t[(r.code, "TC")], c) for r in pair}
    top = max(tcs, key=tcs.get)
    lines = [cents(amount_of(r, c) - (0 if r.code == top else cut * tcs[r.code])) for r in pair]
    answer = full.answer(f"calc {pair[0].code} {pair[1].code}")
    assert f"{money(sum(lines))} in the office" in answer.headline


def test_no_total_where_the_files_cannot_split_a_test(full, table):
    global_only = first(table, 2026, lambda r: r.mult_proc == "6" and r.pctc == "4" and payable(r))
    other = first(table, 2026, lambda r: r.mult_proc == "6" and r.pctc == "1" and payable(r) and not r.modifier)
    answer = full.answer(f"calc {global_only.code} {other.code}")
    assert "can't be worked out" in render_text(answer) and "Total: no total" in render_text(answer)
    assert "in the office" not in answer.headline.split(":")[0]


# --- 7. sums ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["calc 58558 57461 58120", "calc 45380 45385 43239 11102",
                                      "calc 70450 74177 71046", "calc 97110 97140 97530",
                                      "58558 + 58120 same day in manhattan"])
def test_the_lines_shown_add_up_to_the_total_shown(full, question):
    text = render_text(full.answer(question))
    for block in text.split("\n\n"):
        paid = [Decimal(m.replace("$", "").replace(",", "")) for m in re.findall(r"-> (\$[\d,]+\.\d\d)", block)]
        total = re.search(r"Total: (\$[\d,]+\.\d\d)", block)
        if total:
            assert sum(paid) == Decimal(total.group(1)[1:].replace(",", "")), block


# --- 8. modifier questions lead with the modifier's amount -----------------------------------------------------

def test_assistant_at_surgery_gets_16_and_as_13_6_percent(full, table, cms_rvus):
    r = table[2026][("58571", "")]
    assert r.assistant in ("0", "2")
    answer = full.answer("how much does the assistant get on 58571")
    assert answer.headline.startswith("58571 with modifier 80")
    assert money(r.total_facility * cf(cms_rvus) * 0.16) in answer.headline.split(". ")[0]
    answer = full.answer("58571-AS payment")
    assert money(r.total_facility * cf(cms_rvus) * 0.136) in answer.headline.split(". ")[0]


def test_discontinued_procedure_uses_the_53_row_or_says_the_rule(full, table, cms_rvus):
    assert ("58558", "53") not in table[2026]
    answer = full.answer("58558-53 payment")
    assert answer.headline.startswith("58558 with modifier 53") and "contractor" in answer.headline.split(". ")[0]
    r = table[2026][("45378", "53")]
    answer = full.answer("45378-53 payment")
    assert money(r.total_nonfacility * cf(cms_rvus)) in answer.headline and "45378-53" in answer.headline


# --- 9. E/M the same day as an add-on or YYY code ---------------------------------------------------------------

def test_a_visit_with_an_add_on_or_yyy_code(full, table):
    add_on = first(table, 2026, lambda r: r.global_days == "ZZZ" and payable(r) and not r.modifier)
    answer = full.answer(f"can I bill an E/M same day as {add_on.code}")
    assert "do not bundle" not in answer.headline and "primary" in answer.headline and "add-on" in answer.headline
    yyy = first(table, 2026, lambda r: r.global_days == "YYY" and not r.modifier)
    answer = full.answer(f"can I bill an E/M same day as {yyy.code}")
    assert "do not bundle" not in answer.headline and "MAC" in answer.headline


# --- 10. places -------------------------------------------------------------------------------------------------

def test_every_cms_locality_name_resolves_to_its_locality(full, cms_gpcis):
    for loc in cms_gpcis[2026]:
        name = loc.name.rstrip("*").strip()
        answer = full.answer(f"payment for 99213 in {name}")
        assert f"locality {loc.mac}-{loc.number})" in answer.headline, (name, answer.headline)


@pytest.mark.parametrize(("place", "key"), [("SANTA CLARA CNTY", "01112-09"), ("st louis", "05302-01"),
                                            ("Marin County", "01112-52"), ("seattle", "02402-02")])
def test_cities_and_counties_inside_locality_names(full, place, key):
    assert f"locality {key})" in full.answer(f"payment for 99213 in {place}").headline


def test_kansas_city_asks_which_state(full):
    answer = full.answer("payment for 99213 in kansas city")
    assert answer.status == "clarify" and {c.code for c in answer.choices} == {"05302-02", "05202-00"}
    assert all("$" not in c.question for c in answer.choices)
    picked = full.answer(answer.choices[0].question)
    assert f"locality {answer.choices[0].code})" in picked.headline


@pytest.mark.parametrize("zip_code", ["99999", "00000"])
def test_an_unknown_zip_is_said_never_a_national_amount(full, zip_code):
    answer = full.answer(f"payment for 99213 zip {zip_code}")
    assert answer.status == "not_found" and f"I don't know ZIP {zip_code}" in answer.headline
    assert "$" not in render_text(answer)


def test_a_cut_state_list_says_so(full, cms_gpcis):
    ca = [loc for loc in cms_gpcis[2026] if loc.state == "CA"]
    text = render_text(full.answer("99213 payment in california"))
    assert f"Showing 10 of the {len(ca)} localities in CA" in text


@pytest.mark.parametrize(("question", "code", "state"), [("medicare rate for 97110 in california", "97110", "CA"),
                                                          ("99213 payment in texas", "99213", "TX")])
def test_a_state_named_without_a_locality_gets_its_range_first(full, table, cms_rvus, cms_gpcis, question, code,
                                                               state):
    """The first sentence answers for the state asked: its localities' lowest and highest amounts, worked here
    from the RVU row and the state's GPCIs (a setting CMS does not price is left out)."""
    r, c = table[2026][(code, "")], cf(cms_rvus)
    locs = [loc for loc in cms_gpcis[2026] if loc.state == state]
    office = [cents((r.work * g.work_gpci + r.pe_nonfacility * g.pe_gpci + r.mp * g.mp_gpci) * c) for g in locs]
    headline = full.answer(question).headline
    assert headline.startswith(f"Across the {len(locs)} localities in {state}, Medicare pays the physician "
                               f"{money(min(office))}-{money(max(office))} in the office")
    if not r.facility_na:
        facility = [cents((r.work * g.work_gpci + r.pe_facility * g.pe_gpci + r.mp * g.mp_gpci) * c) for g in locs]
        assert f"{money(min(facility))}-{money(max(facility))} in a facility" in headline
    else:
        assert "in a facility for" not in headline


# --- 11. knowledge fixes -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("question", "code"), [("thrombosed hemorrhoid excision", "46320"),
                                                 ("stye removal", "67700"),
                                                 ("plantar fascia release open", "28008")])
def test_common_names_point_at_the_right_code(full, question, code):
    assert full.answer(question).codes[:1] == [code]


def test_curated_names_are_not_the_cms_descriptor(kb, cms_rvus):
    descriptors = {r.code: r.description.lower() for r in cms_rvus[2026].rows}
    for code in ("58353", "58559", "58560", "58562", "57510"):
        assert kb.codes[code].name.lower() != descriptors[code]
    assert "vaginal myomectomy (58145)" in kb.codes["58561"].context
    assert "day of the decision" not in kb.codes["57520"].context
