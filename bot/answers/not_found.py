"""What the bot could not find, said plainly with what to try instead (`Ask.problem` says which)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


# What a code's form says it is, by its last (or first) character: said when the fee schedule lacks the code,
# so "0003U" is not mistaken for a typo. The forms only; which codes exist is read from the imported files.
CODE_FORMS = (
    (lambda c: c[0].isalpha(), "a HCPCS Level II code"),
    (lambda c: c.endswith("T"), "a CPT Category III code (emerging technology)"),
    (lambda c: c.endswith("F"), "a CPT Category II code (performance measurement, not paid)"),
    (lambda c: c.endswith("A"), "a CPT vaccine or immune globulin administration code (ending in A)"),
    (lambda c: c.endswith("U"), "a CPT Proprietary Laboratory Analyses (PLA) code"),
    (lambda c: c.endswith("M"), "a CPT Multianalyte Assay with Algorithmic Analyses (MAAA) code"),
)


def code_form(code: str) -> str:
    """What kind of code `code` is by its form ("" for a five-digit CPT code)."""
    return next((what for test, what in CODE_FORMS if test(code)), "")


def answer(ask: Ask, engine: Engine) -> Answer:
    kb, fy, year, subject = engine.kb, ask.fy, ask.year, ask.subject
    problem = ask.problem
    if problem == "year":
        have = ", ".join(f"CY{y}" for y in sorted(kb.years))
        return replies.not_found(f"I don't have the CY{subject} fee schedule; I have {have}.", year=None)
    if problem == "malformed_code":
        return replies.not_found(f"{subject} is not a CPT or HCPCS code: codes have five characters (like 57461, "
                                 "0345T or G0101). Check the number.", year=year)
    if problem == "not_in_year":
        elsewhere = [y for y in sorted(kb.years) if (subject, "") in kb.years[y].rvus]
        return replies.not_found(
            f"{subject} is not in the CY{year} fee schedule ({fy.release.name})"
            + (f"; CMS prices it in CY{', CY'.join(map(str, elsewhere))}." if elsewhere else "."), year=year)
    if problem == "unknown_codes":
        forms = [f"{c} is {code_form(c)}" for c in ask.unknown_codes if code_form(c)]
        if forms and len(forms) == len(ask.unknown_codes):
            it = "it" if len(forms) == 1 else "them"
            where = (f"CMS's CY{year} physician fee schedule ({fy.release.name}) does not list {it}" if kb.imported
                     else f"My curated codes do not include {it}")
            return replies.not_found("; ".join(forms) + f". {where}, so I have no RVUs or payment for {it}. Check "
                                     "the number, or ask by the service's name." + engine.import_hint(), year=year)
        return replies.not_found(
            f"I don't have {', '.join(ask.unknown_codes)} in the CY{year} fee schedule"
            + (" or my knowledge base." if len(kb.years) else ".")
            + " Check the number, or ask by the procedure's name." + engine.import_hint(), year=year)
    if problem == "zip":
        if not kb.zip_localities:
            return replies.not_found(
                f"I can't place ZIP {subject} yet: ZIP-code lookups need CMS's ZIP-code-to-locality file "
                "(ZIP5, e.g. ZIP5_OCT2025.txt) imported with `cptbot kb import`. Meanwhile name the locality, "
                "city or state (e.g. `manhattan`, `texas`).", year=year, intent="place")
        return replies.not_found(f"I don't know ZIP {subject}: it is not in CMS's ZIP-code file I have imported. "
                                 "Check the number, or name the locality, city or state.", year=year,
                                 intent="place")
    if problem == "unknown_modifier":
        return replies.not_found(f"I don't have modifier {subject} in my knowledge base.", intent="modifier")
    if problem == "outside_code":
        return replies.not_found(f"That sounds like {subject}, which my curated knowledge base does not cover."
                                 + engine.import_hint(), year=year)
    what = f" for \"{subject}\"" if subject else ""
    return replies.not_found(f"I couldn't find a CPT code{what} in my knowledge base. Try the code "
                             "number or another name for the procedure." + engine.import_hint(), year=year)
