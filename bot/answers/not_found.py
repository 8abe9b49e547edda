"""What the bot could not find, said plainly with what to try instead (`Ask.problem` says which)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


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
