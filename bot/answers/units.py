"""NCCI medically unlikely edit (MUE) answers: "how many units of 20610", "MUE for J1100".

The first sentence gives the MUE value and whether it counts per claim line or per date of service; then
the adjudication indicator in our own words (knowledge/ncci.yaml), CMS's rationale and the quarter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import ncci
from bot.answer import Answer, Fact, Section
from bot.answers.bundling import _name, _setting, _when, not_imported

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

PER = {1: "per claim line", 2: "per day (date of service), an absolute limit",
       3: "per day (date of service), a clinical limit"}


def answer(ask: Ask, engine: Engine) -> Answer:
    code = ask.codes[0]
    when = _when(ask)
    value, choice = ncci.mue(engine.ncci, code, when, _setting(ask))
    if choice.edit_set is None:
        return not_imported(engine, ask, f"the units allowed for {code}")
    edit_set = choice.edit_set
    where = f"the {ncci.setting_name(choice.setting)} MUEs of {edit_set.quarter}"
    source = f"CMS NCCI {ncci.setting_name(choice.setting)} MUEs, {edit_set.quarter} ({edit_set.sources[0].display})"
    if value is None:
        ans = Answer(status="answered", intent="ncci_units", codes=[code], year=ask.year, source=source,
                     title=f"{_name(engine, ask, code)}",
                     headline=f"{code} has no medically unlikely edit in {where}: NCCI sets no unit limit for it "
                              "(CMS keeps some MUE values unpublished; the payer may still limit units).")
    else:
        ans = Answer(status="answered", intent="ncci_units", codes=[code], year=ask.year, source=source,
                     title=f"{_name(engine, ask, code)}",
                     headline=f"The MUE for {code} is {value.value} unit{'s' if value.value != 1 else ''} "
                              f"{PER[value.indicator]} ({where}).",
                     sections=[Section("Medically unlikely edit", [
                         Fact("MUE", f"{value.value} unit{'s' if value.value != 1 else ''}"),
                         Fact(f"Adjudication indicator {value.indicator}", ncci.mue_meaning(value.indicator)),
                         *([Fact("CMS rationale", value.rationale)] if value.rationale else []),
                         Fact("Edits", f"{ncci.setting_name(edit_set.setting)} MUEs, {edit_set.quarter}")])])
    ans.notes.extend(choice.notes)
    if len(ask.codes) > 1:
        ans.notes.append(f"You named several codes; this is about {code}. Ask about each for its MUE.")
    return ans
