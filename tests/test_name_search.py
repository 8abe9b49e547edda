"""Finding codes by words over the real imported CMS release: the store's FTS5 name tables fetch candidates,
the engine scores them; negations exclude a word; a knowledge change after the import is picked up.

Which code a description means is checked against the CMS short descriptor of the imported file (read by
`cms_rvus`), never typed from memory.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from bot.engine import Engine
from bot.knowledge import shipped_dir
from bot.understanding.name_search import NameSearch


@pytest.fixture(scope="module")
def full(imported) -> Engine:
    return Engine.load(data_dir=imported["data_dir"])


def descriptor(cms_rvus, code: str) -> str:
    return next(r.description for r in cms_rvus[2026].rows if r.code == code and not r.modifier).lower()


def test_the_engine_reads_names_from_the_store_not_from_a_cache(full):
    assert isinstance(full.index, NameSearch)
    assert len(full.index.codes()) >= 17_000


@pytest.mark.parametrize(("question", "code", "means", "not_code", "not_means"), [
    # CMS: 58353 is the thermal ablation (no scope in its descriptor), 58563 the hysteroscopic one
    ("thermal endometrial ablation without hysteroscopy", "58353", "thermal", "58563", "hysteroscopy"),
    ("endometrial ablation w/o hysteroscopic guidance", "58353", "thermal", "58563", "hysteroscopy"),
    # CMS: 70450 without dye, 70460 with dye, 70470 without and with
    ("ct of the head without contrast", "70450", "w/o dye", "70460", "w/dye"),
    ("ct head no contrast", "70450", "w/o dye", "70460", "w/dye"),
    ("endometrial ablation not done with a hysteroscope", "58353", "thermal", "58563", "hysteroscopy"),
])
def test_a_negated_word_excludes_the_codes_that_name_it(full, cms_rvus, question, code, means, not_code, not_means):
    assert means in descriptor(cms_rvus, code) and not_means in descriptor(cms_rvus, not_code)
    answer = full.answer(question)
    assert answer.codes[:1] == [code], (answer.status, answer.codes)
    assert not_code not in answer.codes


@pytest.mark.parametrize(("question", "code", "not_code"), [
    # CMS: 20611 is the joint injection or aspiration with ultrasound guidance, 20610 the one without; the
    # everyday names of 20610 ("knee injection", "arthrocentesis") say nothing of ultrasound
    ("arthrocentesis knee with ultrasound", "20611", "20610"),
    ("knee aspiration with ultrasound", "20611", "20610"),
    ("medicare fee for a knee injection with ultrasound", "20611", "20610"),
    ("knee injection without ultrasound", "20610", "20611"),
])
def test_a_code_whose_descriptor_excludes_what_is_asked_is_not_named_by_its_other_names(
        full, cms_rvus, question, code, not_code):
    assert "w/us" in descriptor(cms_rvus, "20611") and "w/o us" in descriptor(cms_rvus, "20610")
    answer = full.answer(question)
    assert answer.codes[:1] == [code], (answer.status, answer.codes)
    assert not_code not in answer.codes


def test_a_name_that_agrees_with_the_question_keeps_its_code(engine):
    """A code is held to a name that excludes a word only when none of its names says it as asked."""
    from bot.records import CodeEntry
    from bot.understanding.procedures import ProcedureIndex

    index = ProcedureIndex([
        CodeEntry("A0001", "joint injection without ultrasound", synonyms=("knee injection",)),
        CodeEntry("A0002", "joint injection with ultrasound", synonyms=("ultrasound guided knee injection",)),
        CodeEntry("A0003", "notice waiver without signature", synonyms=("notice waiver signature missing",)),
    ], engine.words)

    def best(text: str) -> str | None:
        stems = set(engine.words.content_stems(text))
        found = index.search(stems, stems)
        return found[0].code if found else None

    assert best("knee injection with ultrasound") == "A0002"
    assert best("knee injection without ultrasound") == "A0001"
    assert best("notice waiver signature") == "A0003"  # its other name says "signature" as asked


def test_names_remembered_from_earlier_questions_give_the_same_answers(imported):
    """The index keeps the names it has fetched: a question answered after others that fetched many of the same
    names is answered as by an engine that has read none yet."""
    questions = ["new pt visit and endometrial biopsy same day, need a modifier?", "liver biopsy ct guided",
                 "colposcopy with biopsy of the cervix", "endometrial ablation without hysteroscopy",
                 "open radiofrequency ablation of a liver tumor"]
    warm = Engine.load(data_dir=imported["data_dir"])
    for q in questions:
        warm.answer(q)
    for q in questions:
        cold = Engine.load(data_dir=imported["data_dir"])
        assert warm.answer(q) == cold.answer(q), q


def test_with_and_without_is_no_negation(full, cms_rvus):
    assert "w/o & w/dye" in descriptor(cms_rvus, "70470")
    answer = full.answer("ct head with and without contrast")
    assert answer.codes[:1] == ["70470"], (answer.status, answer.codes)


def test_a_name_of_two_common_words_is_still_found_among_rarer_ones(full, cms_rvus):
    assert "liver" in descriptor(cms_rvus, "47000")
    answer = full.answer("cpt code for liver biopsy ct guided")
    assert "47000" in answer.codes


def test_knowledge_changed_after_the_import_is_used_without_importing_again(imported, tmp_path):
    """A synonym added to the YAML after `kb import` finds its code: the names are rebuilt into the cache."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(imported["data_dir"] / "store.sqlite3", data / "store.sqlite3")
    knowledge = tmp_path / "knowledge"
    shutil.copytree(shipped_dir("knowledge"), knowledge)
    names = knowledge / "common_names.yaml"
    names.write_text(names.read_text(encoding="utf-8").replace(
        "synonyms: [total knee replacement,", "synonyms: [zorblax knee operation, total knee replacement,", 1),
        encoding="utf-8")
    before = Engine.load(data_dir=data)
    assert "27447" not in before.answer("zorblax knee operation").codes
    after = Engine.load(knowledge_dir=knowledge, data_dir=data)
    assert after.answer("zorblax knee operation").codes[:1] == ["27447"]
    assert list((data / "cache").glob("names-*.sqlite3"))
    con = sqlite3.connect(data / "store.sqlite3")  # the store itself is left as the import wrote it
    assert con.execute("SELECT count(*) FROM name_alias WHERE alias LIKE 'zorblax%'").fetchone()[0] == 0
    con.close()


def test_without_an_import_the_curated_codes_are_found_by_words_and_negations_too(engine):
    assert engine.answer("cold knife cone wrvu").codes[:1] == ["57520"]
    answer = engine.answer("endometrial ablation without hysteroscopy")
    assert answer.codes[:1] == ["58353"] and "58563" not in answer.codes
    assert engine.answer("hysteroscopic endometrial ablation").codes[:1] == ["58563"]


@pytest.mark.parametrize(("code", "form"), [
    ("0001A", "vaccine"), ("0003U", "Proprietary Laboratory Analyses"), ("0002M", "Multianalyte"),
])
def test_cpt_codes_ending_in_a_letter_are_read_as_codes_and_their_kind_said(full, cms_rvus, code, form):
    assert not any(r.code == code for r in cms_rvus[2026].rows)  # the physician fee schedule lacks them
    answer = full.answer(f"wrvu for {code}")
    assert answer.status == "not_found"
    assert answer.headline.startswith(f"{code} is ") and form in answer.headline and "RVU26C" in answer.headline


@pytest.mark.parametrize("code", ["0591T", "G0439", "J1100"])
def test_category_iii_and_level_ii_codes_in_the_file_are_answered(full, cms_rvus, code):
    row = next(r for r in cms_rvus[2026].rows if r.code == code and not r.modifier)
    answer = full.answer(f"wrvu {code.lower()}")
    assert answer.codes == [code] and f"{row.work:.2f}" in answer.headline


def test_a_letter_ending_code_is_not_found_without_the_import_either(engine):
    answer = engine.answer("0001A wrvu")
    assert answer.status == "not_found" and "0001A is a CPT vaccine" in answer.headline
    assert "cptbot kb import" in answer.headline


@pytest.mark.parametrize(("question", "code", "means"), [
    ("removal of a full arm cast", "29705", "full arm/leg cast"),  # CMS says arm or leg: said in part
    ("full arm cast removed", "29705", "full arm/leg cast"),
])
def test_a_name_that_explains_little_is_asked_about_never_answered(full, cms_rvus, question, code, means):
    assert means in descriptor(cms_rvus, code)
    answer = full.answer(question)
    assert answer.status == "clarify" and answer.codes[0] == code, (answer.status, answer.codes)
    assert "10040" not in answer.codes  # "Extraction": a name of one common word explains nothing here


@pytest.mark.parametrize(("question", "code", "means"), [
    ("low dose ct for lung cancer screening", "71271", "lung cancer scr"),  # "dose" is no drug dose here
    ("breast biopsy with ultrasound guidance", "19083", "us imag"),
])
def test_a_name_said_whole_is_answered(full, cms_rvus, question, code, means):
    assert means in descriptor(cms_rvus, code)
    answer = full.answer(question)
    assert answer.status == "answered" and answer.codes[:1] == [code], (answer.status, answer.codes)


@pytest.mark.parametrize("question", ["what's the weather like in paris", "tell me a joke about doctors",
                                      "icd10 for hpv"])
def test_words_that_name_no_procedure_are_not_offered_codes(full, question):
    assert full.answer(question).status not in ("answered", "clarify")


def test_among_near_ties_the_one_name_that_says_the_rarest_word_is_chosen(full, cms_rvus):
    """"Bartholin" tells this abscess apart: the general skin-abscess drainage names do not say it."""
    assert "bartholins" in descriptor(cms_rvus, "56420") and "bartholin" not in descriptor(cms_rvus, "10060")
    answer = full.answer("incision and drainage of a bartholin abscess")
    assert answer.status == "answered" and answer.codes[:1] == ["56420"], (answer.status, answer.codes)


@pytest.mark.parametrize(("question", "named", "instead"), [
    ("medicare fee for 20610 with ultrasound guidance", "20610", "20611"),
    ("wrvu 20611 without ultrasound", "20611", "20610"),
    ("20600 with ultrasound", "20600", "20604"),  # three pairs share one short name: the sibling by number
])
def test_a_code_named_by_number_that_the_words_rule_out_is_asked_about_not_priced(
        full, cms_rvus, question, named, instead):
    said_with = "with ultrasound" in question
    assert ("w/o us" in descriptor(cms_rvus, named)) == said_with
    assert ("w/us" in descriptor(cms_rvus, instead)) == said_with
    answer = full.answer(question)
    assert answer.status == "clarify" and answer.codes[:2] == [instead, named]
    assert named in answer.headline and instead in answer.headline and "$" not in answer.headline


def test_a_code_named_by_number_whose_words_agree_is_answered(full):
    for question in ("what does 20610 pay", "20611 with ultrasound guidance wrvu", "20610 without ultrasound"):
        code = next(w for w in question.split() if w.isdigit())
        answer = full.answer(question)
        assert answer.status == "answered" and answer.codes[:1] == [code], (question, answer.status, answer.codes)
