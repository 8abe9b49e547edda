"""Other procedures a narrative states beside the one it is answered for ("shaved a lesion off the arm and did
a punch biopsy of a second lesion"): each gets its own code on the claim, and the imported NCCI edit between
it and the main code says whether a modifier (59 or XS: a separate lesion) is needed, and on which line."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot import ncci
from bot.answer import Section

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def beside_sentences(ask: Ask, engine: Engine, main: str) -> tuple[str, Section | None]:
    """(the words added to the first sentence, the NCCI section) for the codes of `ask.beside` next to `main`.
    The modifier goes on the edit's column 2 code, whichever of the two it is; no edit in force means none is
    needed, and edits not imported are said as such rather than guessed."""
    from bot.answers.titles import name_of

    if not ask.beside:
        return "", None

    def named(code: str) -> str:
        return f"{code} ({(name_of(engine.kb, code, engine.kb.rvu(code, ask.year)) or code).lower()})"

    said = " Add " + " and ".join(named(c) for c in ask.beside) + " on its own line for the other procedure."
    when = ncci.date_of_service(ask.reading.text)[0] or date.today()
    clauses: list[str] = []
    quarter = ""
    for other in ask.beside:
        verdict = ncci.pair(engine.ncci, main, other, when, ncci.edit_setting(ask.reading.text))
        if not verdict.imported:
            return said + (" Import the NCCI edits to check whether the pair needs 59 or XS (a separate lesion) "
                           "on one of the lines."), None
        quarter = verdict.choice.edit_set.quarter if verdict.choice.edit_set else ""
        edit = verdict.edit
        if edit is None or edit.modifier == 9:
            clauses.append(f"NCCI has no edit in force between {main} and {other}: both are billed, no modifier "
                           "needed for the pair")
        elif edit.modifier == 0:
            clauses.append(f"NCCI bundles {edit.column2} into {edit.column1} and no modifier allows the pair")
        else:
            clauses.append(f"NCCI bundles {edit.column2} into {edit.column1} unless a modifier shows a separate "
                           f"lesion: put XS (or 59) on {edit.column2}")
    where = f"NCCI practitioner edits of {quarter}, date of service {when.isoformat()}"
    section = Section("NCCI edit", [], "; ".join(clauses) + f" ({where}).")
    return said + " " + "; ".join(clauses) + ".", section
