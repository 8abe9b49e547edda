"""NCCI procedure-to-procedure answers: can two codes be billed together ("is 57454 bundled into 57461"),
and several procedures on one day with the bundled column 2 codes dropped before pricing.

The edit rules live in `bot.ncci`; the indicators' meanings in `knowledge/ncci.yaml`. The first sentence
answers the question as asked: "No" / "Yes, only with a modifier" for can-I-bill, "Yes, bundled" for
is-it-bundled, "Yes, 59 ..." / "No modifier ..." when a modifier is asked about.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from bot import ncci, replies
from bot.answer import Answer, Fact, Section
from bot.answers import together
from bot.record import replace

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.store import PtpEdit
    from bot.understanding.ask import Ask

BUNDLE_WORDS = re.compile(r"\b(bundl\w*|included|inclusive|part of|column (?:1|2|one|two))\b", re.I)
DISTINCT_WORDS = re.compile(r"(?<![\w-])(59|x[epsu])(?![\w-])", re.I)  # "does 59 unbundle ...": a bare 59
UNBUNDLE_WORDS = re.compile(r"\bunbundl\w*\b", re.I)


def _when(ask: Ask) -> date:
    """The date of service the question gives ("for DOS 6/1/23", "as of 2023-06-01"), else today."""
    return ncci.date_of_service(ask.reading.text)[0] or date.today()


def _given_date(ask: Ask) -> bool:
    return ncci.date_of_service(ask.reading.text)[0] is not None


def _setting(ask: Ask, facility_is_hospital: bool = True) -> str:
    return ncci.edit_setting(ask.reading.text, facility_is_hospital)


def _name(engine: Engine, ask: Ask, code: str) -> str:
    return replies.code_title(engine.kb, code, replies.row_of(ask.fy, code))


def _dos_words(ask: Ask, when: date) -> str:
    return f"for a date of service of {when.isoformat()}" if _given_date(ask) else f"today ({when.isoformat()})"


def not_imported(engine: Engine, ask: Ask, what: str) -> Answer:
    """NCCI edits are not imported: say so, and how to import them (a different answer from "no edit")."""
    intent = "ncci_units" if ask.kind == "units" else "ncci_pair"
    return Answer(status="not_found", intent=intent, codes=list(ask.codes), year=ask.year,
                  headline=f"I can't check {what}: NCCI edits are not imported. {ncci.meanings()['download']}")


def _edit_facts(engine: Engine, ask: Ask, edit: PtpEdit, edit_set) -> list[Fact]:
    facts = [Fact("Column 1 (paid)", _name(engine, ask, edit.column1)),
             Fact("Column 2 (denied)", _name(engine, ask, edit.column2)),
             Fact(f"Modifier indicator {edit.modifier}", ncci.modifier_meaning(edit.modifier))]
    if edit.rationale:
        facts.append(Fact("CMS rationale", edit.rationale))
    since = f"since {_day(edit.effective)}" if edit.effective else ""
    until = f"deleted {_day(edit.deleted)}" if edit.deleted else "no deletion date (active)"
    facts.append(Fact("In force", ", ".join(x for x in (since, until) if x)))
    facts.append(Fact("Edits", f"{ncci.setting_name(edit_set.setting)} PTP edits, {edit_set.quarter}"))
    return facts


def _day(value: int | None) -> str:
    return "" if value is None else f"{value // 10000}-{value // 100 % 100:02d}-{value % 100:02d}"


def _source(edit_set) -> str:
    files = ", ".join(s.display for s in edit_set.sources[:1]) + (" ..." if len(edit_set.sources) > 1 else "")
    return f"CMS NCCI {ncci.setting_name(edit_set.setting)} PTP edits, {edit_set.quarter} ({files})"


def pair(ask: Ask, engine: Engine) -> Answer:
    """Two codes: the NCCI edit between them in either order on the date of service, or that there is none."""
    a, b = ask.codes[:2]
    tables = engine.ncci
    when = _when(ask)
    verdict = ncci.pair(tables, a, b, when, _setting(ask))
    if not verdict.imported:
        return not_imported(engine, ask, f"whether {a} and {b} can be billed together")
    edit_set = verdict.choice.edit_set
    text = ask.reading.text
    asked_modifiers = list(dict.fromkeys([m for m in ask.entities.modifiers if m in ncci.NCCI_MODIFIERS]
                                         + [m.upper() for m in DISTINCT_WORDS.findall(text)]))
    about_modifier = bool(asked_modifiers) or bool(UNBUNDLE_WORDS.search(text))
    about_bundle = bool(BUNDLE_WORDS.search(text)) and not about_modifier
    where = f"the {ncci.setting_name(verdict.choice.setting)} edits of {edit_set.quarter}"
    edit = verdict.edit
    mod = asked_modifiers[0] if asked_modifiers else "59"
    sections: list[Section] = []
    if edit is None or edit.modifier == 9:
        why = (f"there is no NCCI procedure-to-procedure edit between {a} and {b} in {where}"
               if edit is None and not verdict.lapsed else
               f"the NCCI edit between {a} and {b} is not in force {_dos_words(ask, when)} in {where}")
        if about_modifier:
            headline = f"No modifier is needed: {why}."
        elif about_bundle:
            headline = f"No: {why}."
        else:
            headline = f"Yes: {why}."
        headline += " Other payment rules (multiple-procedure reductions, global periods) still apply."
        shown = edit or (verdict.lapsed[0] if verdict.lapsed else None)
        if shown is not None:
            sections.append(Section("The edit that no longer applies", _edit_facts(engine, ask, shown, edit_set)))
    else:
        c1, c2 = edit.column1, edit.column2
        if edit.modifier == 0:
            core = (f"NCCI bundles {c2} (column 2) into {c1} (column 1): when both are billed {c1} is paid and {c2} "
                    "is denied, and no modifier allows the pair")
            if about_modifier:
                headline = f"No: {mod} cannot unbundle them. {core}."
            elif about_bundle:
                headline = f"Yes: {core}."
            else:
                headline = f"No: {core}."
        else:
            which = ("modifier 25 (a significant, separately identifiable visit)" if c2.startswith("99") else
                     "an NCCI-associated modifier (59 or XE, XS, XP, XU, or an anatomic modifier)")
            core = (f"NCCI bundles {c2} (column 2) into {c1} (column 1), but {which} on {c2} allows both when the "
                    "record shows a distinct service")
            if about_modifier:
                headline = (f"Yes: {mod} on {c2} can unbundle it from {c1} when the record shows a distinct service "
                            f"(indicator 1). {core}.")
            elif about_bundle:
                headline = f"Yes: {core}."
            else:
                headline = f"Yes, but only with a modifier: {core}."
        sections.append(Section("NCCI edit", _edit_facts(engine, ask, edit, edit_set)))
    ans = Answer(status="answered", intent="ncci_pair", headline=headline, codes=[a, b], year=ask.year,
                 title=f"{a} + {b} · NCCI procedure-to-procedure edit", sections=sections,
                 modifiers=asked_modifiers, source=_source(edit_set))
    ans.notes.extend(verdict.choice.notes)
    by_words = [c for c in (a, b) if c not in ask.entities.codes]
    if by_words:  # "is a D&C bundled into a hysteroscopy": say which codes the words were read as
        ans.notes.append("I read your words as " + " and ".join(_name(engine, ask, c) for c in by_words)
                         + "; name the codes if you meant others.")
    if not _given_date(ask):
        ans.notes.append(f"Checked for a date of service of today ({when.isoformat()}); say \"for DOS 6/1/23\" "
                         "for another date.")
    if len(ask.codes) > 2:
        ans.notes.append(f"You named {len(ask.codes)} codes; this is about {a} and {b}. Ask `calc "
                         + " ".join(ask.codes) + "` to check every pair and price them.")
    return ans


def several(ask: Ask, engine: Engine) -> Answer:
    """Several procedures on one day: every pair checked against NCCI first; bundled column 2 codes are left
    out of the total (indicator 0 always; indicator 1 unless 59/X{EPSU}/an anatomic modifier is on them)."""
    tables = engine.ncci
    when = _when(ask)
    drops, choice = ncci.same_day(tables, ask.codes, when, _setting(ask, facility_is_hospital=False),
                                  ask.entities.code_modifiers, list(ask.entities.modifiers))
    removed = [d for d in drops if not d.allowed_by]
    kept = [c for c in ask.codes if c not in {d.code for d in removed}]
    if not removed or not kept:
        ans = together.several(ask, engine)
    else:
        ans = together.several(replace(ask, codes=kept), engine)
    if choice is None:
        if tables.sets:
            return ans
        ans.notes.append("NCCI edits are not imported, so bundled pairs are not checked: "
                         + ncci.meanings()["download"])
        return ans
    edit_set = choice.edit_set
    facts = []
    for d in drops:
        if d.allowed_by:
            facts.append(Fact(f"{d.code} with {d.into}", f"paid with {d.allowed_by}: NCCI bundles it (indicator 1), "
                                                          "and the modifier allows it only when the record shows a "
                                                          "distinct service"))
        else:
            why = "no modifier allows it" if d.edit.modifier == 0 else "no 59, X{EPSU} or anatomic modifier on it"
            facts.append(Fact(f"{d.code} into {d.into}", f"left out: NCCI bundles it (column 2, indicator "
                                                        f"{d.edit.modifier}; {why})"
                                                        + (f"; {d.edit.rationale}" if d.edit.rationale else "")))
    if removed:
        lead = "; ".join(f"NCCI bundles {d.code} into {d.into}" for d in removed)
        ans.headline = f"{lead}, so {', '.join(d.code for d in removed)} is left out. {ans.headline}"
        ans.codes = [*ans.codes, *(d.code for d in removed if d.code not in ans.codes)]
    if facts:
        ans.sections.insert(0, Section(f"NCCI edits ({ncci.setting_name(choice.setting)}, {edit_set.quarter})",
                                       facts))
    else:
        ans.notes.append(f"No NCCI procedure-to-procedure edit between these codes in the "
                         f"{ncci.setting_name(choice.setting)} edits of {edit_set.quarter}.")
    ans.notes.extend(choice.notes)
    return ans
