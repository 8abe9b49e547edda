"""Situations that imply a modifier: "the procedure was stopped" means 53, "back to the OR" means 78.

Each situation in `knowledge/situations.yaml` has word patterns, the modifiers it implies (the first is the
answer), a first sentence that says which one to use ("Use 53 ..."), why, and what to say when the asker
proposed another modifier ("52?" when it is 53). When the question names a code, the answer adds what that
code's own fee schedule indicators say about the modifier (co-surgery allowed on 27650? its bilateral
indicator, its global period) and, for pricing modifiers, the amount with the modifier.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answer import Answer, Fact, Section
from bot.answers.patterns import PatternIndex, patterns_problem
from bot.answers.rules_yaml import (
    check_modifiers_defined,
    is_code_list,
    is_modifier_list,
    is_modifier_map,
    load_entries,
    text,
    texts,
)
from bot.fees import SETTINGS, Setting, amount, modifier_pricing, money
from bot.record import Record, field
from bot.understanding.words import Token, Words
from bot.yamlfile import Problems, is_flag, is_text

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.knowledge import KnowledgeBase
    from bot.records import FeeYear, Rvu
    from bot.understanding.ask import Ask

FILE = "situations.yaml"
AMOUNT_WORDS = re.compile(r"\b(how much|paid|pays?|payment|amount|reimburse\w*)\b", re.I)
INDICATORS = ("global", "bilateral", "assistant", "co_surgeon", "team", "mult_proc", "pctc", "discontinued")


class Situation(Record, eq=False):
    """One situation, as written in situations.yaml."""

    id: str
    when: tuple[str, ...]
    modifiers: tuple[str, ...]  # the first one is the answer
    answer: str  # the first sentence: "Use 53 ..."
    why: str = ""
    instead_of: dict[str, str] = field(default_factory=dict)  # a modifier people wrongly pick -> why not
    indicators: tuple[str, ...] = ()  # which of a named code's indicators bear on it
    pricing: tuple[str, ...] = ()  # modifiers whose amount for a named code is shown
    # With a procedure code named, that code's own answer (its global period decides 25 or 57) is better.
    defer_to_code: bool = False
    unless: tuple[str, ...] = ()  # patterns that rule the situation out
    # codes the words may name that the situation is never billed with (the screening codes of a screening
    # that became therapeutic): left out of the codes it answers about
    not_codes: tuple[str, ...] = ()


def _is_indicator_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(v in INDICATORS for v in value):
        return f"must be a list of indicator names (from: {', '.join(INDICATORS)})"
    return None


SITUATION_SPEC = {
    "id": (is_text, True), "when": (patterns_problem, True), "modifiers": (is_modifier_list, True),
    "answer": (is_text, True), "why": (is_text, False), "instead_of": (is_modifier_map, False),
    "indicators": (_is_indicator_list, False), "pricing": (is_modifier_list, False),
    "defer_to_code": (is_flag, False), "unless": (patterns_problem, False), "not_codes": (is_code_list, False),
}


def load_situations(root: Path, problems: Problems, modifiers: set[str]) -> tuple[Situation, ...]:
    """Read `knowledge/situations.yaml`; problems go to `problems` as file:line: entry: field: what."""
    out = []
    for e in load_entries(root, FILE, "situations", SITUATION_SPEC, problems):
        check_modifiers_defined(f"knowledge/{FILE}", e, e["id"], ("modifiers", "instead_of", "pricing"),
                                modifiers, problems)
        if not e["modifiers"]:
            problems.add(f"knowledge/{FILE}", e.line_of("modifiers"), e["id"], "modifiers",
                         "must name at least the modifier the situation calls for")
            continue
        out.append(Situation(id=e["id"], when=texts(e, "when"), modifiers=tuple(e["modifiers"]),
                             answer=text(e, "answer"), why=text(e, "why"),
                             instead_of={k: " ".join(v.split()) for k, v in (e.get("instead_of") or {}).items()},
                             indicators=tuple(e.get("indicators") or ()), pricing=tuple(e.get("pricing") or ()),
                             defer_to_code=bool(e.get("defer_to_code", False)),
                             unless=texts(e, "unless"), not_codes=tuple(str(c) for c in e.get("not_codes") or ())))
    return tuple(out)


class SituationFinder:
    """Which situation a question describes (the most specific pattern wins)."""

    def __init__(self, situations: tuple[Situation, ...], words: Words):
        self.index: PatternIndex[Situation] = PatternIndex([(s, s.when) for s in situations], words,
                                                            [s.unless for s in situations])

    def vocabulary(self) -> set[str]:
        return self.index.vocabulary()

    def find(self, tokens: list[Token]) -> list[tuple[int, Situation]]:
        return self.index.matches(tokens)


def _indicator_sentence(kb: KnowledgeBase, fy: FeeYear, rvu: Rvu, which: str) -> str:
    from bot import replies
    from bot.fees import MPI_MEANING

    code = rvu.code
    if which == "global":
        gp = kb.global_periods.get(rvu.global_days)
        return f"{code} has a {rvu.global_days} global period" + (f" ({gp.name})." if gp else ".")
    if which == "discontinued":
        row = fy.rvus.get((code, "53"))
        if row is None:
            return (f"CMS has no separate -53 row for {code}: the contractor prices the discontinued procedure "
                    "from the documentation.")
        priced = [f"{money(amount(row, fy.release, s))} {replies.SETTING_PLACES[s]}" for s in SETTINGS
                  if amount(row, fy.release, s) is not None]
        return (f"CMS prices {code}-53 as a row of its own in CY{fy.year}: {replies.rvu_str(row.work)} work RVUs"
                + (f", {' and '.join(priced)} nationally." if priced else "."))
    meanings = {"bilateral": ("bilateral surgery indicator", replies.BILATERAL, rvu.bilateral),
                "assistant": ("assistant-at-surgery indicator", replies.ASSISTANT, rvu.assistant),
                "co_surgeon": ("co-surgery indicator", replies.CO_SURGEON, rvu.co_surgeon),
                "team": ("team-surgery indicator", replies.TEAM, rvu.team),
                "mult_proc": ("multiple-procedure indicator", MPI_MEANING, rvu.mult_proc),
                "pctc": ("PC/TC indicator", replies.PCTC, rvu.pctc)}
    label, table, value = meanings[which]
    return f"{code} has {label} {value}: {table.get(value, 'see CMS')}."


def not_for_code(rvu: Rvu, modifier: str) -> str:
    """Why `modifier` is not billed on this code, when the code's own fee schedule indicator rules it out
    (`bot.fees.modifier_pricing`: "bilateral screening mammogram, 50?": CMS prices the code as both sides),
    else "". The situation's general advice ("Use 50 ...") would be wrong advice for such a code."""
    pricing = modifier_pricing(rvu, modifier)
    if pricing is None or not pricing.ruled_out:
        return ""
    code, ind = rvu.code, pricing.indicator
    if pricing.modifier == "50":
        return (f"No 50 on {code}: CMS prices it as covering both sides (bilateral surgery indicator {ind}), so it is "
                "billed once, without 50, and paid the single amount.")
    said = {"62": "co-surgeons", "66": "a surgical team"}.get(pricing.modifier, "an assistant at surgery")
    indicator = {"62": "co-surgery", "66": "team-surgery"}.get(pricing.modifier, "assistant-at-surgery")
    return f"Medicare does not pay {said} on {code} ({indicator} indicator {ind})."


def compose(kb: KnowledgeBase, situation: Situation, fy: FeeYear, codes: list[str], named_modifiers: list[str],
            settings: tuple[Setting, ...] = SETTINGS, amount_first: bool = False) -> Answer:
    """The Answer: "Use 53 ..." first (kindly correcting a wrong guess), why, then the named code's indicators."""
    from bot import replies

    primary = situation.modifiers[0]
    headline = situation.answer
    wrong = [m for m in named_modifiers if m not in situation.modifiers]
    if wrong:
        reasons = [situation.instead_of[m] for m in wrong if m in situation.instead_of]
        headline = f"Not {' or '.join(wrong)}. {headline}" + (
            " " + " ".join(reasons) if reasons else "")
    elif named_modifiers and primary in named_modifiers:
        headline = f"Yes: {headline[:1].lower()}{headline[1:]}"
    sections: list[Section] = []
    if situation.why:
        sections.append(Section("Why", [], situation.why))
    priced_codes = [c for c in codes if (c, "") in fy.rvus]
    source = ""
    if priced_codes:
        rvu = fy.rvus[(priced_codes[0], "")]
        said = [_indicator_sentence(kb, fy, rvu, which) for which in situation.indicators]
        priced = [p for p in (replies.modifier_priced(kb, rvu, fy, mod, settings, None) for mod in situation.pricing)
                  if p is not None]
        refused = not_for_code(rvu, primary)
        if refused:  # the code's own indicator rules the modifier out: that is the answer, not "Use 50"
            headline, priced, said = refused, [], []
        if priced and amount_first:  # "how much does the assistant get": the amount is the answer
            headline = priced[0][0] + " " + headline
            sections.extend(section for _, section in priced)
            said = said[1:]
        elif priced:  # the amount with the modifier, which names the code's indicator too
            headline += " " + priced[0][0]
            sections.extend(section for _, section in priced)
            said = said[1:]
        elif said:
            headline += " " + said.pop(0)
        if said:
            sections.insert(0, Section(f"{rvu.code} in the CY{fy.year} fee schedule", [], " ".join(said)))
        source = replies.source_line(fy)
    mods = [kb.modifiers[m] for m in situation.modifiers if m in kb.modifiers]
    if mods:
        sections.append(Section("Modifiers", [Fact(f"{m.code} ({m.name})", m.summary) for m in mods]))
    missing = [c for c in codes if c not in priced_codes]
    notes = [f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in the CY{fy.year} fee schedule "
             "(deleted or never valid): check the current code."] if missing else []
    return Answer(status="answered", intent="modifier_which", headline=headline, codes=priced_codes,
                  modifiers=list(situation.modifiers), year=fy.year if priced_codes else None,
                  sections=sections, notes=notes, source=source)


def answer(ask: Ask, engine: Engine) -> Answer:
    """The `situation` answerer (the table row in bot.answers)."""
    return compose(engine.kb, ask.rule, ask.fy, ask.codes + ask.unknown_codes, ask.modifiers,
                   tuple(ask.settings) or SETTINGS,  # type: ignore[arg-type]
                   amount_first=ask.reading.has("payment") or bool(AMOUNT_WORDS.search(ask.reading.text)))
