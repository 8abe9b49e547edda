"""The engine: question in, Answer out. Pure Python, no Slack import.

`Engine.answer` works in three stages, each once:
1. *read* (`Engine.read`): clean the question, split it into normalised words, find what it names outright
   (codes, modifiers, years, setting, place) and which intents its words signal: a `Reading`;
2. *ask* (`Engine.ask`): decide what is asked and about what (codes named by words too, keeping every
   near-tie so it can ask back): an `Ask` of one kind (see `bot.understanding.ask`);
3. *compose*: the answerer registered for that kind in `bot.answers.ANSWERERS` builds the `Answer`.
It never guesses: no code found is `not_found`, several equally likely codes is `clarify`.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from bot import replies
from bot.answer import Answer
from bot.answers import ANSWERERS, drug_dose
from bot.answers.decline import DeclineFinder, DeclineMatch
from bot.answers.drug_given import DrugGivenFinder, DrugRules
from bot.answers.exchanges import ExchangeFinder, ExchangeRules
from bot.answers.focus import shorten
from bot.answers.lengths import RepairFinder
from bot.answers.quantities import choose
from bot.answers.situations import SituationFinder
from bot.answers.sized import SizeFinder
from bot.answers.topics import TopicFinder
from bot.catalog import (
    cached,
    cached_knowledge,
    compiled,
    files_fingerprint,
    kb_fingerprint,
    merge_store,
    name_index,
    reading_key,
    save,
)
from bot.facility.db import FacilityData
from bot.facility.db import load as load_facility_data
from bot.facility.service import Facility
from bot.fees import SETTINGS, Setting
from bot.knowledge import KnowledgeBase, shipped_dir
from bot.lazylog import LazyLogger
from bot.record import Record
from bot.store import NcciTables, Store
from bot.understanding.ask import Ask
from bot.understanding.contradiction import contradiction
from bot.understanding.entities import (
    Entities,
    PlaceFinder,
    find_codes,
    find_global_periods,
    find_malformed_codes,
    find_modifiers,
    find_years,
)
from bot.understanding.intents import IntentMatcher, load_intents
from bot.understanding.procedures import Candidate, ProcedureIndex, close_calls
from bot.understanding.reading import Reading, split_stems
from bot.understanding.sides import SIDE_STEMS, Sides
from bot.understanding.sites import SiteChecker
from bot.understanding.words import Words, clean

CODE_INTENTS = ("change", "multiple_procedures", "which_code", "compare", "visit_with_procedure", "global", "payment",
                "rvu", "describe")
log = LazyLogger(__name__)
T = TypeVar("T")
COMPONENT_MODIFIERS = ("26", "TC", "53")
VISIT_ADD_ONS = ("G2211",)
POST_OP_VISIT = "99024"  # the post-operative visit inside a global period, reported for tracking only
# How rare a name's words must be, together, to count as named in a long text: about one word that names a
# single code (a share of the weight of such a word, which grows with the number of codes indexed).
MIN_SPOT_WEIGHT = 0.97
OWN_SPOT_WEIGHT = 0.25  # and the words it adds to those already explained must weigh this much
MODIFIER_INTENTS = ("modifier", "modifier_which")
SURGICAL_GLOBALS = ("000", "010", "090", "YYY", "ZZZ")  # the modifiers CMS prices as rows of their own
SPLIT_RE = re.compile(r"\s*(?:,|;|\+|\band\b|\bvs\.?|\bversus\b|\bor\b|\bplus\b|\bthen\b|&(?!\w))\s*", re.I)
# "is a D&C bundled into a hysteroscopy", "colposcopy with LEEP": the words that join the two sides of a pair
# A comma or semicolon ends a clause rather than joining two procedures ("a cardiologist reads the ECG our nurse
# ran, can we bill 93000?" is one test, not a pair), so it is not a pair's joining word.
PAIR_JOIN_RE = re.compile(r"\s*(?:\+|\band\b|\bwith\b|\binto\b|\bin\b|\bfrom\b|\bplus\b|\bvs\.?|\bversus\b|"
                          r"\bor\b|\bon top of\b|(?<!\w)&(?!\w))\s*", re.I)
MAX_NEAR = 4  # choices offered when no name is said whole (Engine._near_codes)
FULLY = 0.99  # a name that explains this share of the question's words explains all of it
MAX_SIDES = 12  # "x vs y", "a + b + c": sides read one by one; more are read as one text
# a candidate scored this much below the best still wins when its name says all the others say and more
WIDE_MARGIN = 0.15
# Patterns only some kinds of question use are strings, compiled on first use by `re`'s own cache: compiling
# every pattern at import was a tenth of a one-question `cptbot ask`.
COMPARED = (r"\b(?:compare[sd]?(?: it)? (?:to|with)|comparable to|similar to|crosswalk(?:ed)? to)\s+"
            r"(?:cpt\s*(?:code\s*)?)?(\d{4}[0-9A-Z])\b")
# the scope did not get where the planned work was, or that work was not done: the base code may apply
NOT_REACHED = (r"\b(?:reach|advance|pass|get past|get beyond|traverse)\w*"
               r"|\b(?:didn'?t|did not|never|not|nothing) (?:\w+ ){0,2}"
               r"(?:perform|performed|done|do|removed?|reached)\b")
NEGATIONS = frozenset({"no", "not", "without", "w/o", "non"})
# intents whose own answer covers a device exchange named in words (a visit with it, NCCI, a modifier, ...)
EXCHANGE_ELSEWHERE = ("compare", "change", "modifier",
                      "modifier_which", "ncci_pair", "ncci_units")
NEGATED = re.compile(r"\b(without|no|not|w/o)\b", re.I)
AFTER_WORDS = (r"\b(after|later|post ?op|during the global|in the global|within the global|"
               r"weeks?|days? later|follow[- ]?up)\b")


def keep_loaded(engine: Engine) -> Engine:
    """Move everything alive now, the loaded engine above all, out of the garbage collector's sight, for a
    process that keeps the engine to answer many questions (a server, `cptbot bench`).

    Once the full fee schedule is imported, a full collection walks the engine's tens of thousands of objects
    and the tables that hang off them: ~30 ms, landing inside whichever answer made it due (the name index's
    caches grow while the first questions are answered, and make it due). None of those objects is ever
    garbage; frozen (`gc.freeze`), they are skipped, and a full collection walks only what was made since.
    Under gunicorn --preload the workers inherit the frozen heap, which the collector then no longer touches
    page by page. Not for tests or `Engine.load` itself: what is frozen is never freed."""
    gc.collect()
    gc.freeze()
    return engine


def per_reading(step: Callable[[Engine, Reading], T]) -> Callable[[Engine, Reading], T]:
    """`step` worked out once per question: deciding the ask asks "which codes do its words name?" up to three
    times, and finding them is most of the cost of a question. Each caller gets its own copy of the lists."""
    name = step.__name__

    def once(engine: Engine, r: Reading) -> T:
        found = r.memo.get(name)
        if found is None:
            found = r.memo[name] = step(engine, r)
        if isinstance(found, tuple):
            return tuple(list(part) for part in found)  # type: ignore[return-value]
        return list(found)  # type: ignore[return-value, call-overload]

    return once


class AskContext(Record, frozen=True):
    """Who is asking and their saved defaults; all optional."""

    user_id: str | None = None
    locality: str | None = None  # a locality key "MAC-NN" saved by the person
    setting: Setting | None = None


class Engine:
    def __init__(self, kb: KnowledgeBase, intents_dir: Path | None = None, cache_dir: Path | None = None,
                 facility_data: FacilityData | None = None, knowledge_dir: Path | None = None,
                 ncci: NcciTables | None = None, store: Store | None = None, fingerprint: str = "",
                 seen: dict[str, str] | None = None):
        """`fingerprint`: `kb_fingerprint(kb)` when the caller has it (the key of every cache entry); `seen`:
        the digests `Engine.load` already worked out (`bot.catalog._once`)."""
        self.kb = kb
        self.ncci = ncci if ncci is not None else NcciTables(None, [])  # the imported NCCI edits (bot.store)
        intents_dir = intents_dir or shipped_dir("intents")
        knowledge_dir = knowledge_dir or shipped_dir("knowledge")
        key = (fingerprint or kb_fingerprint(kb)) if cache_dir is not None else ""
        # What an earlier start read from the intent files and the knowledge phrases (saved below)
        reading_at = reading_key(key, intents_dir, knowledge_dir, seen=seen) if cache_dir is not None else ""
        warm = cached(cache_dir, "reading", reading_at)
        warm = warm if isinstance(warm, dict) else {}
        self.words = Words(kb.lexicon, warm.get("tables"))
        self.intents = warm.get("intents") or load_intents(intents_dir)
        # every nameable code: the store's FTS5 name tables when a release is imported, else the curated codes
        self.index = name_index(kb, self.words, cache_dir, key, store)
        # Without an imported release, everyday names of other codes still tell us what was meant, so the
        # answer can say which code it is and that the full fee schedule needs importing.
        # the JSON caches of objects hold the engine's own classes: their key has the code in it too, so a
        # cache another version of cptbot wrote is never read as this one's
        built_key = reading_key(key, seen=seen) if cache_dir is not None else ""
        self.outside_index = None if kb.imported else compiled(
            cache_dir, "outside-index", built_key,
            lambda: ProcedureIndex(kb.common_names.values(), self.words))
        self._cache_dir, self._key = cache_dir, built_key  # for the indexes read on first use (modifier_index)
        # The hospital, ASC and anesthesia side (bot/facility): the imported facility files, our words for them.
        self.facility = Facility(kb, self.words, facility_data, knowledge_dir, cache_dir, built_key)
        self.words.recording = not warm
        self.intent_matcher = IntentMatcher(self.intents, self.words)
        self.places = PlaceFinder(kb, self.words)
        self.topic_finder = TopicFinder(kb.topics, self.words)
        self.situation_finder = SituationFinder(kb.situations, self.words)
        self.decline_finder = DeclineFinder(kb.declines, self.words)
        self.size_finder = SizeFinder(kb.lesion_sizes, self.words)
        self.repair_finder = RepairFinder(kb.repair_lengths, self.words)
        self.sides = Sides(kb.lexicon.sides, self.words.content_stems)
        self.sites = SiteChecker(kb.anatomic_sites, self.words.content_stems)
        self.drug_finder = DrugGivenFinder(kb.drug_rules or DrugRules(), self.words)
        self.dosed_finder = drug_dose.DosedFinder(self.drug_finder.rules.by_dose, self.words)
        self._plain: dict[str, tuple[tuple[str, ...], ...]] = {}  # see _plain_names
        self.exchange_finder = ExchangeFinder(kb.exchanges or ExchangeRules(), self.words)
        # endoscopy families by year (see _refine): from the cache, as reading them takes one scan of each release
        families = warm.get("families")
        self._families: dict[int, dict[str, list[str]]] = (
            {int(y): f for y, f in families.items()} if isinstance(families, dict) else {})
        self.words.recording = False
        vocabulary = set(str(warm.get("vocabulary") or "").split("\n")) - {""}  # one string: decoded at once
        if not vocabulary:
            vocabulary = (self.index.vocabulary() | self.intent_matcher.vocabulary() | self.places.vocabulary
                          | self.topic_finder.vocabulary() | self.situation_finder.vocabulary()
                          | self.decline_finder.vocabulary() | self.size_finder.vocabulary()
                          | self.repair_finder.vocabulary()
                          | self.modifier_index.vocabulary() | set(kb.lexicon.equivalents)
                          | set(kb.lexicon.equivalents.values())
                          | (self.outside_index.vocabulary() if self.outside_index else set())
                          | self.facility.vocabulary())
        self.words.learn(vocabulary)
        if cache_dir is not None and not warm:
            # Reading the intent files and tokenising a few thousand keywords and patterns took longer than
            # answering a question: the next start takes them from here (plain data; the finders are rebuilt
            # from it).
            save(cache_dir, "reading", reading_at, {
                "intents": self.intents, "tables": self.words.made_tables(),
                "vocabulary": "\n".join(sorted(vocabulary)),
                "families": {str(fy.year): self._family_members(fy) for fy in kb.years.values()}})

    @cached_property
    def modifier_index(self) -> ProcedureIndex:
        """The modifiers by the situations' words ("professional component", "assistant"), read the first time a
        question needs them: most questions name no modifier, and reading the index took 2% of a one-question
        `cptbot ask`."""
        return compiled(self._cache_dir, "modifier-index", self._key,
                        lambda: ProcedureIndex([_modifier_entry(m) for m in self.kb.modifiers.values()], self.words))

    @classmethod
    def load(cls, knowledge_dir: Path | None = None, intents_dir: Path | None = None,
             data_dir: Path | None = None) -> Engine:
        """The engine over the shipped knowledge base and the releases imported into the data directory.

        Raises KnowledgeError when the knowledge base is invalid. A data directory that cannot be read
        is not fatal: the bot answers from the shipped knowledge base and logs why.
        """
        from bot.store import default_data_dir, load_store

        data_dir = data_dir or default_data_dir()
        cache_dir = data_dir / "cache"
        knowledge_dir = knowledge_dir or shipped_dir("knowledge")
        seen: dict[str, str] = {}
        kb, words = cached_knowledge(cache_dir, knowledge_dir, files_fingerprint(knowledge_dir, seen=seen))
        try:
            store = load_store(data_dir)
        except Exception as exc:  # a damaged store must not stop the bot; the shipped data still answers
            log.warning("imported fee schedule in %s not loaded: %s", data_dir, exc)
            store = None
        kb = merge_store(kb, store)
        return cls(kb, intents_dir, cache_dir=cache_dir, facility_data=load_facility_data(data_dir),
                   knowledge_dir=knowledge_dir, ncci=store.ncci if store is not None else None, store=store,
                   fingerprint=kb_fingerprint(kb, words), seen=seen)

    def releases(self) -> list[str]:
        """One line per loaded fee schedule year, newest first (for help and the Slack Home tab)."""
        return [replies.source_line(self.kb.years[y]) for y in sorted(self.kb.years, reverse=True)]

    # --- reading ------------------------------------------------------------------------------------

    def read(self, question: str) -> Reading:
        cleaned = clean(question)
        text = cleaned.text
        tokens = self.words.tokens(text)
        ent = Entities()
        ent.codes, ent.code_modifiers = find_codes(text)
        ent.modifiers, ent.unknown_modifiers = find_modifiers(text, set(self.kb.modifiers), ent.code_modifiers)
        ent.years = find_years(text, self.kb.lexicon.relative_years, self.kb.newest_year)
        ent.global_periods = find_global_periods(text)
        ent.malformed_codes = find_malformed_codes(text)
        self.places.find(tokens, text, ent)
        self.places.find_zip(text, ent, self.kb.known_code)
        mods_lower = {m.lower() for m in ent.modifiers + ent.unknown_modifiers}
        for i, t in enumerate(tokens):
            if t.word.isdigit() or t.word in mods_lower or t.word.upper() in ent.codes:
                ent.positions.add(i)
        return Reading(text=text, truncated=cleaned.truncated, tokens=tokens, entities=ent,
                       intents=self.intent_matcher.match(tokens), marked=self.words.marked_stems(tokens))

    def find_procedures(self, reading: Reading, text: str | None = None) -> list[Candidate]:
        """Codes named by the words of the question, or of `text` (one side of "X and Y")."""
        if text is None:
            return self._searched(reading)
        tokens = self.words.tokens(text)
        skip = {i for i, t in enumerate(tokens) if t.word.isdigit()}
        for m in self.intent_matcher.match(tokens):
            skip |= m.positions
        stems, content = split_stems(tokens, skip, self.words.marked_stems(tokens))
        return self._same_site(stems, self.index.search(stems, content))

    def _same_site(self, stems: set[str], cands: list[T], index=None) -> list[T]:
        """`cands` (candidates or spots) without the codes whose names name another anatomic site of a kind
        the question's words `stems` name, and not theirs ("colposcopy of the vulva" is not the cervix's
        colposcopy; see bot.understanding.sites). Costs nothing when the question names no site."""
        asked = self.sites.sites(stems)
        if not asked:
            return cands
        names = (index or self.index).aliases_of
        return [c for c in cands if not self.sites.conflict(asked, self.sites.code_sites(c.code, names))]


    # --- answering: read -> ask -> compose ----------------------------------------------------------

    def answer(self, question: str, context: AskContext | None = None) -> Answer:
        """The Answer to one question: read it once, decide the ask, let that kind's answerer compose."""
        context = context or AskContext()
        reading = self.read(question if isinstance(question, str) else "")
        decline = self.decline_finder.find(reading.tokens, reading.text, bool(reading.entities.codes))
        if decline is not None and decline.partial:
            # "which CPT and ICD-10 codes ...": the CPT part is answered, a note declines the diagnosis part
            reading.intents = [m for m in reading.intents if m.name != "out_of_scope"]
        ask = self.ask(reading, context, decline)
        ans = ANSWERERS[ask.kind](ask, self)
        if decline is not None and decline.partial:
            ans.notes.append(decline.decline.note)
        ans = self.facility.finish(ans, ask, self)
        if ask.notes:  # said first: the figures below are not of the year asked
            ans.headline = " ".join([*ask.notes, ans.headline])
        if reading.truncated:
            ans.notes.append(f"Your message was long: I read only its first {2000:,} characters.")
        asked = {t.stem.removeprefix("not_") for t in reading.tokens if not t.stop}
        return shorten(ans, asked, lambda text: {s.removeprefix("not_") for s in self.words.content_stems(text)})

    def ask(self, r: Reading, ctx: AskContext, decline: DeclineMatch | None = None) -> Ask:
        """What the question asks and about what. The order of the checks is the precedence of the kinds.

        `decline`: a subject from knowledge/declines.yaml found in the question (a patient's bill, prior
        authorization, ...); unless it is only part of a CPT question, it is the answer, without a card.
        """
        kb, ent = self.kb, r.entities
        year = self._year(r)
        fy = kb.years[year]
        years_known = [y for y in ent.years if y in kb.years]
        years_unknown = [y for y in ent.years if y not in kb.years and 1990 <= y <= 2100]

        notes: list[str] = []

        def make(kind: str, **fields) -> Ask:
            return Ask(kind=kind, reading=r, fy=fy, years=years_known, notes=notes, **fields)

        if not r.text or not any(ch.isalnum() for t in r.tokens for ch in t.word):
            return make("help")
        if ent.zip_unknown and not ent.localities:
            return make("not_found", problem="zip", subject=ent.zip_code or "")
        if ent.place_choices and not ent.localities:
            return make("clarify_place")
        known_codes = [c for c in ent.codes if replies.row_of(fy, c) is not None or c in kb.codes]
        unknown_codes = [c for c in ent.codes if c not in known_codes]

        if decline is not None and not decline.partial:
            return make("decline", rule=decline.decline)
        if r.has("set_preference") and not known_codes:
            return make("remember")
        pair_codes = list(ent.codes)
        if r.has("ncci_pair") and len(pair_codes) < 2 and not r.has("visit_with_procedure"):
            # "is a D&C bundled into a hysteroscopy", "can I bill colposcopy with 57461": each side by its words.
            # (Not when one side is a visit: "a knee injection (20610) ... can we bill an E/M too?" is about the
            # visit, and the words beside the number only describe that procedure again.)
            pair_codes += [c for c in self._pair_by_words(r) if c not in pair_codes]
        ncci_kind = _ncci_kind(r, pair_codes)  # NCCI pairs and units, before a DOS year is read as a year
        if ncci_kind is not None:
            return make(ncci_kind, codes=pair_codes, modifiers=[m for m in ent.modifiers if m in kb.modifiers])
        if years_unknown and not years_known:
            if not known_codes:
                return make("not_found", problem="year", subject=str(years_unknown[0]))
            # "2018 fee schedule for 99253": the code is still answered, from the newest year, saying so
            notes.append(f"I don't have the CY{years_unknown[0]} fee schedule (I have "
                         + ", ".join(f"CY{y}" for y in sorted(kb.years)) + f"), so this is CY{year}:")
        facility_ask = self.facility.ask(self, r, make)  # hospital, ASC, the places side by side, anesthesia
        if facility_ask is not None:
            return facility_ask
        sized = self.size_finder.find(r.tokens, r.text)
        if sized is not None and not (known_codes and (r.has("rvu") or r.has("payment"))):
            # "shaved a 1.1 cm nevus off her back": the site and size choose the code; "... and an intermediate
            # repair of 2.5 cm": the repair is coded beside it
            repair = self.repair_finder.find(r.tokens, r.text) if not known_codes else None
            beside = self._beside_sized(r, fy, sized) if not known_codes else []
            return make("sized", rule=sized, codes=known_codes, unknown_codes=unknown_codes,
                        repair=repair if repair is not None and repair.one_code() else None, beside=beside)
        repair = self.repair_finder.find(r.tokens, r.text) if not known_codes else None
        if repair is not None and (r.has("rvu") or r.has("payment")) and repair.one_code():
            known_codes = [repair.one_code()]  # "wrvu for a simple repair of a 2 cm scalp laceration"
        elif repair is not None:
            # "simple repair of 2 cm and 3 cm lacerations of the arm": one code for the site group's total
            return make("repair", rule=repair)
        # A side said ("bilateral breast MRI with contrast") is read before the rules (the both-sides code, not
        # the one-side code with 50); with no side said, only a question no rule answers is weighed for one
        # (naming its procedure costs a search most rule questions never need)
        side_said = not ent.codes and self.sides.said(r.text) is not None
        sided = self._sided(r, fy) if side_said else None
        ruled = self._rule_ask(r, make, known_codes, unknown_codes, fy, ctx) if sided is None else None
        if ruled is not None:
            return ruled
        if sided is None and not ent.codes and not side_said:
            sided = self._sided(r, fy)
        if sided is not None:
            notes.append(sided[1])
        if sided is not None and len(sided[0]) > 1:
            # "MRI of both breasts": both sides have their own code, and the contrast is not said: ask which
            return make("clarify", candidates=sided[0])
        if r.has("conversion_factor") and not known_codes:
            return make("conversion_factor")
        if ent.malformed_codes and not ent.codes:
            return make("not_found", problem="malformed_code", subject=ent.malformed_codes[0])
        if not ent.codes and ent.global_periods and (r.has("global") or len(r.tokens) <= 3):
            return make("global_meaning")  # "what does MMM global mean"
        if not ent.codes and r.has("out_of_scope") and not self._names_out_of_scope_words(r):
            # "icd10 for hpv", "ms-drg for a hysterectomy": the subject is not CPT coding, even where its
            # words would also name a procedure (unless a code's name holds those very words: "low dose CT").
            return make("decline")
        dosed = self.dosed_finder.find(r) if not ent.codes else None
        if dosed is not None:  # "depo medrol 40 mg": the drug's code by its dose, before names that look alike
            # a procedure named beside it ("knee joint injection with depo medrol 40 mg") is billed with it
            others = self._procedures_beside(r, fy, dosed.names)
            route = self.drug_finder.route(r, dosed.codes[0].code) if not others else None
            return make("drug_dose", rule=drug_dose.match(dosed, r, route), codes=others)
        exchanged = self._exchange_ask(r, make, fy, ctx) if not ent.codes and sided is None else None
        if exchanged is not None:
            return exchanged
        codes: list[str] = list(known_codes) + (sided[0] if sided is not None else [])
        if codes and sided is None and any(r.has(i) for i in ("visit_with_procedure", "multiple_procedures",
                                                              "compare", "which_code")):
            # "can I bill 99213 with an EMB same day": one code by number, another by name.
            named, _, _ = self._codes_by_words(r)
            codes += [c for c in named if c not in codes and replies.row_of(fy, c) is not None]
        beside = self._procedure_beside_visit(r, fy, codes) if codes and not unknown_codes else None
        if beside is not None:  # "I and D with a 99213": the procedure in words, the visit by number
            procedure, alternatives = beside
            return make("visit_with_procedure", codes=[procedure, *codes], candidates=alternatives,
                        intent="visit_with_procedure", settings=self._settings(ent, ctx),
                        modifiers=[m for m in ent.modifiers if m in kb.modifiers],
                        after=bool(re.search(AFTER_WORDS, r.text, re.I)))
        if codes and sided is None and not (repair is not None and codes == [repair.one_code()]):
            # "what is CPT code 20610 for SI joint injection": words naming another procedure outright
            codes += [c for c in self._spotted(r) if c not in codes]
        if r.has("modifier_which") and not ent.codes and sided is None and not ent.modifiers and not (
                r.has("payment") and len(self._codes_by_words(r)[0]) == 1):
            # "which modifier when the patient returns to the OR": the situation's words can also fit a
            # procedure's name, but the person asked for a modifier, so the modifiers are searched first.
            # ("assistant surgeon on a total hip, what modifier and how much does it pay?" names its procedure
            # and asks what it pays: the amount with the modifier answers both.)
            mod_ask = self._modifier_ask(r, make)
            if mod_ask is not None:
                return mod_ask
        if not codes and not unknown_codes:
            codes, found, ambiguous = self._codes_by_words(r)
            outside = self._outside_fits_better(r, codes, found, ambiguous)
            if outside is not None:  # "vaginal biopsy": not the curated colposcopy with a vaginal biopsy
                return make("not_found", problem="outside_code", subject=outside)
            counted = choose(kb.quantities, [c.code for c in ambiguous] or codes, r.text, _said(r))
            if counted is None and len(ambiguous) > 1:
                # "knee x-ray 4 views": chest and abdomen x-rays that say "views" were offered beside the knee
                # ones; the best-scored names alone decide the family
                best = close_calls(sorted(ambiguous, key=lambda c: -c.score))
                counted = choose(kb.quantities, [c.code for c in best], r.text, _said(r)) \
                    if len(best) < len(ambiguous) else None
            if counted is not None and counted.band is not None and not counted.more_units:
                # "trigger point injections in 3 muscles": the count or time stated picks the family member
                codes, ambiguous = [counted.band.code], []
                unit = counted.family.counted.split()[0]  # "minutes" of "minutes of total time ..."
                notes.append(f"{counted.amount} {counted.family.counted}: {counted.band.code} "
                             f"({counted.band.said(unit)}).")
            elif counted is not None and not (r.has("rvu") or r.has("payment")):
                return make("quantity", rule=counted)  # add-on units past the last band, or no band fits
            if ambiguous:
                return make("clarify", candidates=[c.code for c in ambiguous])
        missing_in_year = [c for c in codes if replies.row_of(fy, c) is None]
        codes = [c for c in codes if c not in missing_in_year]
        if missing_in_year and not codes and not r.has("change"):
            return make("not_found", problem="not_in_year", subject=missing_in_year[0])
        settings = self._settings(ent, ctx)
        localities = list(ent.localities)
        if not localities and ctx.locality:
            saved = self.places.by_key.get(ctx.locality)
            localities = [saved] if saved else []
        localities = [next((loc for loc in fy.localities if loc.key == x.key), x) for x in localities]

        if unknown_codes and not codes:
            return make("not_found", problem="unknown_codes", unknown_codes=unknown_codes)
        given = self.drug_finder.find(r, codes) if codes else None
        if given is None and len(codes) == 1 and not ent.codes and self.drug_finder.rules.is_drug(codes[0]):
            # "kenalog injection in the knee joint": the procedure the drug was given by, said beside its name
            given_words = set(self.drug_finder.rules.given)  # "kenalog injection": "injection" may be the joint's
            names = [" ".join(w for w in n.split() if w.lower() not in given_words)
                     for n in (kb.common_names[codes[0]].synonyms if codes[0] in kb.common_names else ())]
            procedures = self._procedures_beside(r, fy, [n for n in names if n])
            if len(procedures) == 1:
                codes = [procedures[0], codes[0]]
        if given is not None:  # "b12 shot": the drug's code and the administration's
            what = next((i for i in ("payment", "rvu", "global") if r.has(i)), "describe")
            return make("drug_given", rule=given, what=what, codes=[given[0], given[1].code], settings=settings,
                        localities=localities, modifiers=[m for m in ent.modifiers if m in kb.modifiers])
        if codes == ent.codes and len(codes) == 1:
            ruled_out = contradiction(codes[0], r.content_words(), self.index, self.words)
            if ruled_out is not None:  # "fee for 20610 with ultrasound guidance": 20611 is the one with it
                return make("clarify", candidates=[ruled_out.instead, codes[0]], subject=ruled_out.word,
                            problem="contradicts_excluded" if ruled_out.excluded else "contradicts")
        if codes:
            return self._code_ask(r, make, codes, settings, localities, unknown_codes)

        if ent.modifiers or ent.unknown_modifiers or r.has("modifier") or r.has("modifier_which"):
            mod_ask = self._modifier_ask(r, make)
            if mod_ask is not None:
                return mod_ask
        if r.has("help") and len([t for t in r.tokens if not t.stop]) <= 6:
            return make("help")
        near = self._near_codes(r) if not self._outside_said_whole(r) else []
        if near:  # no name said whole, but a few explain most of the question: ask which, never guess
            return make("clarify", candidates=near, problem="partial")
        outside = self._outside_code(r)
        if outside is not None:
            return make("not_found", problem="outside_code", subject=outside)
        coding = [m.name for m in r.intents if m.name in ("rvu", "payment", "global", "modifier", "compare",
                                                          "multiple_procedures", "change", "coding")]
        # words of procedures ("biopsy of the vulva") with no curated code found: not found (with how to import
        # the full schedule), not "not something I do". An imported release's names hold everyday words too
        # ("night", "game"), so there the words alone do not make a question one of coding.
        procedure_words = not self.kb.imported and any(self.index.knows(s) for s in r.stems()[1])
        if coding or procedure_words:
            words = " ".join(t.surface for i, t in enumerate(r.tokens)
                             if not t.stop and not any(i in m.positions for m in r.intents)
                             and i not in ent.positions)
            return make("not_found", problem="no_code", subject=words)
        if r.has("help"):
            return make("help")
        return make("decline")

    def _rule_ask(self, r: Reading, make: Callable[..., Ask], known_codes: list[str], unknown_codes: list[str],
                  fy, ctx: AskContext) -> Ask | None:
        """A rule topic ("new or established?") or a situation that implies a modifier ("it was stopped").

        The most specific pattern wins (knowledge/topics.yaml, situations.yaml); a question asking which
        modifier favours situations by one word's worth, and on a tie a situation wins when the question
        is about a modifier. Topics are general, so a code named by number leaves them out; a situation
        uses the codes named, by number or by words.
        """
        # a named global indicator ("what does XXX mean") is answered by global_meaning, not a topic
        general = not (r.entities.global_periods and r.has("global"))
        topics = self.topic_finder.find(r.tokens) if general else []
        # a code named by number leaves out every topic but one about that very code ("what does 99211 need")
        # or about whatever code is named ("how often can 92060 be billed"), unless a value is asked
        value_asked = r.has("rvu") or r.has("payment")
        topics = [(s, t) for s, t in topics if not (value_asked and known_codes)
                  and (set(known_codes) <= set(t.codes) or t.about_codes)]
        if topics and not known_codes and any(r.has(i) for i in ("rvu", "payment", "which_code", "global")) \
                and not (topics[0][1].about_codes and not value_asked):
            named = self._codes_by_words(r)[0]
            # "LEEP payment office vs facility", "how do I report this shave": a code named in words; "the
            # global period on a cataract surgery" too, when it names a surgery (a visit's global is a rule)
            if named and (any(r.has(i) for i in ("rvu", "payment", "which_code"))
                          or all(_is_procedure(fy, c) for c in named)):
                topics = []
        if topics and not known_codes and not topics[0][1].about_codes:
            named, _, near = self._codes_by_words(r)
            counted = choose(self.kb.quantities, [c.code for c in near] or named, r.text, _said(r))
            if counted is not None and counted.band is not None and not counted.more_units:
                topics = []  # "what level is a 25 minute established office visit": the time stated picks it
        found = self.situation_finder.find(r.tokens)
        if not topics and not found:
            return None
        topic_score = topics[0][0] if topics else 0
        about_modifier = bool(r.entities.modifiers) or r.has("modifier") or r.has("modifier_which")
        for score, situation in found[:1]:
            # "which modifier ...", or "52 or 53?" when the situation decides between them, favours it
            score += r.has("modifier_which") or any(m in situation.modifiers for m in r.entities.modifiers)
            # a question that asks for a modifier is answered by the situation it describes, whatever general
            # topic its other words touch ("planned second stage ... during the 90 day global - modifier?")
            if not about_modifier and score <= topic_score:
                break
            codes = [c for c in self._situation_codes(r, known_codes, unknown_codes, fy, situation)
                     if c not in situation.not_codes]
            planned = fy.rvus.get((codes[1], "")) if len(codes) > 1 and codes[1] not in known_codes else None
            base_note = (f"When the part planned through the scope ({codes[1]}) was not done, report {codes[0]}, the "
                         f"base procedure of its scope family, with 53; when it was done, {codes[1]} with 53.") \
                if planned is not None and planned.endo_base == codes[0] else ""
            if situation.defer_to_code and any(_is_procedure(fy, c) for c in codes):
                return None  # "E/M same day as 58558": the code's global period decides (visit_with_procedure)
            if situation.pricing and codes and r.has("payment"):
                return None  # "how much does the assistant get on 58571": the amount with the modifier leads
            ask = make("situation", rule=situation, codes=[c for c in codes if (c, "") in fy.rvus],
                       unknown_codes=[c for c in codes if (c, "") not in fy.rvus] + unknown_codes,
                       modifiers=list(r.entities.modifiers), settings=self._settings(r.entities, ctx))
            if base_note:
                ask.notes.append(base_note)  # said first, before "Use 53 ..."
            return ask
        if topics:
            topic = topics[0][1]
            if not topic.about_codes:
                return make("topic", rule=topic)
            named = list(dict.fromkeys([*known_codes, *self._spotted(r)]))
            if not named and not unknown_codes:
                found, _, ambiguous = self._codes_by_words(r)
                # near-ties are the parts of one test as often as not ("EKG read" or "EKG"): the hook decides
                named = [c for c in found or [a.code for a in ambiguous[:3]] if replies.row_of(fy, c) is not None]
            return make("topic", rule=topic, codes=named, unknown_codes=unknown_codes)
        return None

    def _exchange_ask(self, r: Reading, make: Callable[..., Ask], fy, ctx: AskContext) -> Ask | None:
        """A device taken out and a new one put in ("IUD removal and reinsertion"): the code(s) to report, asked
        back when several combined codes fit, said to be outside the curated set without the import. None when
        the question is not that, or names other procedures too (the narrative reading then takes them all)."""
        if any(r.has(i) for i in EXCHANGE_ELSEWHERE):
            return None
        device = self.exchange_finder.find(r)
        if device is None:
            return None
        own = {device.removal, device.insertion, *device.combined}
        spotted = self._spotted(r)
        if len(spotted) > 1 and any(c not in own for c in spotted):
            return None  # "removed the IUD, did a colposcopy with biopsy and inserted a new IUD"
        codes = device.codes
        if any(replies.row_of(fy, c) is None for c in codes):
            return make("not_found", problem="outside_code",
                        subject=(" or " if device.combined else " and ").join(codes))
        if len(codes) > 1 and device.combined:
            return make("clarify", candidates=codes)
        what = next((i for i in ("payment", "rvu", "global") if r.has(i)), "describe")
        return make("exchange", rule=device, what=what, codes=codes, settings=self._settings(r.entities, ctx),
                    localities=list(r.entities.localities))

    def _situation_codes(self, r: Reading, known_codes: list[str], unknown_codes: list[str], fy,
                         situation) -> list[str]:
        """The codes a situation is about: named by number, and the procedures a narrative names in words
        ("colposcopy and a single biopsy ... compare to CPT 57720": 57455 first, the code compared to last).
        For a discontinued endoscopy whose therapeutic part was not done, the family's base code leads
        ("colonoscopy to remove a foreign body ... could not reach the cecum": 45378 with 53)."""
        compared = {m.group(1).upper() for m in re.finditer(COMPARED, r.text, re.I)}
        codes = [c for c in known_codes if c not in compared]
        if not unknown_codes or known_codes:
            by_words = self._codes_by_words(r)[0] if not known_codes else []
            named = self._refine(r, self._spotted(r)) if known_codes or not by_words else by_words
            codes += [c for c in named if c not in codes and replies.row_of(fy, c) is not None]
        codes += [c for c in known_codes if c in compared and c not in codes]
        if "53" in situation.modifiers[:1] and codes and not known_codes and re.search(NOT_REACHED, r.text, re.I):
            row = fy.rvus.get((codes[0], ""))
            if row is not None and row.endo_base and row.endo_base != codes[0] and (row.endo_base, "") in fy.rvus:
                codes = [row.endo_base, *codes]
        return codes

    def _code_ask(self, r: Reading, make: Callable[..., Ask], codes: list[str], settings, localities,
                  unknown_codes: list[str]) -> Ask:
        """The ask about codes the question names: which kind fits the intents and the codes found."""
        kb, ent = self.kb, r.entities
        fy = kb.years[self._year(r)]
        intent = next((m.name for m in r.intents if m.name in CODE_INTENTS and self._fits(m.name, r, codes)),
                      "describe")
        if "51" in ent.modifiers and sum(_is_procedure(fy, c) for c in codes) > 1:
            intent = "multiple_procedures"  # "do I need 51 on 58100 if done with 58558": the reduction rules
        if len(codes) == 1 and len({y for y in ent.years if y in kb.years}) >= 2 and intent in ("describe", "rvu"):
            intent = "change"  # "57520 2025 vs 2026"
        values = {m.name for m in r.intents if m.name in ("rvu", "payment", "global")}
        several_values = intent in values and len(values) > 1 and not (ent.localities or ent.state)
        if several_values:
            intent = "describe"  # "rvu and global for 57522": the key numbers hold every value asked
        kind = {"multiple_procedures": "several"}.get(intent, intent)
        what, asked = "", "values" if several_values else intent
        if intent == "describe" and (ent.localities or ent.state):
            intent = "payment"  # "99213 in manhattan": a place is asked about for its amounts
        if intent == "which_code":
            intent = "describe"
        if intent in ("rvu", "payment", "global", "describe"):
            kind, what = ("codes" if len(codes) > 1 else "value"), intent
        if kind == "visit_with_procedure":
            procedure = next(c for c in codes if _is_procedure(fy, c))
            codes = [procedure, *(c for c in codes if c != procedure)]
        ask = make(kind, what=what, intent=asked, codes=codes, settings=settings, localities=localities,
                   unknown_codes=unknown_codes, modifiers=[m for m in ent.modifiers if m in kb.modifiers])
        if kind == "value":
            ask.component = self._component(r, codes[0], fy)
            if ent.state and not localities:
                state_locs = self.places.by_state.get(ent.state, [])
                ask.state_localities = [loc for loc in fy.localities if loc.state == ent.state] or state_locs
        if kind == "visit_with_procedure":
            ask.after = bool(re.search(AFTER_WORDS, r.text, re.I))
        if kind == "change":
            ask.span = tuple(y for y in self._change_years(r) if y is not None)
        return ask

    def _modifier_ask(self, r: Reading, make: Callable[..., Ask]) -> Ask | None:
        """Named modifiers, an unknown one, or the modifiers a described situation fits; None if none."""
        ent = r.entities
        if ent.modifiers:
            return make("modifier", modifiers=list(ent.modifiers))
        if ent.unknown_modifiers:
            return make("not_found", problem="unknown_modifier", subject=", ".join(ent.unknown_modifiers))
        cands = self.modifier_index.search(*r.stems(lambda intent: intent in MODIFIER_INTENTS))
        if not cands:
            return None
        return make("modifier", modifier_choices=[c.code for c in close_calls(cands)[:3]])

    def _key_word(self, r: Reading) -> str | None:
        """The question's rarest word that some code's name uses (the word that most tells the procedure
        apart), when it has at least two such words; else None."""
        known = [s for s in r.stems()[1] if self.index.knows(s)]
        if len(known) < 2:
            return None
        return max(known, key=lambda s: (self.index.weight(s), s))

    def _key_word_choices(self, r: Reading, best: list[Candidate], cands: list[Candidate]) -> list[Candidate]:
        """Codes to offer beside `best` when none of `best` names the question's rarest word that some code
        name uses (the word that most tells the procedure apart): the candidates that do name it. [] when
        `best` names it, or no code does."""
        key = self._key_word(r)
        if key is None or any(key in self.words.content_stems(c.alias) for c in best):
            return []
        pool = cands if any(key in self.words.content_stems(c.alias) for c in cands) else \
            self._searched(r, loose=True)
        fy = self.kb.years[self._year(r)]
        return [c for c in pool if key in self.words.content_stems(c.alias) and replies.row_of(fy, c.code) is not None]

    def _searched(self, r: Reading, loose: bool = False) -> list[Candidate]:
        """The name index searched with the question's words, once per question for each mode: deciding the
        ask consults it from several steps (the codes named, the rarest word's codes, the near codes)."""
        key = "search:loose" if loose else "search"
        found = r.memo.get(key)
        if found is None:
            every = self.index.search(*r.stems(), loose=loose)
            found = r.memo[key] = self._same_site(r.stems()[0], every)
            if len(found) < len(every):
                r.memo[key + ":other sites"] = True  # see _fuller_than
        return list(found)  # type: ignore[call-overload]

    def _names_out_of_scope_words(self, r: Reading) -> bool:
        """Whether one code's name explains the whole question, the words that sounded out of scope included
        ("low dose CT for lung cancer screening" is a procedure, not a drug dose)."""
        words = {r.tokens[i].stem for m in r.intents if m.name == "out_of_scope" for i in m.positions}
        best = next(iter(self.index.search(*r.stems(lambda intent: intent != "out_of_scope"))), None)
        return (best is not None and best.explains >= 0.9
                and words <= set(self.words.content_stems(best.alias)))

    def _near_codes(self, r: Reading) -> list[str]:
        """The codes whose names the question says only in part but which explain most of its words
        ("removal of a full arm cast": CMS names removal or bivalving of a full arm or leg cast), best
        first; [] when none does."""
        fy = self.kb.years[self._year(r)]
        if len(r.stems()[1]) < 2:
            return []
        loose = [c for c in self._searched(r, loose=True) if replies.row_of(fy, c.code) is not None]
        loose.sort(key=lambda c: (-c.explains, -c.score, c.code))
        return [c.code for c in loose[:MAX_NEAR]]

    @per_reading
    def _codes_by_words(self, r: Reading) -> tuple[list[str], list[Candidate], list[Candidate]]:
        """Codes named by words: (codes, candidates, ambiguous candidates to ask about)."""
        spotted = self._spotted(r)
        if len(spotted) > 1:
            return self._refine(r, spotted), [], []  # "how should I code ... removes the IUD and inserts a new one"
        multi = r.has("compare") or r.has("multiple_procedures") or r.has("which_code")
        if multi:
            parts = [p for p in SPLIT_RE.split(r.text) if p and p.strip()]
            # Each side is read again (and may borrow the other sides' words): a bounded number of sides
            # keeps a long "x vs y vs z ..." message linear; more sides than that are read as one text.
            if 1 < len(parts) <= MAX_SIDES:
                found: list[str] = []
                fy = self.kb.years[self._year(r)]
                for i, part in enumerate(parts):
                    cands = self.find_procedures(r, part)
                    top = close_calls(cands)
                    chosen = _pick(top)
                    if chosen is None:
                        # "lap vs open rfa liver": the short side shares the other side's words after its first
                        borrowed = " ".join(w for j, p in enumerate(parts) if j != i for w in p.split()[1:])
                        retry = close_calls(self.find_procedures(r, f"{part} {borrowed}")) if borrowed else []
                        chosen = _pick(retry) if retry else None
                    if chosen is None and top and r.has("visit_with_procedure") and not any(
                            _is_procedure(fy, c.code) for c in top):
                        continue  # "new pt visit and EMB same day": the visit side names no procedure
                    if chosen is None and top:
                        return [], cands, top
                    if chosen is not None and chosen.code not in found:
                        found.append(chosen.code)
                if len(found) > 1 or (found and r.has("visit_with_procedure")):
                    return self._refine(r, found), [], []
        cands = self.find_procedures(r)
        if not cands:
            return [], [], []
        top = close_calls(cands)
        close = [*top, *(c for c in cands[len(top):] if c.score >= cands[0].score - WIDE_MARGIN)]
        chosen = self._explains_most(r, close) or _pick(top)
        key = self._key_word(r)
        if chosen is None and key is not None:
            # near ties: the one name that says the question's rarest word explains it best ("I&D of a bartholin
            # abscess" is not any abscess); several that say it are asked about first
            naming = [c for c in top if key in self.words.content_stems(c.alias)]
            if len(naming) == 1:
                # one a little less scored that says as much is as likely ("vulvar lesion destruction": simple or
                # extensive)
                said = self._said(r, close)
                naming += [c for c in close if c not in top and key in self.words.content_stems(c.alias)
                           and said[c.code] >= said[naming[0].code]]
            if len(naming) == 1:
                chosen = naming[0]
            top = naming + [c for c in top if c not in naming]
        richer = self._richer(r, chosen, close) if chosen is not None else []
        if richer:  # several name more of the question than the best scored: ask which, with it
            return [], cands, [*richer, chosen][:MAX_NEAR]
        fuller = self._fuller_than(r, chosen) if chosen is not None else []
        if fuller:
            return [], cands, fuller
        others = self._key_word_choices(r, top if chosen is None else [chosen], cands)
        if others:  # "heel x-ray two views": chest and shoulder x-rays say "two views", not "heel"
            return [], cands, list({c.code: c for c in [*others[:2], *top]}.values())[:MAX_NEAR]
        if chosen is None:
            refined = self._refine(r, [c.code for c in top])  # "colposcope ... took one biopsy": 57455
            return (refined, cands, []) if len(refined) == 1 else ([], cands, top)
        return self._refine(r, [chosen.code]), cands, []

    def _explains_most(self, r: Reading, top: list[Candidate]) -> Candidate | None:
        """Among close candidates, the one name that says all that each other one says of the question and
        more ("removed the nexplanon and inserted a new one": removal with insertion, not either alone; "knee
        injection under ultrasound": the ultrasound-guided one, though its longer name scores a little less)."""
        if len(top) < 2:
            return None
        said = self._said(r, top)
        best = max(top, key=lambda c: len(said[c.code]))
        if all(said[c.code] < said[best.code] for c in top if c.code != best.code):
            return best
        return None

    def _said(self, r: Reading, cands: list[Candidate]) -> dict[str, set[str]]:
        """Of each candidate, the most of the question's words one of its names says."""
        asked = r.stems()[1]
        return {c.code: max((asked.intersection(stems) for stems in self._plain_names(c.code)), key=len,
                            default=set()) for c in cands}

    def _fuller_than(self, r: Reading, chosen: Candidate) -> list[Candidate]:
        """When codes of other anatomic sites were set aside (bot.understanding.sites) and the one left explains
        the question only in part, the names that explain all of it, to ask among (or to count among): "lumbar
        spine x-ray 2 views" left alone with the spine's one-view x-ray once the thoracic spine's is set aside
        is asked between the lumbar spine's x-rays, which the number of views then chooses. [] otherwise."""
        if chosen.explains >= FULLY or not r.memo.get("search:other sites"):
            return []
        fy = self.kb.years[self._year(r)]
        loose = [c for c in self._searched(r, loose=True) if replies.row_of(fy, c.code) is not None]
        fullest = [c for c in loose if c.explains >= FULLY]
        return [] if any(c.code == chosen.code for c in fullest) else fullest[:MAX_NEAR]

    def _richer(self, r: Reading, chosen: Candidate, close: list[Candidate]) -> list[Candidate]:
        """The close candidates whose names say all the chosen one's name says of the question and more: the
        chosen one scored best only for its shorter name ("destruction of vaginal lesions": the dental "lesion
        destruction" leaves out the vagina that the vaginal destructions name)."""
        if len(close) < 2:
            return []
        said = self._said(r, close)
        return [c for c in close if c.code != chosen.code and said[chosen.code] < said[c.code]]

    def name_stems(self, code: str) -> set[str]:
        """Every content stem of `code`'s names (those that exclude nothing): the words a question spends on
        naming the code, so that what else it says can be read apart ("bilateral total knee replacement
        payment": "bilateral" is all that is left)."""
        return set().union(*self._plain_names(code))

    def _plain_names(self, code: str) -> tuple[tuple[str, ...], ...]:
        """The content stems of each name of `code` that excludes nothing (not "colposcopy without biopsy"),
        in the index's order. Kept per code: close candidates are weighed by their names on many questions."""
        found = self._plain.get(code)
        if found is None:
            found = tuple(self.words.content_stems(a) for a in self.index.aliases_of(code) if not NEGATED.search(a))
            if len(self._plain) < 100_000:
                self._plain[code] = found
        return found

    def _family_members(self, fy) -> dict[str, list[str]]:
        """Endoscopy families of a year: base code -> the codes whose RVU row names it as their base."""
        key = fy.year
        if key not in self._families:
            members: dict[str, list[str]] = {}
            where_set = getattr(fy.rvus, "where_set", None)  # an imported release: one query, not 19,000 rows
            rows = where_set("endo_base") if where_set is not None else (
                (code, mod, row.endo_base) for (code, mod), row in fy.rvus.items() if row is not None)
            for code, mod, base in rows:
                if not mod and base and base != code:
                    members.setdefault(base, []).append(code)
            self._families[key] = members
        return self._families[key]

    def _refine(self, r: Reading, codes: list[str]) -> list[str]:
        """The codes a narrative names, each family's member chosen (`_refine_members`), without the part of a
        test whose complete code is named too ("stress test, supervision and interpretation": 93015 holds the
        interpretation, 93018 is not billed beside it)."""
        out = self._refine_members(r, codes)
        if r.has("compare") or len(out) < 2:
            return out
        from bot.answers.topics import test_parts

        fy = self.kb.years[self._year(r)]
        parts = {p for c in out for p in test_parts(fy, c)}
        return [c for c in out if c not in parts]

    def _refine_members(self, r: Reading, codes: list[str]) -> list[str]:
        """A family's base code named ("colposcopy") becomes the member whose extra words the question also
        says anywhere ("... I took a cervical biopsy": 57455; "biopsy and ECC": 57454). A member counts only
        when every word its name adds to the base's is in the question; the most such words wins."""
        if r.has("compare"):
            return codes  # "colpo vs leep": each side is its own procedure
        fy = self.kb.years[self._year(r)]
        families = self._family_members(fy)
        # the words the question says were done ("ECC only, no biopsy": not the biopsy)
        stems = {t.stem for i, t in enumerate(r.tokens)
                 if not t.stop and not (i and r.tokens[i - 1].word.lower() in NEGATIONS)}
        out: list[str] = []
        chosen: list[str] = []
        for code in codes:
            row = fy.rvus.get((code, ""))
            base = code if code in families else (row.endo_base if row is not None and row.endo_base in families
                                                  else "")
            if not base:
                out.append(code)
                continue
            base_words = set().union(*self._plain_names(base))  # not "colposcopy without biopsy"
            said: dict[str, list[tuple[float, set[str]]]] = {}  # member -> (weight, added words) of names said
            for member in families[base]:
                for alias in self.index.aliases_of(member):
                    extra = set(self.words.content_stems(alias)) - base_words
                    if extra and extra <= stems:
                        said.setdefault(member, []).append((sum(self.index.weight(s) for s in extra), extra))
            if not said:
                out.append(code)
                continue
            _, best = max((w, m) for m, names in said.items() for w, _ in names)
            if code != base:
                # a member named already gives way only to one that says all it says and more ("biopsy" ->
                # "biopsy and ECC"), never to another technique ("biopsy" is not "snare")
                own = set().union(*(e for _, e in said.get(code, [])))
                richer = [(w, m) for m, names in said.items() for w, e in names if own and own < e]
                if not richer:
                    out.append(code)
                    continue
                _, best = max(richer)
            chosen.append(best)
            if best not in codes:
                out.append(best)  # else the member is named already and includes its base
        if not chosen:
            return out
        # what the chosen member's name explains is not another procedure ("biopsy" and "ECC" said apart)
        explained = set().union(*(set(self.words.content_stems(a)) for c in chosen for a in self.index.aliases_of(c)))
        return [c for c in out if c in chosen or not any(
            set(self.words.content_stems(a)) and set(self.words.content_stems(a)) <= explained
            for a in self.index.aliases_of(c))]

    def _pair_by_words(self, r: Reading) -> list[str]:
        """The two procedures of "is X bundled into Y" / "can I bill X with Y" named in words, or [].

        The text is cut at one joining word ("into", "with", "and", ...); the cut where each side names one
        procedure (or holds a code by number) most clearly wins, so "ECC with colposcopy with biopsy" keeps
        "colposcopy with biopsy" whole. A side that fits several codes equally leaves the question to the
        other readings (which ask back)."""
        fy = self.kb.years[self._year(r)]
        best: tuple[float, list[str]] | None = None
        text = self.words.rewritten(r.text)  # "d and c" is one procedure, not two sides
        for cut in list(PAIR_JOIN_RE.finditer(text))[:MAX_SIDES]:
            sides = (text[:cut.start()], text[cut.end():])
            codes: list[str] = []
            scores: list[float] = []
            for side in sides:
                by_number = find_codes(side)[0]
                if by_number:
                    codes.append(by_number[0])
                    scores.append(1.0)
                    continue
                chosen = _pick(close_calls(self.find_procedures(r, side)))
                if chosen is None or replies.row_of(fy, chosen.code) is None:
                    break
                codes.append(chosen.code)
                scores.append(chosen.score)
            if len(codes) == 2 and codes[0] != codes[1] and (best is None or min(scores) > best[0]):
                best = (min(scores), codes)
        return best[1] if best is not None else []

    @per_reading
    def _spotted(self, r: Reading) -> list[str]:
        """The procedures a longer text names in different places ("removal of the IUD ... inserts a new
        IUD"), in the order they are named. A name counts only when its words are rare enough together
        (`MIN_SPOT_WEIGHT`) and it covers words no name already taken covers."""
        skip = set(r.entities.positions)
        for m in r.intents:
            skip |= m.positions
        marked = r.marked or [t.stem for t in r.tokens]
        stems_at = [(i, marked[i]) for i, t in enumerate(r.tokens) if not t.stop and marked[i] and i not in skip]
        if len(stems_at) < 3:
            return []
        fy = self.kb.years[self._year(r)]
        taken: list[tuple[int, str]] = []
        covered: set[int] = set()
        spots = self._same_site(r.stems()[0], self.index.spot(stems_at))
        where: dict[str, frozenset[int]] = {}
        for spot in spots:
            if spot.weight < MIN_SPOT_WEIGHT * self.index.rare_weight:
                break
            if any(spot.code == c for _, c in taken):
                covered |= spot.positions  # another name of a procedure taken explains these words too
                continue
            own = spot.positions - covered
            own_weight = sum(self.index.weight(marked[p]) for p in own)
            if own_weight < OWN_SPOT_WEIGHT * self.index.rare_weight:
                continue
            if replies.row_of(fy, spot.code) is None:
                continue
            if any(spot.alias in self.index.aliases_of(c) for _, c in taken):
                continue  # a name several codes share names no further procedure once one of them is taken
            taken.append((min(spot.positions), spot.code))
            where[spot.code] = spot.positions
            covered |= spot.positions
        return [c for _, c in sorted(self._unshared(taken, where, spots, fy, marked))]

    def _unshared(self, taken: list[tuple[int, str]], where: dict[str, frozenset[int]], spots: list,
                  fy, marked: list[str]) -> list[tuple[int, str]]:
        """A word said once belongs to one procedure: "hysteroscopic myomectomy plus D&C" is the hysteroscopic
        myomectomy and a D&C, not a second hysteroscopy (the one "with D&C"). A procedure taken whose name
        shares a word with another's gives way to the code named by its other words alone, when one is; the
        last taken first, so of two that could, the first keeps the word."""
        out = list(taken)
        bases = self._family_members(fy) if len(out) > 1 else {}  # the scopes' own codes ("hysteroscopy")
        for i in range(len(out) - 1, -1, -1):
            _, code = out[i]
            others = set().union(*(where[c] for j, (_, c) in enumerate(out) if j != i)) if len(out) > 1 else set()
            rest = where[code] - others
            if not rest or rest == where[code]:
                continue
            names = {c for _, c in out}
            families = {_family(fy, c) for j, (_, c) in enumerate(out) if j != i}
            said = {marked[p] for p in rest}
            # a code named whole by those words and done without a scope (the scope said went to the other)
            exact = next((s for s in spots if s.positions == rest and s.code not in names
                          and replies.row_of(fy, s.code) is not None and not _scoped(fy, s.code)
                          and s.code not in bases and _family(fy, s.code) not in families
                          and set(self.words.content_stems(s.alias)) <= said), None)
            if exact is not None:
                out[i] = (min(exact.positions), exact.code)
                where[exact.code] = exact.positions
        return out

    def _outside_code(self, r: Reading) -> str | None:
        """The code outside the curated set that the words clearly name, or the few they name equally ("20552 or
        20553"); only without an import."""
        if self.outside_index is None:
            return None
        top = close_calls(self._outside_found(r))
        counted = choose(self.kb.quantities, [c.code for c in top], r.text, _said(r))
        if counted is not None and counted.band is not None:
            return counted.band.code  # "abdominal x-ray three views": the count stated picks the member
        chosen = _pick(top)
        if chosen is None and 1 < len(top) <= MAX_NEAR:
            codes = sorted(c.code for c in top)  # "TPIs": a family of codes the curated set lacks
            return ("one of " if len(codes) > 2 else "") + ", ".join(codes[:-1]) + " or " + codes[-1]
        return chosen.code if chosen is not None else None

    def _outside_fits_better(self, r: Reading, codes: list[str], found: list[Candidate],
                             ambiguous: list[Candidate]) -> str | None:
        """Without an import: the code outside the curated set whose everyday name the question says whole,
        when the curated code found (or the ones to ask between) matches only part of its own name ("vaginal
        biopsy" is not the curated "colposcopic vaginal biopsy"; "IUD insertion" is none of the curated
        hysteroscopies); None otherwise."""
        if self.outside_index is None or (len(codes) != 1 and not ambiguous):
            return None
        best = ambiguous[0] if ambiguous else next((c for c in found if c.code == codes[0]), None)
        if best is None or max(c.score for c in [best, *ambiguous]) >= FULLY or not self._outside_said_whole(r):
            return None
        return self._outside_code(r)

    def _outside_said_whole(self, r: Reading) -> bool:
        """Without an import: whether the question says an everyday name of a code outside the curated set whole
        (then a curated name said only in part is not what it means)."""
        if self.outside_index is None:
            return False
        return any(c.score >= FULLY for c in close_calls(self._outside_found(r)))

    def _outside_found(self, r: Reading) -> list[Candidate]:
        """The everyday names of codes outside the curated set the question's words find (once per question)."""
        found = r.memo.get("outside")
        if found is None and self.outside_index is not None:
            found = r.memo["outside"] = self._same_site(r.stems()[0], self.outside_index.search(*r.stems()),
                                                        self.outside_index)
        return list(found or [])  # type: ignore[call-overload]

    def import_hint(self) -> str:
        if self.kb.imported:
            return ""
        return (" I answer from my curated codes only until the full CMS fee schedule is imported "
                "(`cptbot kb import RVU26C.zip`), which adds every code Medicare prices.")

    def _settings(self, ent: Entities, ctx: AskContext) -> tuple[Setting, ...]:
        if ent.setting in SETTINGS:
            return (ent.setting,)  # type: ignore[return-value]
        if ctx.setting in SETTINGS:
            return (ctx.setting,)
        return SETTINGS

    def _component(self, r: Reading, code: str, fy) -> str:
        """The pricing row a question asks about: "" for the whole service, or "26", "TC", "53".

        CMS prices the professional and technical components (and some discontinued procedures) as rows
        of their own. A question names one as "71046-26", "modifier TC", or in words ("professional
        component"), which the modifiers' own situation phrases recognise.
        """
        rows = [m for m in COMPONENT_MODIFIERS if (code, m) in fy.rvus]
        if not rows:
            return ""
        if (code, "") not in fy.rvus:
            return rows[0]  # CMS prices the code only as this row (86153-26)
        asked = [r.entities.code_modifiers.get(code, ""), *r.entities.modifiers]
        stems = r.stems(lambda intent: intent not in MODIFIER_INTENTS)
        asked += [c.code for c in close_calls(self.modifier_index.search(*stems))[:1]]
        return next((m for m in asked if m in rows), "")

    def _change_years(self, r: Reading) -> tuple[int | None, int]:
        """The two years a change question compares: both named; one named and the newest (or the year
        before, when the named one is the newest); none named: the newest and the year before it."""
        years = sorted(self.kb.years)
        named = sorted({y for y in r.entities.years if y in self.kb.years})
        if len(named) >= 2:
            return named[0], named[-1]
        pivot = named[0] if named else years[-1]
        if pivot < years[-1]:
            return pivot, years[-1]
        older = [y for y in years if y < pivot]
        return (older[-1] if older else None), pivot

    def _year(self, r: Reading) -> int:
        """The year a question asks about: the latest loaded year it names, else the newest."""
        named = [y for y in r.entities.years if y in self.kb.years]
        return max(named) if named else self.kb.newest_year

    def _procedures_beside(self, r: Reading, fy, names) -> list[str]:
        """The procedures (codes with a global period) the question names once a drug's `names` and its dose
        are taken out ("knee joint injection with depo medrol 40 mg": 20610); a few near ones when the words
        fit several (the count stated picks among a family's members); [] when none."""
        named, _, near = self._codes_by_words(self.read(drug_dose.without_names(names, r.text)))
        near_codes = [c.code for c in close_calls(near)] if not named else []
        counted = choose(self.kb.quantities, near_codes, r.text, _said(r)) if near_codes else None
        if counted is not None and counted.band is not None and not counted.more_units:
            near_codes = [counted.band.code]  # "trigger point injections in 2 muscles"
        return [c for c in named or (near_codes if len(near_codes) <= 3 else [])
                if not self.drug_finder.rules.is_drug(c) and _is_procedure(fy, c)]

    def _sided(self, r: Reading, fy) -> tuple[list[str], str] | None:
        """(the codes, a sentence saying why) when the words name a procedure CMS codes once for one side and
        once for both (bot/understanding/sides.py): the side said picks each pair's code; with no side said,
        both codes of each pair, to ask which. Of the codes the words fit, only those whose names say the most
        of the question's words are weighed ("bilateral breast MRI with contrast" is not a breast CT). None
        when none of those has such a sibling."""
        codes, _, ambiguous = self._codes_by_words(r)
        said = self.sides.said(r.text)
        asked = set(r.stems()[1]) - self.sides.words() - set(SIDE_STEMS)
        every = getattr(self.index, "names_with_all", None)  # the imported names' index (FTS5)
        family = [c for c, alias in every(asked) if self.sides.side_of(alias)[0] is not None] \
            if every is not None and len(asked) >= 2 and not codes else []
        pool = codes or list(dict.fromkeys([*(c.code for c in ambiguous),
                                            *(c.code for c in self._loose_best(r, fy, said)), *family]))
        if not pool:
            return None
        cover = {c: max((len(asked & self.sides.side_of(a)[1]) for a in self.index.aliases_of(c)), default=0)
                 for c in pool}
        best = max(cover.values())
        top = [c for c in pool if cover[c] == best]
        pairs: list[dict[str, str]] = []
        plain: list[str] = []
        for code in top:
            pair = self._side_pair(code, fy)
            if pair is None:
                plain.append(code)
            elif pair not in pairs:
                pairs.append(pair)
        if not pairs:
            return None
        if said is None:
            listed = [c for pair in pairs for c in (pair["unilateral"], pair["bilateral"])] + plain
            return listed, "CMS codes this procedure on one side and on both sides with different codes."
        chosen = list(dict.fromkeys(pair[said] for pair in pairs))
        other = "unilateral" if said == "bilateral" else "bilateral"
        others = ", ".join(pair[other] for pair in pairs)
        if said == "unilateral":
            why = f"For one side CMS has its own code ({others} {'is' if len(pairs) == 1 else 'are'} both sides)."
        else:
            row = fy.rvus.get((chosen[0], ""))
            why = (f"For both sides CMS has its own code ({others} {'is' if len(pairs) == 1 else 'are'} one side)"
                   + (": it already means both sides, so no modifier 50 (bilateral indicator 2)."
                      if row is not None and row.bilateral == "2" and len(chosen) == 1 else "."))
        return chosen + plain, why

    def _loose_best(self, r: Reading, fy, side: str | None = None) -> list[Candidate]:
        """The priced codes the loose search finds, the ones explaining most of the question first; with the
        side said in the names' own word too ("MRI of both breasts" searched as bilateral as well)."""
        found = self._searched(r, loose=True)
        if side is not None:
            stems, content = r.stems()
            stem = next(s for s, name in SIDE_STEMS.items() if name == side)
            found = [*found, *self._same_site(stems, self.index.search({*stems, stem}, {*content, stem},
                                                                        loose=True))]
        loose = [c for c in found if replies.row_of(fy, c.code) is not None]
        loose.sort(key=lambda c: (-c.explains, -c.score, c.code))
        return loose[:MAX_SIDES]

    def _side_pair(self, code: str, fy) -> dict[str, str] | None:
        """{"unilateral": code, "bilateral": code} when `code`'s name says a side and another priced code's name
        says the other side and otherwise the same words; None otherwise."""
        for alias in self.index.aliases_of(code):
            side, rest = self.sides.side_of(alias)
            if side is None:
                continue
            other = "unilateral" if side == "bilateral" else "bilateral"
            stem = next(s for s, name in SIDE_STEMS.items() if name == other)
            every = getattr(self.index, "names_with_all", None)
            named = every({*rest, stem}) if every is not None else [
                (c.code, c.alias) for c in self.index.search({*rest, stem}, {*rest, stem})]
            for sibling, name in named:
                if sibling != code and self.sides.side_of(name) == (other, rest) \
                        and replies.row_of(fy, sibling) is not None:
                    return {side: code, other: sibling}
        return None

    def _beside_sized(self, r: Reading, fy, sized) -> list[str]:
        """The other procedures a lesion narrative states in clauses of their own ("shaved a 0.6 cm lesion off
        the arm and did a punch biopsy of a second lesion on the back"): each clause that is not the sized
        removal or its repair, read again by itself, naming one priced code outright. A clause whose words fit
        several codes, or none, adds nothing (the removal is still answered), so no code is guessed."""
        parts = [p for p in SPLIT_RE.split(r.text) if p and p.strip()]
        if not 1 < len(parts) <= MAX_SIDES:
            return []
        family_codes = {c for site in sized.family.sites for c in site.codes}
        found: list[str] = []
        for part in parts:
            sub = self.read(part)
            if len([t for t in sub.tokens if not t.stop]) < 2:
                continue
            if self.size_finder.index.matches(sub.tokens) or self.repair_finder.index.matches(sub.tokens):
                continue  # the removal itself, another lesion of the same kind, or the wound's repair
            codes, _, ambiguous = self._codes_by_words(sub)
            if len(codes) != 1 or ambiguous:
                continue
            code = codes[0]
            if code in family_codes or code in found or replies.row_of(fy, code) is None or _is_visit(code):
                continue
            named_sites = self.sites.code_sites(code, self.index.aliases_of)
            if named_sites and not named_sites & self.sites.sites({t.stem for t in sub.tokens}):
                continue  # a code of an organ the clause never names (a cervical biopsy for "a biopsy on the back")
            found.append(code)
        return found

    def _procedure_beside_visit(self, r: Reading, fy, codes: list[str]) -> tuple[str, list[str]] | None:
        """(the procedure, the codes it may be instead) when the codes named by number are visits only and the
        words name one procedure with a global period ("I and D with a 99213", "99214 and a skin tag removal");
        None otherwise. Words fitting a few procedures of one global period (10060 or 10061) give the first,
        the others said beside it. A value asked ("payment for 99213 and ...") is answered as before."""
        if not all(_is_visit(c) for c in codes) or any(r.has(i) for i in ("rvu", "payment", "compare", "change")):
            return None
        named, _, ambiguous = self._codes_by_words(r)
        procedures = [c for c in named if _is_procedure(fy, c) and c not in codes]
        if not procedures and not named and ambiguous:
            near = [c.code for c in close_calls(ambiguous)]
            globals_ = {fy.rvus[(c, "")].global_days for c in near if _is_procedure(fy, c)}
            if len(near) <= 3 and all(_is_procedure(fy, c) for c in near) and len(globals_) == 1:
                procedures = near
        if named and (len(procedures) != 1 or any(c not in procedures and c not in codes for c in named)):
            return None  # several procedures, or words naming something else too: answered as before
        return (procedures[0], procedures[1:]) if procedures else None

    def _fits(self, intent: str, r: Reading, codes: list[str]) -> bool:
        """Whether an intent's needs are met (compare and multiple procedures need two codes)."""
        if intent in ("compare", "multiple_procedures"):
            return len(codes) > 1
        if intent == "visit_with_procedure":
            # "level 3 office visit" alone is a visit, not a procedure; two procedures "same day" and no visit
            # is a multiple-procedure question ("58558 w/ 58300 same day": 58300 is no visit either).
            fy = self.kb.years[self._year(r)]
            procedures = [c for c in codes if _is_procedure(fy, c)]
            others = [c for c in codes if c not in procedures]
            return len(procedures) == 1 and all(_is_visit(c) for c in others)
        if intent == "which_code":
            return len(codes) > 1 or not r.entities.codes  # codes named in words, not looked up by number
        if intent == "change":
            return len(self.kb.years) > 1
        return True



def _ncci_kind(r: Reading, known_codes: list[str]) -> str | None:
    """`bundling` or `units` when the question asks NCCI about codes it names by number, else None (here, not
    in bot/answers/bundling, so that a question of another kind does not import the NCCI answerer).

    "can I bill 99213 with 58558" (an office visit with a procedure) stays a visit-with-procedure question:
    the global period answers it.
    """
    if r.has("ncci_units") and known_codes:
        return "units"
    if r.has("ncci_pair") and len(known_codes) >= 2:
        visit = any(c.startswith("992") or c == POST_OP_VISIT for c in known_codes)
        if visit and (r.has("visit_with_procedure") or r.has("global")):
            return None  # "are post-op visits included in the global for a lap chole": the global period answers
        return "bundling"
    return None


def _is_procedure(fy, code: str) -> bool:
    """A code with a surgical global period, the kind a same-day or post-op visit is judged against."""
    row = fy.rvus.get((code, ""))
    return row is not None and row.global_days in SURGICAL_GLOBALS


def _family(fy, code: str) -> str:
    """The scope family a code belongs to (its endoscopic base), or the code itself."""
    row = fy.rvus.get((code, ""))
    return (row.endo_base if row is not None and row.endo_base else code)


def _scoped(fy, code: str) -> bool:
    """Whether a code is a scope's own procedure (the RVU file's endoscopy indicator 3: a base or a member)."""
    row = fy.rvus.get((code, ""))
    return row is not None and (row.mult_proc == "3" or bool(row.endo_base))


def _is_visit(code: str) -> bool:
    """An E/M visit code (99202-99499) or a visit add-on (G2211): what a "visit with a procedure" means."""
    return (code.isdigit() and 99202 <= int(code) <= 99499) or code in VISIT_ADD_ONS


def _pick(top: list[Candidate]) -> Candidate | None:
    """The one code among near-ties, or None when the engine must ask back."""
    if len(top) == 1:
        return top[0]
    primaries = [c for c in top if c.primary]
    return primaries[0] if len(primaries) == 1 else None


def _modifier_entry(m):
    from bot.records import CodeEntry

    return CodeEntry(code=m.code, name=m.name, synonyms=m.situations)


def _said(r: Reading) -> frozenset[str]:
    """The question's words as read (abbreviations spelled out: "est" is "established"), to compare with titles."""
    return frozenset(w for t in r.tokens for w in (t.stem, t.surface, t.word) if w.isalpha())
