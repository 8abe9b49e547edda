"""Several codes at once: one small table of what was asked (RVUs, payment, global), a primary code and its
add-on priced together ("99214 + G2211", "77067 + 77063"), and the codes a narrative names in words.

More than `MAX_CODES` codes are not tabled: the reply says which were left out, so it stays readable.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer, Fact, Section
from bot.answers.codes import finish
from bot.answers.titles import name_of, title_of
from bot.fees import SETTING_LABELS, amount, is_priced, money, payable

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.records import FeeYear, Locality, Rvu
    from bot.understanding.ask import Ask

MAX_CODES = 10
PLACES = {"office": "in the office", "facility": "in a facility"}


def answer(ask: Ask, engine: Engine) -> Answer:
    kb, fy = engine.kb, ask.fy
    codes = ask.codes[:MAX_CODES]
    rows = {c: replies.row_of(fy, c) for c in codes}
    locality = ask.localities[0] if ask.localities else None
    what = ask.what or "describe"
    facts = [Fact(title_of(kb, c, rows[c]), _values(kb, fy, rows[c], what, ask.settings, locality)) for c in codes]
    where = f"in {locality.display}" if locality else "national"
    label = {"rvu": f"RVUs, CY{fy.year} (work; total office / facility)",
             "payment": f"Medicare payment, {where}, CY{fy.year} ("
                        + " / ".join(SETTING_LABELS[s].split(" (")[0].lower() for s in ask.settings) + ")",
             "global": f"Global periods, CY{fy.year}"}.get(what, f"Key numbers, CY{fy.year}")
    sections = [Section(label, facts)]
    headline = _headline(kb, fy, codes, rows, what, ask.settings, locality)
    together = _together(kb, fy, codes, rows, ask.settings, locality)
    if together:
        headline += " " + together
    notes = []
    if len(ask.codes) > MAX_CODES:
        notes.append(f"I show the first {MAX_CODES} codes; ask again for {', '.join(ask.codes[MAX_CODES:])}.")
    ans = Answer(status="answered", intent="codes" if what == "describe" else what, headline=headline,
                 codes=list(ask.codes), year=fy.year, sections=sections, notes=notes, source=replies.source_line(fy))
    return finish(ans, ask, engine)


def _values(kb, fy: FeeYear, rvu: Rvu, what: str, settings, locality: Locality | None) -> str:
    if what == "rvu":
        totals = {f.label: f.value for f in replies.rvu_section(rvu, fy.year).facts}
        return (f"{replies.rvu_str(rvu.work)} work; total {totals['Total RVU, office']} / "
                f"{totals['Total RVU, facility']}")
    if what == "payment":
        return " / ".join(replies.setting_amount(kb, rvu, fy, s, locality) for s in settings)
    if what == "global":
        gp = kb.global_periods.get(rvu.global_days)
        return rvu.global_days + (f" ({gp.name})" if gp else "")
    pay = " / ".join(replies.setting_amount(kb, rvu, fy, s, None) for s in ("office", "facility"))
    return f"{replies.rvu_str(rvu.work)} wRVU · global {rvu.global_days} · national {pay} (office / facility)"


def _headline(kb, fy: FeeYear, codes: list[str], rows: dict, what: str, settings, locality) -> str:
    if what == "rvu":
        return f"Work RVUs in CY{fy.year}: " + ", ".join(
            f"{c} {replies.rvu_str(rows[c].work)}" for c in codes) + "."
    if what == "payment":
        where = f"in {locality.display}" if locality else "nationally"
        setting = settings[0] if len(settings) == 1 else "office"
        parts = [f"{c} {replies.setting_amount(kb, rows[c], fy, setting, locality)}" for c in codes]
        return f"Medicare pays {PLACES[setting]} {where} in CY{fy.year}: " + ", ".join(parts) + "."
    if what == "global":
        return f"Global periods in CY{fy.year}: " + ", ".join(f"{c} {rows[c].global_days}" for c in codes) + "."
    named = [f"{c} ({name_of(kb, c, rows[c]) or 'no description'})" for c in codes]
    return "The services you describe are " + "; ".join(named) + "."


def _together(kb, fy: FeeYear, codes: list[str], rows: dict, settings, locality) -> str:
    """A primary code with its add-on(s) (global ZZZ): add-ons are never reduced, so the amounts add up."""
    addons = [c for c in codes if rows[c].global_days == "ZZZ"]
    primaries = [c for c in codes if c not in addons]
    if not addons or not primaries or any(not payable(rows[c]) for c in codes):
        return ""
    reduced = [c for c in primaries if rows[c].mult_proc not in ("0", "9")]
    if len(reduced) > 1:
        return ""  # two procedures on one day: the multiple-procedure rules apply (ask "calc ...")
    parts = []
    for s in settings:
        if not all(is_priced(rows[c], s) for c in codes):
            continue
        total = sum((amount(rows[c], fy.release, s, locality) or Decimal(0) for c in codes), Decimal(0))
        parts.append(f"{money(total)} {PLACES[s]}")
    if not parts:
        return ""
    return (f"Together, {' + '.join(codes)} pay {' and '.join(parts)}"
            f"{' in ' + locality.display if locality else ' nationally'} (the add-on {', '.join(addons)} is "
            "paid in full on top of the primary code).")
