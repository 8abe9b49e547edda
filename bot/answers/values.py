"""A value of one code: its RVUs, payment, global period, an indicator, or what it is.

The reply is focused: the headline answers the ask, `sections` keep only the facts that bear on it, and the
rest of the code card moves to `details` (one step away: Slack's Details button, `cptbot ask --full`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer, Fact, Section
from bot.answers.codes import finish
from bot.answers.titles import expanded, title_of
from bot.fees import PRICING_MODIFIERS
from bot.understanding.procedures import close_calls

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

# Which card sections bear on each value asked, by the start of their title.
FOCUS = {
    "rvu": ("RVUs",),
    "payment": ("Medicare payment", "With modifier"),
    "global": ("Global period",),
    "indicator": ("Billing indicators", "With modifier"),
    "describe": (),
}


RT_LT = re.compile(r"\bRT\b.*\bLT\b|\bLT\b.*\bRT\b|\b(?:rt|right) and (?:lt|left)\b", re.I)
PRICING_WORDS = re.compile(r"\b(how much|get|gets|paid|pays?|payment|amount|bilateral|both sides)\b", re.I)
MODIFIER_INTENTS = ("modifier", "modifier_which")


def pricing_modifiers(ask: Ask, engine: Engine, code: str, row_modifier: str) -> list[str]:
    """Modifiers that change the amount, asked by code ("58558-53"), by name ("modifier 80", "RT and LT")
    or in words ("how much does the assistant get", "bilateral"), which the modifiers' situations name."""
    r, ent = ask.reading, ask.entities
    asked = [m for m in (ent.code_modifiers.get(code, ""), *ent.modifiers) if m and m != row_modifier]
    if RT_LT.search(r.text) or ("RT" in asked and "LT" in asked):
        asked = ["RT+LT"] + [m for m in asked if m not in ("RT", "LT")]
    if not any(m in PRICING_MODIFIERS for m in asked) and (r.has("payment") or PRICING_WORDS.search(r.text)):
        every, content = r.stems(lambda intent: intent not in MODIFIER_INTENTS)
        naming = engine.name_stems(code)  # the words that name the code are not a modifier's situation
        top = close_calls(engine.modifier_index.search(every - naming, content - naming))[:1]
        asked += [c.code for c in top if c.code in PRICING_MODIFIERS and c.code not in ("52", "53")]
    named = {ent.code_modifiers.get(code, ""), *ent.modifiers}
    if "50" not in named and any(engine.sides.side_of(a)[0] for a in engine.index.aliases_of(code)):
        # "MRI of both breasts" answered by the code that itself says both sides (or one): the words said
        # which code, not a modifier 50 on it
        asked = [m for m in asked if m not in ("50", "RT+LT")]
    return [m for m in dict.fromkeys(asked) if m in PRICING_MODIFIERS]


def answer(ask: Ask, engine: Engine) -> Answer:
    kb, fy = engine.kb, ask.fy
    code, modifier = ask.codes[0], ask.component
    row = replies.row_of(fy, code, modifier)
    # shown to the reader: CMS's signs and punctuation kept ("> 10 min" is not "10 min")
    plain = "" if code in kb.codes else expanded(row.description, kb.abbreviations)
    what = ask.what if ask.what in ("rvu", "payment", "global", "describe") else "describe"
    ans = replies.code_card(kb, code, fy, what, ask.settings, ask.localities, modifier, plain)
    if row.modifier:
        ans.modifiers = [row.modifier]
    if code not in kb.codes:
        ans.title = title_of(kb, code, row, code + (f"-{row.modifier}" if row.modifier else ""))
    priced = []
    for mod in pricing_modifiers(ask, engine, code, row.modifier):
        found = replies.modifier_priced(kb, row, fy, mod, ask.settings, ask.localities[0] if ask.localities else None)
        if found is not None:
            priced.append(found)
            ans.modifiers += [m for m in mod.split("+") if m not in ans.modifiers]  # "RT+LT": both, as billed
    ans.sections[:0] = [section for _, section in priced]
    if priced:  # the amount with the modifier is what was asked: it leads
        ans.headline = " ".join(head for head, _ in priced)
    if ask.state_localities:
        ans.sections.insert(0, replies.state_localities_section(kb, row, fy, ask.state_localities, ask.settings))
        if not priced and what in ("payment", "describe"):  # "97110 in california": the state's range, said first
            in_state = replies.state_range(row, fy, ask.state_localities, ask.settings)
            if in_state:
                ans.headline = f"{in_state} {ans.headline}"
    if len(ask.codes) > 1:
        ans.notes.append("You named several codes; this is about " + code + ". Ask `compare "
                         + " ".join(ask.codes) + "` to see them side by side.")
        ans.codes = list(ask.codes)
    focus(ans, "payment" if priced and what != "payment" else what, row, fy, kb)
    if ask.intent == "values" and not priced and ans.sections:
        # "rvu and global for 57522": every value asked, in the first sentence
        ans.headline = f"{code} in CY{fy.year}: " + "; ".join(
            f"{f.label.lower().replace('rvu', 'RVU')} {f.value}" for f in ans.sections[0].facts) + "."
    return finish(ans, ask, engine)


def focus(ans: Answer, what: str, rvu, fy, kb) -> None:
    """Keep in `sections` what bears on `what`; the rest of the card goes to `details`."""
    keep = FOCUS.get(what, ())
    shown = [s for s in ans.sections if s.title.startswith(keep)] if keep else []
    if what == "payment" and len([s for s in shown if s.title.startswith("Medicare payment")]) > 1:
        # a locality was named: its amounts lead, the national ones are one step away
        national = next(s for s in shown if s.title.startswith("Medicare payment, national"))
        shown.remove(national)
    if what == "describe":
        shown = [key_numbers(kb, rvu, fy)]
    ans.details = [s for s in ans.sections if s not in shown]
    if what == "global":
        shown = [short_global(kb, rvu.global_days)]
    ans.sections = shown


def short_global(kb, indicator: str) -> Section:
    """What the global period covers in one sentence and the modifiers that matter in it (the full
    explanation of visits and procedures inside it stays in the details)."""
    gp = kb.global_periods.get(indicator)
    if gp is None:
        return Section("Global period", [Fact("Global", indicator)])
    first = gp.meaning.split(". ")[0].rstrip(".")
    if len(first) > 200 and ":" in first:  # "One payment covers ... (92 days in all): what it includes"
        first = first.split(":")[0]
    first += "."
    mods = f" Modifiers that matter inside it: {', '.join(gp.modifiers)}." if gp.modifiers else ""
    return Section(f"Global period {gp.code}: {gp.name}", [], first + mods)


def key_numbers(kb, rvu, fy) -> Section:
    """The few numbers people look a code up for: work and total RVUs, global, national payment."""
    rvus = replies.rvu_section(rvu, fy.year).facts
    total = {f.label: f.value for f in rvus}
    return Section(f"Key numbers, CY{fy.year}", [
        Fact("Work RVU", replies.rvu_str(rvu.work)),
        Fact("Total RVU office / facility", f"{total['Total RVU, office']} / {total['Total RVU, facility']}"),
        Fact("Global", rvu.global_days),
        Fact("National payment office / facility", " / ".join(
            replies.setting_amount(kb, rvu, fy, s, None) for s in ("office", "facility")))])
