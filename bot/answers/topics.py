"""Rule topics: general coding questions without a code ("new or established?", "what does a global include?").

Topics live in `knowledge/topics.yaml`, written in our own words: the word patterns that ask about the topic,
a direct one- or two-sentence answer, a few supporting facts, and optionally a *data hook* that adds numbers
from the loaded fee schedule (a worked payment example, the conversion factor change). Adding a topic is a
YAML edit; a hook is the only Python a topic can need, and every number it prints comes from loaded data
with its year, release and conversion factor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.answer import Answer, Fact, Section
from bot.answers.patterns import PatternIndex, patterns_problem
from bot.answers.rules_yaml import (
    check_modifiers_defined,
    is_code_list,
    is_modifier_list,
    load_entries,
    text,
    texts,
)
from bot.fees import amount, money
from bot.understanding.words import Token, Words
from bot.yamlfile import Problems, is_code_text, is_text, is_text_list

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.knowledge import KnowledgeBase
    from bot.records import FeeYear
    from bot.understanding.ask import Ask

FILE = "topics.yaml"
DEFAULT_EXAMPLE = "99213"


@dataclass(frozen=True)
class Topic:
    """One rule topic, as written in topics.yaml."""

    id: str
    title: str
    when: tuple[str, ...]
    answer: str  # may hold "{data}": where the hook's sentence goes (else it follows the answer)
    facts: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()  # codes the answer names; listed when the loaded fee schedule has them
    hook: str = ""
    example: str = ""  # the code a hook's worked example uses
    locality: str = ""  # a locality name for the payment example (e.g. "MANHATTAN")
    unless: tuple[str, ...] = ()  # patterns that rule the topic out


@dataclass(frozen=True)
class HookResult:
    sentence: str = ""
    sections: tuple[Section, ...] = ()
    years: tuple[int, ...] = ()  # the fee schedule years the numbers came from (cited in the source)


def _example_rvu(kb: KnowledgeBase, topic: Topic, year: int):
    fy = kb.years[year]
    return fy, fy.rvus.get((topic.example or DEFAULT_EXAMPLE, ""))


def _payment_formula(kb: KnowledgeBase, topic: Topic) -> HookResult:
    """A worked example: RVUs x GPCIs x CF for one code, nationally and in one locality, from loaded data."""
    from bot.replies import rvu_str

    year = kb.newest_year
    fy, rvu = _example_rvu(kb, topic, year)
    if rvu is None:
        return HookResult()
    cf = fy.release.conversion_factor
    code = rvu.code
    national = amount(rvu, fy.release, "office")
    sentence = (f"For example, {code} in the office in CY{year}: ({rvu_str(rvu.work)} work + "
                f"{rvu_str(rvu.pe_nonfacility)} PE + {rvu_str(rvu.mp)} MP) x ${cf:.4f} = {money(national)} "
                "nationally.")
    facts = [Fact("Work RVU", rvu_str(rvu.work)), Fact("PE RVU, office", rvu_str(rvu.pe_nonfacility)),
             Fact("Malpractice RVU", rvu_str(rvu.mp)), Fact("Conversion factor", f"${cf:.4f}"),
             Fact("National (all GPCIs 1.000)", money(national))]
    wanted = topic.locality.upper()
    loc = next((x for x in fy.localities if wanted and wanted in x.name.upper()), None)
    if loc is not None:
        local = amount(rvu, fy.release, "office", loc)
        facts.append(Fact(loc.display, f"({rvu_str(rvu.work)} x {loc.work_gpci:.3f} + {rvu_str(rvu.pe_nonfacility)}"
                                       f" x {loc.pe_gpci:.3f} + {rvu_str(rvu.mp)} x {loc.mp_gpci:.3f}) x ${cf:.4f}"
                                       f" = {money(local)}"))
    return HookResult(sentence, (Section(f"Worked example: {code}, office, CY{year}", facts),), (year,))


def _cf_change(kb: KnowledgeBase, topic: Topic) -> HookResult:
    """The conversion factor of the newest loaded year and its change from the year before, signed."""
    years = sorted(kb.years)
    new = kb.years[years[-1]].release
    facts = [Fact(f"CY{y}", f"${kb.years[y].release.conversion_factor:.4f}") for y in reversed(years)]
    if new.qp_conversion_factor:
        facts.append(Fact(f"CY{new.year}, qualifying APM participants", f"${new.qp_conversion_factor:.4f}"))
    if len(years) < 2:
        return HookResult(f"The CY{new.year} conversion factor is ${new.conversion_factor:.4f} (no earlier year is "
                          "loaded to compare).", (Section("Conversion factors", facts),), (new.year,))
    old = kb.years[years[-2]].release
    change = (new.conversion_factor - old.conversion_factor) / old.conversion_factor
    sentence = (f"The CY{new.year} conversion factor is ${new.conversion_factor:.4f}, {change:+.1%} from "
                f"${old.conversion_factor:.4f} in CY{old.year}.")
    return HookResult(sentence, (Section("Conversion factors", facts),), (new.year, old.year))


def _rvu_example(kb: KnowledgeBase, topic: Topic) -> HookResult:
    from bot.replies import rvu_str

    year = kb.newest_year
    _fy, rvu = _example_rvu(kb, topic, year)
    if rvu is None:
        return HookResult()
    sentence = (f"For example, {rvu.code} in CY{year}: {rvu_str(rvu.work)} work + {rvu_str(rvu.pe_nonfacility)} "
                f"practice expense (office) + {rvu_str(rvu.mp)} malpractice = {rvu_str(rvu.total_nonfacility)} "
                "total RVUs.")
    return HookResult(sentence, (), (year,))


def _site_example(kb: KnowledgeBase, topic: Topic) -> HookResult:
    from bot.replies import rvu_str

    year = kb.newest_year
    fy, rvu = _example_rvu(kb, topic, year)
    if rvu is None:
        return HookResult()
    facts = [Fact("PE RVU office / facility", f"{rvu_str(rvu.pe_nonfacility)} / {rvu_str(rvu.pe_facility)}"),
             Fact("Total RVU office / facility",
                  f"{rvu_str(rvu.total_nonfacility)} / {rvu_str(rvu.total_facility)}"),
             Fact("National payment office / facility",
                  f"{money(amount(rvu, fy.release, 'office'))} / {money(amount(rvu, fy.release, 'facility'))}")]
    sentence = (f"For example, {rvu.code} in CY{year} has {rvu_str(rvu.pe_nonfacility)} PE RVUs in the office and "
                f"{rvu_str(rvu.pe_facility)} in a facility (work {rvu_str(rvu.work)} either way).")
    return HookResult(sentence, (Section(f"{rvu.code}, office vs facility, CY{year}", facts),), (year,))


def _limiting_charge(kb: KnowledgeBase, topic: Topic) -> HookResult:
    """Non-participating amounts: 95% of the fee schedule amount, and the limiting charge, 115% of that."""
    year = kb.newest_year
    fy, rvu = _example_rvu(kb, topic, year)
    if rvu is None:
        return HookResult()
    par = amount(rvu, fy.release, "office")
    if par is None:
        return HookResult()
    nonpar = float(par) * 0.95
    limit = nonpar * 1.15
    sentence = (f"For example, {rvu.code} in the office, national, CY{year}: {money(par)} participating, "
                f"{money(nonpar)} non-participating, limiting charge {money(limit)}.")
    return HookResult(sentence, (), (year,))


def _releases(kb: KnowledgeBase, topic: Topic) -> HookResult:
    from bot.replies import source_line

    facts = [Fact(f"CY{y}", source_line(kb.years[y])) for y in sorted(kb.years, reverse=True)]
    return HookResult("", (Section("Loaded releases", facts),), ())


def _global_indicators(kb: KnowledgeBase, topic: Topic) -> HookResult:
    facts = [Fact(gp.code, gp.name) for gp in kb.global_periods.values()]
    return HookResult("", (Section("Global indicators in the fee schedule", facts),), ())


HOOKS: dict[str, Callable[[KnowledgeBase, Topic], HookResult]] = {
    "payment_formula": _payment_formula, "cf_change": _cf_change, "rvu_example": _rvu_example,
    "site_example": _site_example, "limiting_charge": _limiting_charge, "releases": _releases,
    "global_indicators": _global_indicators,
}


def _is_hook(value) -> str | None:
    return None if value in HOOKS else f"unknown hook {value!r} (one of: {', '.join(HOOKS)})"


TOPIC_SPEC = {
    "id": (is_text, True), "title": (is_text, True), "when": (patterns_problem, True), "answer": (is_text, True),
    "facts": (is_text_list, False), "modifiers": (is_modifier_list, False), "codes": (is_code_list, False),
    "hook": (_is_hook, False), "example": (is_code_text, False), "locality": (is_text, False),
    "unless": (patterns_problem, False),
}


def load_topics(root: Path, problems: Problems, modifiers: set[str]) -> tuple[Topic, ...]:
    """Read `knowledge/topics.yaml`; every problem is added to `problems` as file:line: entry: field: what."""
    out = []
    for e in load_entries(root, FILE, "topics", TOPIC_SPEC, problems):
        check_modifiers_defined(f"knowledge/{FILE}", e, e["id"], ("modifiers",), modifiers, problems)
        out.append(Topic(id=e["id"], title=text(e, "title"), when=texts(e, "when"), answer=text(e, "answer"),
                         facts=texts(e, "facts"), modifiers=tuple(e.get("modifiers") or ()),
                         codes=tuple(e.get("codes") or ()), hook=str(e.get("hook") or ""),
                         example=str(e.get("example") or ""), locality=text(e, "locality"),
                         unless=texts(e, "unless")))
    return tuple(out)


class TopicFinder:
    """Which topic, if any, a question asks about (the most specific pattern wins)."""

    def __init__(self, topics: tuple[Topic, ...], words: Words):
        self.index: PatternIndex[Topic] = PatternIndex([(t, t.when) for t in topics], words,
                                                        [t.unless for t in topics])

    def vocabulary(self) -> set[str]:
        return self.index.vocabulary()

    def find(self, tokens: list[Token]) -> list[tuple[int, Topic]]:
        return self.index.matches(tokens)


def compose(kb: KnowledgeBase, topic: Topic) -> Answer:
    """The Answer for a topic: the direct answer first, then its facts and any numbers from loaded data."""
    from bot.replies import source_line

    result = HOOKS[topic.hook](kb, topic) if topic.hook else HookResult()
    headline = topic.answer
    if "{data}" in headline:
        headline = headline.replace("{data}", result.sentence).strip()
    elif result.sentence:
        headline = f"{headline} {result.sentence}"
    sections: list[Section] = []
    if topic.facts:
        sections.append(Section("Key points", [], "\n".join(f"• {f}" for f in topic.facts)))
    sections.extend(result.sections)
    newest: FeeYear = kb.years[kb.newest_year]
    codes = [c for c in topic.codes if (c, "") in newest.rvus]
    source = " | ".join(source_line(kb.years[y]) for y in result.years)
    return Answer(status="answered", intent="topic", headline=headline, title=topic.title, codes=codes,
                  modifiers=list(topic.modifiers), year=max(result.years) if result.years else None,
                  sections=sections, source=source)


def answer(ask: Ask, engine: Engine) -> Answer:
    """The `topic` answerer (the table row in bot.answers)."""
    return compose(engine.kb, ask.rule)
