"""The engine: question in, Answer out. Pure Python, no Slack import.

`Engine.answer` reads a question in three steps, then picks one reply:
1. clean it (Slack markup, control characters, length) and split it into normalised words;
2. find what it names outright (codes, modifiers, years, setting, place) and which intents its words signal;
3. find codes named by words when no number is given, keeping every near-tie so it can ask back.
It never guesses: no code found is `not_found`, several equally likely codes is `clarify`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot import replies
from bot.answer import Answer
from bot.catalog import compiled, expand_descriptor, files_fingerprint, kb_fingerprint, merge_store, name_index
from bot.fees import SETTINGS, Setting
from bot.knowledge import KnowledgeBase, load_knowledge, shipped_dir
from bot.understanding.entities import (
    Entities,
    PlaceFinder,
    find_codes,
    find_global_periods,
    find_malformed_codes,
    find_modifiers,
    find_years,
)
from bot.understanding.intents import IntentMatch, IntentMatcher, load_intents
from bot.understanding.procedures import Candidate, ProcedureIndex, close_calls
from bot.understanding.words import Token, Words, clean

CODE_INTENTS = ("change", "multiple_procedures", "compare", "visit_with_procedure", "global", "payment", "rvu",
                "describe")
log = logging.getLogger(__name__)
COMPONENT_MODIFIERS = ("26", "TC", "53")
MODIFIER_INTENTS = ("modifier", "modifier_which")
SURGICAL_GLOBALS = ("000", "010", "090", "YYY", "ZZZ")  # the modifiers CMS prices as rows of their own
SPLIT_RE = re.compile(r"\s*(?:,|;|\+|\band\b|\bvs\.?|\bversus\b|\bor\b|\bplus\b|\bthen\b|&(?!\w))\s*", re.I)
AFTER_WORDS = re.compile(r"\b(after|later|post ?op|during the global|in the global|within the global|"
                         r"weeks?|days? later|follow[- ]?up)\b", re.I)
ASK_PREFIX = {"rvu": "wRVU for", "payment": "Medicare payment for", "global": "global period for",
              "describe": "", "visit_with_procedure": "E/M same day as"}


@dataclass(frozen=True)
class AskContext:
    """Who is asking and their saved defaults; all optional."""

    user_id: str | None = None
    locality: str | None = None  # a locality key "MAC-NN" saved by the person
    setting: Setting | None = None


@dataclass
class Reading:
    """What the engine understood of a question (kept for tests and `cptbot ask --explain`)."""

    text: str
    truncated: bool
    tokens: list[Token]
    entities: Entities
    intents: list[IntentMatch]

    def has(self, intent: str) -> bool:
        return any(m.name == intent for m in self.intents)

    def stems(self, explained_by: Callable[[str], bool] = lambda intent: True) -> tuple[set[str], set[str]]:
        """(every meaningful stem, the content stems still to explain by a name).

        A word is already explained when an entity (code, modifier, year, place) covers it, or the keywords
        of an intent that `explained_by` accepts: the code search leaves out every intent's words, the
        modifier search keeps the modifier intents' own words out and everything else in.
        """
        skip = set(self.entities.positions)
        for m in self.intents:
            if explained_by(m.name):
                skip |= m.positions
        return _split_stems(self.tokens, skip)


class Engine:
    def __init__(self, kb: KnowledgeBase, intents_dir: Path | None = None, cache_dir: Path | None = None):
        self.kb = kb
        self.words = Words(kb.lexicon)
        self.intents = load_intents(intents_dir or shipped_dir("intents"))
        self.intent_matcher = IntentMatcher(self.intents, self.words)
        key = kb_fingerprint(kb) if cache_dir is not None else ""
        self.index = name_index(kb, self.words, cache_dir, key)
        # Without an imported release, everyday names of other codes still tell us what was meant, so the
        # answer can say which code it is and that the full fee schedule needs importing.
        self.outside_index = None if kb.imported else compiled(
            cache_dir, "outside-index", key,
            lambda: ProcedureIndex(kb.common_names.values(), self.words))
        self.places = PlaceFinder(kb, self.words)
        self.modifier_index = compiled(
            cache_dir, "modifier-index", key,
            lambda: ProcedureIndex([_modifier_entry(m) for m in kb.modifiers.values()], self.words))
        self.words.learn(self.index.vocabulary() | self.intent_matcher.vocabulary() | self.places.vocabulary
                         | self.modifier_index.vocabulary() | set(kb.lexicon.equivalents)
                         | set(kb.lexicon.equivalents.values())
                         | (self.outside_index.vocabulary() if self.outside_index else set()))

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
        kb = compiled(cache_dir, "knowledge", files_fingerprint(knowledge_dir),
                      lambda: load_knowledge(knowledge_dir))
        try:
            store = load_store(data_dir)
        except Exception as exc:  # a damaged store must not stop the bot; the shipped data still answers
            log.warning("imported fee schedule in %s not loaded: %s", data_dir, exc)
            store = None
        return cls(merge_store(kb, store), intents_dir, cache_dir=cache_dir)

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
                       intents=self.intent_matcher.match(tokens))

    def find_procedures(self, reading: Reading, text: str | None = None) -> list[Candidate]:
        """Codes named by the words of the question, or of `text` (one side of "X and Y")."""
        if text is None:
            return self.index.search(*reading.stems())
        tokens = self.words.tokens(text)
        skip = {i for i, t in enumerate(tokens) if t.word.isdigit()}
        for m in self.intent_matcher.match(tokens):
            skip |= m.positions
        return self.index.search(*_split_stems(tokens, skip))

    # --- answering ----------------------------------------------------------------------------------

    def answer(self, question: str, context: AskContext | None = None) -> Answer:
        context = context or AskContext()
        reading = self.read(question if isinstance(question, str) else "")
        ans = self._decide(reading, context)
        if reading.truncated:
            ans.notes.append(f"Your message was long: I read only its first {2000:,} characters.")
        return ans

    def _decide(self, r: Reading, ctx: AskContext) -> Answer:
        kb, ent = self.kb, r.entities
        if not r.text or not any(ch.isalnum() for t in r.tokens for ch in t.word):
            return self._help()
        years_known = [y for y in ent.years if y in kb.years]
        years_unknown = [y for y in ent.years if y not in kb.years and 1990 <= y <= 2100]
        year = self._year(r)
        fy = kb.years[year]
        known_codes = [c for c in ent.codes if (c, "") in fy.rvus or c in kb.codes]
        unknown_codes = [c for c in ent.codes if c not in known_codes]

        if r.has("set_preference") and not known_codes:
            return self._remember(r)
        if years_unknown and not years_known:
            have = ", ".join(f"CY{y}" for y in sorted(kb.years))
            return replies.not_found(f"I don't have the CY{years_unknown[0]} fee schedule; I have {have}.",
                                     year=None)
        if r.has("conversion_factor") and not known_codes:
            return replies.conversion_factor(kb, sorted(years_known or [kb.newest_year], reverse=True))
        if ent.malformed_codes and not ent.codes:
            bad = ent.malformed_codes[0]
            return replies.not_found(f"{bad} is not a CPT or HCPCS code: codes have five characters (like 57461, "
                                     "0345T or G0101). Check the number.", year=year)

        if not ent.codes and ent.global_periods and (r.has("global") or len(r.tokens) <= 3):
            return replies.global_period_answer(kb, ent.global_periods)  # "what does MMM global mean"
        if not ent.codes and r.has("out_of_scope"):
            # "icd10 for hpv", "ms-drg for a hysterectomy": the subject is not CPT coding, even where its
            # words would also name a procedure.
            return replies.out_of_scope()
        codes: list[str] = list(known_codes)
        if codes and any(r.has(i) for i in ("visit_with_procedure", "multiple_procedures", "compare")):
            # "can I bill 99213 with an EMB same day": one code by number, another by name.
            named, _, _ = self._codes_by_words(r)
            codes += [c for c in named if c not in codes and (c, "") in fy.rvus]
        if r.has("modifier_which") and not ent.codes and not ent.modifiers:
            # "which modifier when the patient returns to the OR": the situation's words can also fit a
            # procedure's name, but the person asked for a modifier, so the modifiers are searched first.
            mod_answer = self._modifiers(r)
            if mod_answer is not None:
                return mod_answer
        if not codes and not unknown_codes:
            codes, _, ambiguous = self._codes_by_words(r)
            if ambiguous:
                return self._clarify(r, ambiguous, fy)
        missing_in_year = [c for c in codes if (c, "") not in fy.rvus]
        codes = [c for c in codes if (c, "") in fy.rvus]
        if missing_in_year and not codes and not r.has("change"):
            code = missing_in_year[0]
            elsewhere = [y for y in sorted(kb.years) if (code, "") in kb.years[y].rvus]
            return replies.not_found(
                f"{code} is not in the CY{year} fee schedule ({fy.release.name})"
                + (f"; CMS prices it in CY{', CY'.join(map(str, elsewhere))}." if elsewhere else "."), year=year)
        settings = self._settings(ent, ctx)
        localities = list(ent.localities)
        if not localities and ctx.locality:
            saved = self.places.by_key.get(ctx.locality)
            localities = [saved] if saved else []
        localities = [next((loc for loc in fy.localities if loc.key == x.key), x) for x in localities]

        if unknown_codes and not codes:
            return replies.not_found(
                f"I don't have {', '.join(unknown_codes)} in the CY{year} fee schedule"
                + (" or my knowledge base." if len(kb.years) else ".")
                + " Check the number, or ask by the procedure's name." + self._import_hint(), year=year)

        if codes:
            return self._about_codes(r, codes, fy, settings, localities, unknown_codes)

        if ent.modifiers or ent.unknown_modifiers or r.has("modifier") or r.has("modifier_which"):
            mod_answer = self._modifiers(r)
            if mod_answer is not None:
                return mod_answer
        if r.has("help") and len([t for t in r.tokens if not t.stop]) <= 6:
            return self._help()
        outside = self._outside_code(r)
        if outside is not None:
            return replies.not_found(
                f"That sounds like {outside}, which my curated knowledge base does not cover."
                + self._import_hint(), year=year)
        coding = [m.name for m in r.intents if m.name in ("rvu", "payment", "global", "modifier", "compare",
                                                          "multiple_procedures", "change", "coding")]
        if coding:
            words = " ".join(t.surface for i, t in enumerate(r.tokens)
                             if not t.stop and not any(i in m.positions for m in r.intents)
                             and i not in ent.positions)
            what = f" for \"{words}\"" if words else ""
            return replies.not_found(f"I couldn't find a CPT code{what} in my knowledge base. Try the code "
                                     "number or another name for the procedure." + self._import_hint(),
                                     year=year)
        if r.has("help"):
            return self._help()
        return replies.out_of_scope()

    def _codes_by_words(self, r: Reading) -> tuple[list[str], list[Candidate], list[Candidate]]:
        """Codes named by words: (codes, candidates, ambiguous candidates to ask about)."""
        multi = r.has("compare") or r.has("multiple_procedures")
        if multi:
            parts = [p for p in SPLIT_RE.split(r.text) if p and p.strip()]
            if len(parts) > 1:
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
                    return found, [], []
        cands = self.find_procedures(r)
        if not cands:
            return [], [], []
        top = close_calls(cands)
        chosen = _pick(top)
        if chosen is None:
            return [], cands, top
        return [chosen.code], cands, []

    def _outside_code(self, r: Reading) -> str | None:
        """The one code outside the curated set that the words clearly name (only without an import)."""
        if self.outside_index is None:
            return None
        top = close_calls(self.outside_index.search(*r.stems()))
        chosen = _pick(top)
        return chosen.code if chosen is not None else None

    def _import_hint(self) -> str:
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

    def _about_codes(self, r: Reading, codes: list[str], fy, settings, localities, unknown_codes) -> Answer:
        kb, ent = self.kb, r.entities
        intent = next((m.name for m in r.intents if m.name in CODE_INTENTS and self._fits(m.name, r, codes)),
                      "describe")
        if len(codes) == 1 and len({y for y in ent.years if y in kb.years}) >= 2 and intent in ("describe", "rvu"):
            intent = "change"  # "57520 2025 vs 2026"
        if intent == "change":
            old, new = self._change_years(r)
            if old is None:
                return replies.not_found(f"I have only CY{new}, so there is nothing to compare it with.",
                                         year=new)
            ans = replies.change(kb, codes[0], kb.years[old], kb.years[new])
        elif intent == "multiple_procedures":
            ans = replies.several_procedures(kb, codes, fy, settings, localities[0] if localities else None,
                                             ent.code_modifiers)
        elif intent == "compare":
            ans = replies.compare(kb, codes, fy, settings)
        elif intent == "visit_with_procedure":
            procedure = next(c for c in codes if _is_procedure(fy, c))
            ans = replies.visit_with_procedure(kb, procedure, fy, after=bool(AFTER_WORDS.search(r.text)))
            ans.codes = [procedure, *(c for c in codes if c != procedure)]
        else:
            code = codes[0]
            modifier = self._component(r, code, fy)
            plain = "" if code in kb.codes else expand_descriptor(
                fy.rvus[(code, modifier)].description, kb.abbreviations, self.words)
            ans = replies.code_card(kb, code, fy, intent, settings, localities, modifier, plain)
            if modifier:
                ans.modifiers = [modifier]
            priced = []
            for mod in dict.fromkeys([ent.code_modifiers.get(code, ""), *ent.modifiers]):
                section = replies.modifier_pricing_section(fy.rvus[(code, "")], fy, mod, settings,
                                                           localities[0] if localities else None)
                if section is not None:
                    priced.append(section)
            ans.sections[:0] = priced
            if priced:  # the amount with the modifier is what was asked: it leads
                ans.headline = " ".join(replies.modifier_pricing_headline(code, p) for p in priced)
            if ent.state and not localities:
                state_locs = self.places.by_state.get(ent.state, [])
                state_locs = [loc for loc in fy.localities if loc.state == ent.state] or state_locs
                ans.sections.insert(0, replies.state_localities_section(fy.rvus[(code, "")], fy, state_locs,
                                                                        settings))
            if len(codes) > 1:
                ans.notes.append("You named several codes; this is about " + code + ". Ask `compare "
                                 + " ".join(codes) + "` to see them side by side.")
                ans.codes = list(codes)
        known_mods = [m for m in ent.modifiers if m in kb.modifiers]
        if known_mods:
            for m in known_mods:
                mod = kb.modifiers[m]
                ans.sections.append(replies.Section(f"Modifier {m}: {mod.name}", [
                    replies.Fact("Use it when", mod.use_when), replies.Fact("Payment", mod.payment)], mod.summary))
            ans.modifiers = list(dict.fromkeys(ans.modifiers + known_mods))
        if unknown_codes:
            ans.notes.append(f"I don't have {', '.join(unknown_codes)} in the CY{fy.year} fee schedule.")
        return ans

    def _component(self, r: Reading, code: str, fy) -> str:
        """The pricing row a question asks about: "" for the whole service, or "26", "TC", "53".

        CMS prices the professional and technical components (and some discontinued procedures) as rows
        of their own. A question names one as "71046-26", "modifier TC", or in words ("professional
        component"), which the modifiers' own situation phrases recognise.
        """
        rows = [m for m in COMPONENT_MODIFIERS if (code, m) in fy.rvus]
        if not rows:
            return ""
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

    def _fits(self, intent: str, r: Reading, codes: list[str]) -> bool:
        """Whether an intent's needs are met (compare and multiple procedures need two codes)."""
        if intent in ("compare", "multiple_procedures"):
            return len(codes) > 1
        if intent == "visit_with_procedure":
            # "level 3 office visit" alone is a visit, not a procedure; two procedures "same day" and no visit
            # is a multiple-procedure question.
            fy = self.kb.years[self._year(r)]
            procedures = [c for c in codes if _is_procedure(fy, c)]
            return bool(procedures) and (len(procedures) == 1 or len(procedures) < len(codes))
        if intent == "change":
            return len(self.kb.years) > 1
        return True

    def _modifiers(self, r: Reading) -> Answer | None:
        kb, ent = self.kb, r.entities
        if ent.modifiers:
            return replies.modifier_answer([kb.modifiers[m] for m in ent.modifiers], "modifier")
        if ent.unknown_modifiers:
            return replies.not_found(f"I don't have modifier {', '.join(ent.unknown_modifiers)} in my knowledge "
                                     "base.", intent="modifier")
        cands = self.modifier_index.search(*r.stems(lambda intent: intent in MODIFIER_INTENTS))
        if not cands:
            return None
        top = close_calls(cands)[:3]
        mods = [kb.modifiers[c.code] for c in top]
        head = mods[0]
        headline = f"Use modifier {head.code} ({head.name}): {head.summary}"
        if len(mods) > 1:
            headline += " Also consider " + ", ".join(f"{m.code} ({m.name})" for m in mods[1:]) + "."
        return replies.modifier_answer(mods, "modifier_which", headline)

    def _clarify(self, r: Reading, ambiguous: list[Candidate], fy) -> Answer:
        intent = next((m.name for m in r.intents if m.name in ASK_PREFIX), "describe")
        phrase = " ".join(t.surface for i, t in enumerate(r.tokens)
                          if not t.stop and not any(i in m.positions for m in r.intents)) or r.text
        return replies.clarify(self.kb, [c.code for c in ambiguous], fy, phrase, ASK_PREFIX[intent])

    def _remember(self, r: Reading) -> Answer:
        """Save a default locality or setting: the engine says what to remember, the caller stores it."""
        ent = r.entities
        if re.search(r"\b(clear|reset|forget)\b", r.text, re.I):
            return Answer(status="answered", intent="set_preference", remember={"clear": "all"},
                          headline="Done: I forgot your saved locality and setting. Answers are national, "
                                   "in both settings, until you set them again.")
        remember: dict[str, str] = {}
        said = []
        if ent.localities:
            loc = ent.localities[0]
            remember["locality"] = loc.key
            said.append(f"locality {loc.display}")
        if ent.setting:
            remember["setting"] = ent.setting
            said.append("setting " + ("office (non-facility)" if ent.setting == "office" else
                                      "facility (hospital/ASC)"))
        if not remember:
            hint = (f"{ent.state} has several localities: " + ", ".join(
                loc.name.rstrip("*").title() for loc in self.places.by_state.get(ent.state, []))
                + ". Name one." if ent.state else "Name a locality (e.g. `set locality manhattan`, a state, "
                "or a ZIP code) or a setting (`set my setting to facility`).")
            return replies.not_found(f"I couldn't tell what to save. {hint}", intent="set_preference")
        return Answer(status="answered", intent="set_preference", remember=remember,
                      headline=f"Saved your default {' and '.join(said)}. Payment answers use it until you "
                               "change it (`clear my settings` to forget).")

    def _help(self) -> Answer:
        examples = [i.examples[0] for i in self.intents if i.examples and i.name not in ("out_of_scope", "help")]
        return replies.help_answer(self.kb, examples)


def _split_stems(tokens: list[Token], skip: set[int]) -> tuple[set[str], set[str]]:
    """Every non-stopword stem, and those of them not at a `skip` position (the words left to explain)."""
    every = {t.stem for t in tokens if not t.stop}
    content = {t.stem for i, t in enumerate(tokens) if not t.stop and i not in skip}
    return every, content


def _is_procedure(fy, code: str) -> bool:
    """A code with a surgical global period, the kind a same-day or post-op visit is judged against."""
    row = fy.rvus.get((code, ""))
    return row is not None and row.global_days in SURGICAL_GLOBALS


def _pick(top: list[Candidate]) -> Candidate | None:
    """The one code among near-ties, or None when the engine must ask back."""
    if len(top) == 1:
        return top[0]
    primaries = [c for c in top if c.primary]
    return primaries[0] if len(primaries) == 1 else None


def _modifier_entry(m):
    from bot.records import CodeEntry

    return CodeEntry(code=m.code, name=m.name, synonyms=m.situations)
