"""The engine after `cptbot kb import` of the real CMS files: every code, ZIPs, counties, components, modifiers.

Expected figures are worked here from the CMS rows and GPCIs read by `cms_rvus` / `cms_gpcis`, never typed.
"""

from __future__ import annotations

import sqlite3

import pytest

from bot.catalog import expand_descriptor
from bot.engine import AskContext, Engine
from bot.fees import cents
from bot.render import render_text

CF26 = 33.4009


@pytest.fixture(scope="session")
def full(imported) -> Engine:
    return Engine.load(data_dir=imported["data_dir"])


def row(cms_rvus, code, year=2026, modifier=""):
    return next(r for r in cms_rvus[year].rows if r.code == code and r.modifier == modifier)


def locality(cms_gpcis, mac, number, year=2026):
    return next(loc for loc in cms_gpcis[year] if loc.mac == mac and loc.number == number)


def money(value) -> str:
    return f"${cents(value):,.2f}"


@pytest.mark.parametrize("code", ["27447", "45380", "66984", "93000", "99285", "J3490", "G0101", "0345T", "76856"])
def test_any_code_in_the_file_is_answered_with_its_own_numbers(full, cms_rvus, code):
    r = row(cms_rvus, code)
    answer = full.answer(f"wrvu {code}")
    assert answer.status == "answered" and answer.codes == [code] and answer.year == 2026
    assert f"{r.work:.2f} work RVUs" in answer.headline
    assert f"{r.total_facility:.2f}" in render_text(answer)
    assert "RVU26C" in render_text(answer) and "33.4009" in render_text(answer)


@pytest.mark.parametrize(("question", "code"), [
    ("total knee arthroplasty rvu", "27447"),
    ("laparoscopic appendectomy", "44970"),
    ("what's the work rvu for a diagnostic colonoscopy", "45378"),
    ("colposcopy of the vulva wrvu", "56820"),
])
def test_codes_are_found_by_their_expanded_cms_descriptor(full, question, code):
    answer = full.answer(question)
    assert answer.status == "answered", render_text(answer)
    assert answer.codes[0] == code


def test_curated_entries_still_win_and_still_ask_back(full, kb):
    leep = full.answer("what's the wRVU for LEEP")
    assert leep.codes == ["57461"] and leep.title.startswith("57461 · " + kb.codes["57461"].name)
    assert full.answer("cryo").status == "clarify"


def test_expansion_turns_cms_abbreviations_into_words(full):
    plain = expand_descriptor("Xcapsl ctrc rmvl w/o ecp", full.kb.abbreviations, full.words)
    assert "extracapsular cataract removal without" in plain


def test_payment_by_zip_code_uses_that_localitys_gpcis(full, cms_rvus, cms_gpcis):
    r, manhattan = row(cms_rvus, "57520"), locality(cms_gpcis, "13202", "01")
    office = (r.work * manhattan.work_gpci + r.pe_nonfacility * manhattan.pe_gpci + r.mp * manhattan.mp_gpci) * CF26
    answer = full.answer("57520 office payment zip 10001")
    assert "Manhattan" in answer.headline and money(office) in answer.headline


def test_payment_by_county(full, cms_rvus, cms_gpcis):
    r, philly = row(cms_rvus, "99213"), locality(cms_gpcis, "12502", "01")
    office = (r.work * philly.work_gpci + r.pe_nonfacility * philly.pe_gpci + r.mp * philly.mp_gpci) * CF26
    answer = full.answer("payment for 99213 in bucks county")
    assert "Philadelphia" in answer.headline and money(office) in answer.headline


def test_a_zip_can_be_saved_as_the_default_locality(full):
    answer = full.answer("set locality 10001")
    assert answer.remember == {"locality": "13202-01"}
    saved = full.answer("payment for 99213", AskContext(locality="13202-01"))
    assert "Manhattan" in saved.headline


def test_a_five_digit_number_alone_stays_a_code(full):
    assert full.answer("99216").status == "not_found"  # a deleted E/M code, also a Spokane ZIP


def test_component_rows_answer_for_the_professional_and_technical_parts(full, cms_rvus):
    pro, tech = row(cms_rvus, "71046", modifier="26"), row(cms_rvus, "71046", modifier="TC")
    by_suffix = full.answer("wrvu 71046-26")
    assert by_suffix.modifiers == ["26"] and f"{pro.work:.2f} work RVUs" in by_suffix.headline
    by_words = full.answer("71046 technical component rvu")
    assert by_words.modifiers == ["TC"] and f"total {tech.total_nonfacility:.2f} in the office" in by_words.headline
    whole = full.answer("71046")
    assert "professional component (26)" in render_text(whole) and "technical component (TC)" in render_text(whole)


@pytest.mark.parametrize(("modifier", "indicator_field", "share"), [
    ("50", "bilateral", {"1": 1.5, "2": 1.0, "3": 2.0}),
    ("80", "assistant", {"0": 0.16, "2": 0.16}),
    ("AS", "assistant", {"0": 0.136, "2": 0.136}),
    ("62", "co_surgeon", {"1": 0.625, "2": 0.625}),
])
def test_modifier_pricing_follows_the_codes_indicator(full, cms_rvus, modifier, indicator_field, share):
    r = row(cms_rvus, "27447")
    indicator = getattr(r, indicator_field)
    answer = full.answer(f"payment for 27447 with modifier {modifier}")
    assert modifier in answer.headline and f"indicator {indicator}" in answer.headline
    if indicator in share:
        assert money(r.total_facility * CF26 * share[indicator]) in answer.headline
    else:
        assert "$" not in answer.headline.split(":", 1)[1].split(".")[0]


def test_a_code_not_priced_in_a_setting_says_so_instead_of_a_number(full, cms_rvus):
    r = row(cms_rvus, "27447")
    assert r.nonfacility_na
    answer = full.answer("medicare payment for 27447")
    assert money(r.total_facility * CF26) in answer.headline and "not priced in the office (CMS: NA)" in answer.headline


def test_change_between_releases_gives_both_values_and_the_percent(full, cms_rvus):
    old, new = row(cms_rvus, "27447", 2025), row(cms_rvus, "27447", 2026)
    answer = full.answer("how did 27447 change from 2025 to 2026")
    assert answer.intent == "change"
    pct = (new.work - old.work) / old.work
    assert f"{old.work:.2f} -> {new.work:.2f}: {new.work - old.work:+.2f} ({pct:+.1%})".replace("+-", "-") \
        in render_text(answer).replace("+-", "-")
    assert "RVU25D" in render_text(answer) and "RVU26C" in render_text(answer)


def test_the_store_holds_the_name_index_and_a_restart_gives_the_same_answers(imported, full):
    data_dir = imported["data_dir"]
    con = sqlite3.connect(data_dir / "store.sqlite3")
    kinds = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE name IN ('name_fts', 'name_alias')"))
    described = con.execute("SELECT count(DISTINCT code) FROM name_alias").fetchone()[0]
    con.close()
    assert "fts5" in kinds["name_fts"].lower()
    assert described >= 17_000  # every code of the newest release, by its expanded CMS words and our names
    # the engine reads them from the store: no word index of 17,000 codes is written to the cache folder
    assert not list((data_dir / "cache").glob("name-index-*")) and not list((data_dir / "cache").glob("names-*"))
    assert not list(data_dir.rglob("*.pickle"))  # nothing executable in the data directory
    again = Engine.load(data_dir=data_dir)
    for q in ("total knee arthroplasty rvu", "LEEP", "cryo", "wrvu 45380"):
        assert again.answer(q).codes == full.answer(q).codes


def test_without_an_import_a_common_name_points_at_the_import(engine):
    answer = engine.answer("wrvu for total knee replacement")
    assert answer.status == "not_found" and answer.codes == []
    assert "27447" in answer.headline and "cptbot kb import" in answer.headline


@pytest.mark.parametrize("question", ["icd10 for hpv", "ms-drg for a hysterectomy"])
def test_other_code_sets_stay_out_of_scope_even_when_words_name_a_procedure(full, question):
    answer = full.answer(question)
    assert answer.status == "out_of_scope" and answer.codes == []


def test_a_global_indicator_is_explained_not_matched_to_a_code(full, kb):
    answer = full.answer("what is a ZZZ global period")
    assert answer.codes == [] and kb.global_periods["ZZZ"].name in render_text(answer)
