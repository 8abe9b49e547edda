"""Rule topics: general coding questions without a code ("new or established?", "what does a global include?").

Topics live in `knowledge/topics.yaml`, written in our own words: the word patterns that ask about the topic,
a direct one- or two-sentence answer, a few supporting facts, and optionally a *data hook* that adds numbers
from the loaded fee schedule (a worked payment example, the conversion factor change). Adding a topic is a
YAML edit; a hook is the only Python a topic can need, and every number it prints comes from loaded data
with its year, release and conversion factor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
from bot.answers.titles import expanded
from bot.fees import amount, money
from bot.record import Record
from bot.understanding.words import Token, Words
from bot.yamlfile import Problems, is_code_text, is_flag, is_text, is_text_list

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.knowledge import KnowledgeBase
    from bot.records import FeeYear
    from bot.understanding.ask import Ask

FILE = "topics.yaml"
DEFAULT_EXAMPLE = "99213"


class Topic(Record, eq=False):
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
    about_codes: bool = False  # about whatever code the question names ("how often can 92060 be billed")
    component: str = ""  # for the `components` hook: "professional", "technical" or "global"
    counts: tuple[CountRule, ...] = ()  # for the `count_units` hook: how a count of lesions becomes codes


class CountRule(Record, eq=False):
    """How a number of lesions (biopsies, destructions) is reported: the first with `first`, each additional
    one with the add-on `additional` (units), and from `then_from` on `then` alone. `words` choose the rule
    (a technique: "punch"); the first rule without words applies when none of the words occur."""

    first: str
    additional: str = ""
    up_to: int = 0  # `first` (and `additional`) cover up to this many; 0: no upper limit
    then: str = ""  # the code for more than `up_to`
    words: tuple[str, ...] = ()


class HookCall(Record, eq=False):
    """What a hook may use: the knowledge base, the topic, and the question's codes and text (for topics
    about the codes named, and for counts read from the question)."""

    kb: KnowledgeBase
    topic: Topic
    codes: tuple[str, ...] = ()
    text: str = ""
    engine: Engine | None = None


class HookResult(Record, eq=False):
    sentence: str = ""
    sections: tuple[Section, ...] = ()
    years: tuple[int, ...] = ()  # the fee schedule years the numbers came from (cited in the source)
    codes: tuple[str, ...] = ()  # codes the hook chose for this question, most relevant first
    modifiers: tuple[str, ...] = ()  # modifiers the hook chose ("26" for an interpretation of 71046)


def _example_rvu(kb: KnowledgeBase, topic: Topic, year: int):
    fy = kb.years[year]
    return fy, fy.rvus.get((topic.example or DEFAULT_EXAMPLE, ""))


def _payment_formula(call: HookCall) -> HookResult:
    """A worked example: RVUs x GPCIs x CF for one code, nationally and in one locality, from loaded data."""
    kb, topic = call.kb, call.topic
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


def _cf_change(call: HookCall) -> HookResult:
    """The conversion factor of the newest loaded year and its change from the year before, signed."""
    kb = call.kb
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


def _rvu_example(call: HookCall) -> HookResult:
    kb, topic = call.kb, call.topic
    from bot.replies import rvu_str

    year = kb.newest_year
    _fy, rvu = _example_rvu(kb, topic, year)
    if rvu is None:
        return HookResult()
    sentence = (f"For example, {rvu.code} in CY{year}: {rvu_str(rvu.work)} work + {rvu_str(rvu.pe_nonfacility)} "
                f"practice expense (office) + {rvu_str(rvu.mp)} malpractice = {rvu_str(rvu.total_nonfacility)} "
                "total RVUs.")
    return HookResult(sentence, (), (year,))


def _site_example(call: HookCall) -> HookResult:
    kb, topic = call.kb, call.topic
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


def _limiting_charge(call: HookCall) -> HookResult:
    """Non-participating amounts: 95% of the fee schedule amount, and the limiting charge, 115% of that."""
    kb, topic = call.kb, call.topic
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


def _releases(call: HookCall) -> HookResult:
    kb = call.kb
    from bot.replies import source_line

    facts = [Fact(f"CY{y}", source_line(kb.years[y])) for y in sorted(kb.years, reverse=True)]
    return HookResult("", (Section("Loaded releases", facts),), ())


def _global_indicators(call: HookCall) -> HookResult:
    kb = call.kb
    facts = [Fact(gp.code, gp.name) for gp in kb.global_periods.values()]
    return HookResult("", (Section("Global indicators in the fee schedule", facts),), ())


def _count_units(call: HookCall) -> HookResult:
    """How many of each code a count of lesions stated in the question makes ("three AKs": 17000 + 17003 x 2).

    The rule is the topic's `counts` (the first whose technique words occur, else the first without words);
    without a count in the question, nothing is added and the topic's general answer stands.
    """
    from bot.understanding.counts import find_count, has_words

    rules = call.topic.counts
    rule = next((r for r in rules if r.words and has_words(call.text, r.words)), None) \
        or next((r for r in rules if not r.words), None)
    if rule is None:
        return HookResult()
    n = find_count(call.text)
    if n is None:
        return HookResult(codes=tuple(c for c in (rule.first, rule.additional) if c))
    lesions = f"{n} lesion{'s' if n != 1 else ''}"
    if rule.up_to and n > rule.up_to and rule.then:
        return HookResult(f"For {lesions}: {rule.then} alone, one unit (it covers {rule.up_to + 1} or more).",
                          codes=(rule.then,))
    if not rule.additional or n == 1:
        covers = f" (one unit covers up to {rule.up_to})" if rule.up_to and n > 1 else ""
        return HookResult(f"For {lesions}: {rule.first} x 1{covers}.", codes=(rule.first,))
    extra = n - 1
    return HookResult(f"For {lesions}: {rule.first} once and {rule.additional} x {extra} ({extra} "
                      f"unit{'s' if extra != 1 else ''}, no modifier: it is an add-on).",
                      codes=(rule.first, rule.additional))


PCTC_OF = {"professional": ("2", "26"), "technical": ("3", "TC"), "global": ("4", "")}
COMPONENT_FALLBACK = {"professional": "the test's code with modifier 26, or its own interpretation-only code "
                                      "where there is one (93010 for an ECG)",
                      "technical": "the test's code with modifier TC, or its own technical-only code where "
                                   "there is one (93005 for an ECG tracing)",
                      "global": "the test's code without a modifier, or its complete-service code where the "
                                "parts have codes of their own (93000 for an ECG)"}
COMPONENT_WORDS = {"professional": "the interpretation and report", "technical": "the tracing or technical part alone",
                   "global": "the complete test, both parts"}


# a professional-only code that is the interpretation and report (a stress test also has a supervision-only one)
REPORT_RE = re.compile(r"i&r|interp|report|\brpt\b|\bread", re.I)


def _family(fy: FeeYear, code: str) -> tuple[dict[str, str], list[str]]:
    """The codes CMS lists for the parts of a test billed with codes of their own (PC/TC indicators 2, 3 and
    4: 93000 complete, 93005 tracing, 93010 report): nearby codes whose short descriptors begin alike. The
    part each kind stands for, and every other member (93016, the stress test's supervision alone, beside
    93018, its interpretation and report)."""
    row = fy.rvus.get((code, ""))
    if row is None or row.pctc not in ("2", "3", "4") or not code.isdigit():
        return {}, []
    head = (row.description.split() or [""])[0].lower()
    members: list[tuple[str, str, str]] = []  # (kind, code, descriptor)
    for near in range(int(code) - 12, int(code) + 13):
        other = fy.rvus.get((f"{near:05d}", ""))
        if other is not None and other.pctc in ("2", "3", "4") and \
                (other.description.split() or [""])[0].lower() == head:
            members.append(({"2": "professional", "3": "technical", "4": "global"}[other.pctc], other.code,
                            other.description))
    out: dict[str, str] = {}
    for kind, member, _ in sorted(members, key=lambda m: not (m[0] == "professional" and REPORT_RE.search(m[2]))):
        out.setdefault(kind, member)
    if len(out) < 2:
        return {}, []
    return out, [m for _, m, _ in members if m not in out.values()]


def test_parts(fy: FeeYear, code: str) -> list[str]:
    """The codes of the parts of a test (PC/TC indicators 2 and 3, and the family's other members) when `code`
    is the complete test (indicator 4); [] otherwise."""
    row = fy.rvus.get((code, ""))
    if row is None or row.pctc != "4":
        return []
    family, more = _family(fy, code)
    return [c for c in (*family.values(), *more) if c != code]


def _components(call: HookCall) -> HookResult:
    """The code (or modifier) for the part of a test the topic is about, from the named test's PC/TC
    indicator in the loaded fee schedule: separate codes (indicators 2/3/4) or modifiers 26/TC (indicator 1)."""
    kb, want = call.kb, call.topic.component
    fy = kb.years[kb.newest_year]
    for code in call.codes:
        row = fy.rvus.get((code, ""))
        if row is None:
            continue
        family, more = _family(fy, code)
        if want in family:
            chosen = family[want]
            others = [f"{c} is {COMPONENT_WORDS[k]}" for k, c in family.items() if c != chosen]
            others += [f"{c} is {expanded(fy.rvus[(c, '')].description, kb.abbreviations).lower()}" for c in more]
            sentence = f"{chosen} for {COMPONENT_WORDS[want]}" + (f" ({'; '.join(others)})" if others else "")
            return HookResult(sentence, years=(fy.year,), codes=(chosen, *(c for c in family.values()
                                                                           if c != chosen), *more))
        if row.pctc == "1":
            mod = PCTC_OF[want][1]
            if not mod:
                return HookResult(f"{code} without a modifier for both parts", years=(fy.year,), codes=(code,))
            return HookResult(f"{code}-{mod} for {COMPONENT_WORDS[want]} ({code} without a modifier is the "
                              "complete service)", years=(fy.year,), codes=(code,), modifiers=(mod,))
    return HookResult(COMPONENT_FALLBACK.get(want, ""))


def _status(call: HookCall) -> HookResult:
    """What the RVU file's status says about payment for the topic's codes (or the codes named), grouped by
    status: "CMS lists 99242, 99243 ... with status I: not valid for Medicare"."""
    kb = call.kb
    fy = kb.years[kb.newest_year]
    groups: dict[str, list[str]] = {}
    for code in dict.fromkeys((*call.codes, *call.topic.codes)):
        row = fy.rvus.get((code, ""))
        if row is not None:
            groups.setdefault(row.status, []).append(code)
    said = []
    for status, codes in groups.items():
        meaning = kb.statuses.get(status)
        if meaning is not None:
            said.append(f"CY{fy.year} status {status} for {', '.join(codes)}: {meaning.meaning}")
    return HookResult(" ".join(said), years=(fy.year,) if said else ())


def _frequency(call: HookCall) -> HookResult:
    """The NCCI medically unlikely edit (units per day or per line) of the code named, when imported."""
    from datetime import date

    from bot import ncci

    if call.engine is None or not call.codes:
        return HookResult()
    code = call.codes[0]
    value, choice = ncci.mue(call.engine.ncci, code, date.today())
    if choice.edit_set is None or value is None:
        return HookResult()
    per = "per claim line" if value.indicator == 1 else "per day"
    quarter = choice.edit_set.quarter.split(" (")[0]
    return HookResult(f"What NCCI does limit is units: its MUE for {code} is {value.value} "
                      f"unit{'s' if value.value != 1 else ''} {per} (the {quarter} edits).")


def _ncci_pairs(call: HookCall) -> HookResult:
    """The NCCI procedure-to-procedure edits among the codes named and the topic's codes, from the imported
    edits in force today: which code is bundled into which, and whether a modifier can ever allow the pair."""
    from datetime import date

    from bot import ncci

    if call.engine is None:
        return HookResult()
    codes = list(dict.fromkeys((*call.codes, *call.topic.codes)))[:6]
    said = []
    quarter = ""
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            verdict = ncci.pair(call.engine.ncci, a, b, date.today())
            if not verdict.imported or not verdict.bundled or verdict.edit is None:
                continue
            edit = verdict.edit
            quarter = verdict.choice.edit_set.quarter if verdict.choice.edit_set else ""
            allowed = "no modifier allows the pair" if edit.modifier == 0 else \
                "a distinct-service modifier allows it when the services really are separate"
            said.append(f"NCCI bundles {edit.column2} into {edit.column1} ({allowed})")
    if not said:
        return HookResult()
    return HookResult("; ".join(said) + (f", {quarter} edits." if quarter else "."))


HOOKS: dict[str, Callable[[HookCall], HookResult]] = {
    "payment_formula": _payment_formula, "cf_change": _cf_change, "rvu_example": _rvu_example,
    "site_example": _site_example, "limiting_charge": _limiting_charge, "releases": _releases,
    "global_indicators": _global_indicators, "count_units": _count_units, "components": _components,
    "status": _status, "frequency": _frequency, "ncci_pairs": _ncci_pairs,
}


def _is_hook(value) -> str | None:
    return None if value in HOOKS else f"unknown hook {value!r} (one of: {', '.join(HOOKS)})"


TOPIC_SPEC = {
    "id": (is_text, True), "title": (is_text, True), "when": (patterns_problem, True), "answer": (is_text, True),
    "facts": (is_text_list, False), "modifiers": (is_modifier_list, False), "codes": (is_code_list, False),
    "hook": (_is_hook, False), "example": (is_code_text, False), "locality": (is_text, False),
    "unless": (patterns_problem, False), "about_codes": (is_flag, False),
    "component": (lambda v: None if v in PCTC_OF else f"must be one of {', '.join(PCTC_OF)}", False),
    "counts": (lambda v: _counts_problem(v), False),
}
COUNT_FIELDS = {"first", "additional", "up_to", "then", "words"}


def _counts_problem(value) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a list of rules like {first: \"17000\", additional: \"17003\", up_to: 14, then: \"17004\"}"
    for rule in value:
        if not isinstance(rule, dict) or set(rule) - COUNT_FIELDS or is_code_text(rule.get("first")):
            return f"each rule needs a quoted `first` code and only the fields {', '.join(sorted(COUNT_FIELDS))}"
        if any(rule.get(k) is not None and is_code_text(rule[k]) for k in ("additional", "then")):
            return "`additional` and `then` must be quoted codes"
        if not isinstance(rule.get("up_to", 0), int) or (rule.get("words") is not None
                                                         and is_text_list(rule["words"])):
            return "`up_to` must be a whole number and `words` a list of words"
    return None


def _count_rules(entry) -> tuple[CountRule, ...]:
    return tuple(CountRule(first=str(r["first"]), additional=str(r.get("additional") or ""),
                           up_to=int(r.get("up_to") or 0), then=str(r.get("then") or ""),
                           words=tuple(str(w) for w in r.get("words") or ())) for r in entry.get("counts") or ())


def load_topics(root: Path, problems: Problems, modifiers: set[str]) -> tuple[Topic, ...]:
    """Read `knowledge/topics.yaml`; every problem is added to `problems` as file:line: entry: field: what."""
    out = []
    for e in load_entries(root, FILE, "topics", TOPIC_SPEC, problems):
        check_modifiers_defined(f"knowledge/{FILE}", e, e["id"], ("modifiers",), modifiers, problems)
        out.append(Topic(id=e["id"], title=text(e, "title"), when=texts(e, "when"), answer=text(e, "answer"),
                         facts=texts(e, "facts"), modifiers=tuple(e.get("modifiers") or ()),
                         codes=tuple(e.get("codes") or ()), hook=str(e.get("hook") or ""),
                         example=str(e.get("example") or ""), locality=text(e, "locality"),
                         unless=texts(e, "unless"), about_codes=bool(e.get("about_codes", False)),
                         component=str(e.get("component") or ""), counts=_count_rules(e)))
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


def compose(kb: KnowledgeBase, topic: Topic, codes_named: tuple[str, ...] = (), text: str = "",
            engine: Engine | None = None) -> Answer:
    """The Answer for a topic: the direct answer first, then its facts and any numbers from loaded data.

    `codes_named` are the codes the question names (by number or in words), for a topic about them; `text`
    the question, for a count it states. "{code}" in the answer is the first code named.
    """
    from bot.replies import source_line

    call = HookCall(kb, topic, codes_named, text, engine)
    result = HOOKS[topic.hook](call) if topic.hook else HookResult()
    headline = topic.answer
    if "{code}" in headline:
        headline = headline.replace("{code}", codes_named[0] if codes_named else "this code")
    if "{data}" in headline:
        headline = headline.replace("{data}", result.sentence).strip()
    elif result.sentence:
        headline = f"{headline} {result.sentence}"
    sections: list[Section] = []
    if topic.facts:
        sections.append(Section("Key points", [], "\n".join(f"• {f}" for f in topic.facts)))
    sections.extend(result.sections)
    newest: FeeYear = kb.years[kb.newest_year]
    named = codes_named if topic.about_codes else ()
    codes = [c for c in dict.fromkeys((*result.codes, *named, *topic.codes)) if (c, "") in newest.rvus]
    source = " | ".join(source_line(kb.years[y]) for y in result.years)
    return Answer(status="answered", intent="topic", headline=headline, title=topic.title, codes=codes,
                  modifiers=list(dict.fromkeys((*result.modifiers, *topic.modifiers))),
                  year=max(result.years) if result.years else None, sections=sections, source=source)


def answer(ask: Ask, engine: Engine) -> Answer:
    """The `topic` answerer (the table row in bot.answers)."""
    return compose(engine.kb, ask.rule, tuple(ask.codes), ask.reading.text, engine)
