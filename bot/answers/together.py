"""Services together: several procedures on one day (multiple-procedure rules), a visit with or after a
procedure (the global period decides)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer
from bot.answers.codes import finish

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def several(ask: Ask, engine: Engine) -> Answer:
    ans = replies.several_procedures(engine.kb, ask.codes, ask.fy, ask.settings,
                                     ask.localities[0] if ask.localities else None, ask.entities.code_modifiers)
    return finish(ans, ask, engine)


def visit_with_procedure(ask: Ask, engine: Engine) -> Answer:
    procedure = ask.codes[0]
    ans = replies.visit_with_procedure(engine.kb, procedure, ask.fy, after=ask.after)
    ans.codes = list(ask.codes)
    visits = [c for c in ask.codes[1:] if c not in ask.entities.codes or c.startswith("99")]
    if visits and not ask.after and procedure not in ask.entities.codes:
        _name_both(ans, ask, engine, procedure, visits[0])
    return finish(ans, ask, engine)


def _name_both(ans: Answer, ask: Ask, engine: Engine, procedure: str, visit: str) -> None:
    """A visit named by number beside a procedure said in words ("I and D with a 99213"): the first sentence
    names the procedure's code (and the codes it may be instead), the visit with the modifier the global
    period calls for, and the NCCI edit between the two when the edits are imported."""
    from bot.answer import Section
    from bot.answers.titles import name_of

    def named(code: str) -> str:
        return f"{code} ({name_of(engine.kb, code, engine.kb.rvu(code, ask.year)) or code})"

    first = f"Bill {named(procedure)} for the procedure"
    if ask.candidates:
        first += " (or " + " or ".join(named(c) for c in ask.candidates) + ", whichever the record describes)"
    mod = ans.modifiers[0] if ans.modifiers[:1] == ["25"] else ""
    first += (f" and {visit}-{mod} for the visit when it is significant and separately identifiable." if mod else
              f" and {visit} for the visit as the global period allows.")
    # the rule's own first sentence says the same of modifier 25: its reasons follow
    rest = ans.headline.split(". ", 1)[1] if mod and ". " in ans.headline else ans.headline
    ans.headline = f"{first} {rest}"
    clauses, where = _ncci_clauses(ask, engine, [procedure, *ask.candidates], visit)
    if clauses:
        ans.sections.insert(0, Section("NCCI edit", [], "; ".join(clauses) + f" ({where})."))
        ans.headline += f" {clauses[0]} ({where})."
    ans.notes.append("I read your words as " + named(procedure) + "; name the code if you meant another.")


def _ncci_clauses(ask: Ask, engine: Engine, procedures: list[str], visit: str) -> tuple[list[str], str]:
    """What the imported NCCI edits say of the visit with each procedure, and which edits and date of service
    were read ([] when the edits are not imported)."""
    from datetime import date

    from bot import ncci

    when = ncci.date_of_service(ask.reading.text)[0] or date.today()
    said = []
    quarter = ""
    for procedure in procedures:
        verdict = ncci.pair(engine.ncci, procedure, visit, when, ncci.edit_setting(ask.reading.text))
        if not verdict.imported:
            return [], ""
        quarter = verdict.choice.edit_set.quarter
        edit = verdict.edit
        if edit is None or edit.modifier == 9:
            said.append(f"NCCI has no edit in force between {procedure} and {visit}")
        elif edit.modifier == 0:
            said.append(f"NCCI bundles {edit.column2} into {edit.column1} and no modifier allows the pair")
        else:
            said.append(f"NCCI bundles {edit.column2} into {edit.column1} unless modifier 25 on the visit shows "
                        "a distinct service")
    return said, f"NCCI practitioner edits of {quarter}, date of service {when.isoformat()}"
