"""The facility side as the engine sees it: the imported files, our words for them, and which asks are ours.

`Facility.ask` decides whether a question is about the hospital's or the ASC's own payment, the three
places side by side, or anesthesia; it returns None for everything else (and whenever the files it needs
are not imported, so the physician fee schedule answers as before). The answerers in `bot/answers/`
(hospital, asc, site_of_service, anesthesia) compose the Answers from the lookups here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from bot.catalog import compiled, expand_descriptor
from bot.facility.db import FacilityData
from bot.facility.knowledge import FacilityKnowledge, load_facility_knowledge
from bot.record import Record
from bot.records import CodeEntry
from bot.understanding.procedures import ProcedureIndex, close_calls

if TYPE_CHECKING:
    from bot.answer import Answer
    from bot.engine import Engine
    from bot.knowledge import KnowledgeBase
    from bot.understanding.ask import Ask
    from bot.understanding.reading import Reading
    from bot.understanding.words import Words

LEVEL_II_RE = re.compile(r"^[A-V][0-9]{4}$")
# compiled on first use by `re`'s own cache (only facility questions read them)
MINUTES_RE = r"\b(\d{1,4}(?:\.\d+)?)\s*(?:-\s*)?(min|mins|minute|minutes|h|hr|hrs|hour|hours)\b"
NOT_OURS = ("modifier", "modifier_which", "set_preference", "visit_with_procedure", "global", "rvu")
MAX_MINUTES = 24 * 60
# "status indicator J1", "payment indicator of A2", "SI N", "pi g2": the indicator after its name; or any
# letter-and-digit indicator standing alone ("what does J1 mean" with "hospital"/"asc" words around it)
INDICATOR_RE = (r"\b(?:(?:status|payment)\s+indicators?|si|pi)\s*(?:of\s+|for\s+|is\s+)?[\"'(]?"
                r"([a-z][0-9]?)\b|\b([a-z][0-9])\b")
MAX_INDICATOR_TEXT = 400  # an indicator question is short; a long text is not read for one


def is_anesthesia_code(code: str) -> bool:
    return code.isdigit() and "00100" <= code <= "01999"


class OppsRow(Record, eq=False):
    period: str
    code: str
    descriptor: str
    si: str
    apc: str
    weight: float | None
    rate: float | None
    copay_national: float | None
    copay_minimum: float | None
    copay_adjusted: float | None
    note: str
    apc_title: str


class AscRow(Record, eq=False):
    period: str
    addendum: str  # "AA" or "BB"
    code: str
    descriptor: str
    mpd: str  # "Y" / "N" ("" on BB)
    pi: str
    weight: float | None
    rate: float | None


class Facility:
    """Lookups over the imported facility files (None when not imported) and `knowledge/facility.yaml`."""

    def __init__(self, kb: KnowledgeBase, words: Words, data: FacilityData | None, knowledge_dir: Path,
                 cache_dir: Path | None = None, kb_key: str = ""):
        self.data = data
        self.cache_dir = cache_dir
        self.words = words
        self._level_ii: ProcedureIndex | None = None
        self._made_from = (kb, knowledge_dir, kb_key)  # for `_words`

    @cached_property
    def _words(self) -> tuple[FacilityKnowledge, ProcedureIndex, dict[str, list[tuple[str, ...]]]]:
        """Our words (facility.yaml), the anesthesia index and the places' phrases, read the first time a
        question needs them (most ask for a value of the physician's fee and never do). Building them takes
        ~100 ms, so they are cached like the name index."""
        kb, knowledge_dir, kb_key = self._made_from
        source = (knowledge_dir / "facility.yaml").read_bytes() if (knowledge_dir / "facility.yaml").is_file() else b""
        key = hashlib.sha256(kb_key.encode() + source).hexdigest()[:24] if kb_key else ""
        return compiled(self.cache_dir if kb_key else None, "facility-words", key,
                        lambda: _build_words(kb, self.words, knowledge_dir))

    @property
    def knowledge(self) -> FacilityKnowledge:
        return self._words[0]

    @property
    def anesthesia_index(self) -> ProcedureIndex:
        return self._words[1]

    @property
    def _place_stems(self) -> dict[str, list[tuple[str, ...]]]:
        return self._words[2]

    def vocabulary(self) -> set[str]:
        return self.anesthesia_index.vocabulary() | {w for ws in self.knowledge.places.values() for x in ws
                                                     for w in self.words.surface(x)}

    # --- which asks are ours --------------------------------------------------------------------------

    def places_named(self, r: Reading) -> list[str]:
        """The places of service a question names, in the order office, asc, hospital."""
        stems = [t.stem for t in r.tokens]
        found = []
        for place, phrases in self._place_stems.items():
            for phrase in phrases:
                n = len(phrase)
                if n and any(tuple(stems[i:i + n]) == phrase for i in range(len(stems) - n + 1)):
                    found.append(place)
                    break
        return found

    def ask(self, engine: Engine, r: Reading, make: Callable[..., Ask]) -> Ask | None:
        """The facility ask this question is, or None (then the engine goes on as before)."""
        if self.data is None or any(r.has(i) for i in NOT_OURS):
            return None
        ent = r.entities
        anesthesia_code = any(is_anesthesia_code(c) for c in ent.codes)
        if self.data.has("anes_base") and (anesthesia_code or (r.has("anesthesia") and not _how_done(r.text))):
            # an anesthesia code by number is about anesthesia whatever the words: it has no RVUs of its own
            return self._anesthesia_ask(engine, r, make)
        places = self.places_named(r)
        site = r.has("site_of_service") or len(places) >= 2
        # The bare word "hospital" places a service ("the tracing was done at the hospital", "a hospital
        # cardiologist reads it"); it asks for the hospital's own payment only beside words of payment.
        hospital = r.has("hospital") and not site and (r.has("payment") or len(r.intents) == 1
                                                       or not _only_the_word(r, "hospital"))
        asc = r.has("asc") and not site
        if not ent.codes and not site and (r.has("hospital") or r.has("asc")):
            named = self.indicator_named(r.text)
            if named:  # "what does status indicator J1 mean": the indicator itself is the subject
                return make("indicator_meaning", subject=named)
        if not (site or hospital or asc):
            return None
        if r.has("multiple_procedures") or (r.has("compare") and not site and len(ent.codes) > 1):
            return None
        codes = list(dict.fromkeys(ent.codes))
        if not codes:
            found, _, ambiguous = engine._codes_by_words(r)
            if ambiguous:
                return make("clarify", candidates=[c.code for c in ambiguous])
            codes = found
        if not codes:
            return None
        kind = "site_of_service" if site else "hospital" if hospital else "asc"
        if kind in ("hospital", "site_of_service") and not self.data.has("opps_b"):
            return None
        if kind in ("asc", "site_of_service") and not self.data.has("asc_aa"):
            return None
        fy_localities = {loc.key: loc for loc in engine.kb.years[engine.kb.newest_year].localities}
        localities = [fy_localities.get(x.key, x) for x in ent.localities]
        return make(kind, codes=codes[:1], unknown_codes=[], settings=("office", "facility"), localities=localities)

    def _anesthesia_ask(self, engine: Engine, r: Reading, make: Callable[..., Ask]) -> Ask | None:
        ent = r.entities
        codes = [c for c in ent.codes if is_anesthesia_code(c)]
        if ent.codes and not codes:
            return None  # "anesthesia for 58260": CMS's files do not map a surgery code to its anesthesia code
        if not codes:
            stems = r.stems()
            top = close_calls(self.anesthesia_index.search(*stems))
            if not top:
                return make("not_found", problem="no_code", subject=" ".join(
                    t.surface for i, t in enumerate(r.tokens) if not t.stop and i not in ent.positions
                    and not any(i in m.positions for m in r.intents)))
            primary = [c for c in top if c.primary]
            if len(top) > 1 and len(primary) != 1:
                return make("clarify", candidates=[c.code for c in top[:5]])
            codes = [(primary[0] if primary else top[0]).code]
        return make("anesthesia", codes=codes[:1], settings=("facility",), localities=list(ent.localities),
                    minutes=minutes_in(r.text))

    def indicator_named(self, text: str) -> str:
        """The OPPS status or ASC payment indicator a question names ("status indicator J1", "SI Q1", "what
        is a G2"), or "". A one-letter indicator counts only right after the word indicator, SI or PI; a
        letter-and-digit one anywhere."""
        known = set(self.knowledge.opps_status) | set(self.knowledge.asc_payment)
        for m in re.finditer(INDICATOR_RE, text[:MAX_INDICATOR_TEXT], re.I):
            value = (m.group(1) or m.group(2) or "").upper()
            if value in known:
                return value
        return ""

    # --- lookups --------------------------------------------------------------------------------------

    def opps(self, code: str) -> OppsRow | None:
        assert self.data is not None
        row = self.data.one("SELECT o.period, o.code, o.descriptor, o.si, o.apc, o.weight, o.rate, o.copay_national, "
                            "o.copay_minimum, o.copay_adjusted, o.note, COALESCE(a.title, '') FROM opps o "
                            "LEFT JOIN apc a ON a.apc = o.apc AND a.period = (SELECT MAX(period) FROM apc "
                            "WHERE apc = o.apc AND period <= o.period) "
                            "WHERE o.code = ? ORDER BY o.period DESC LIMIT 1", (code,))
        return OppsRow(*row) if row else None

    def asc_history(self, code: str) -> list[AscRow]:
        """The code's ASC rows, newest quarter first (Addendum AA before BB within a quarter)."""
        assert self.data is not None
        rows = self.data.query("SELECT period, addendum, code, descriptor, mpd, pi, weight, rate FROM asc "
                               "WHERE code = ? ORDER BY period DESC, addendum", (code,))
        return [AscRow(*r) for r in rows]

    def asc_quarters(self) -> list[str]:
        """Loaded ASC Addendum AA quarters, newest first."""
        assert self.data is not None
        return [d.period for d in self.data.datasets.get("asc_aa", [])]

    def base_units(self, code: str) -> tuple[float, str] | None:
        assert self.data is not None
        row = self.data.one("SELECT units, period FROM anes_base WHERE code = ? ORDER BY period DESC LIMIT 1",
                            (code,))
        return (row[0], row[1]) if row else None

    def anesthesia_cfs(self) -> tuple[str, dict[str, tuple[str, float]]]:
        """(year, {"MAC-NN": (locality name, anesthesia CF)}) of the newest loaded year."""
        assert self.data is not None
        newest = self.data.newest("anes_cf")
        if newest is None:
            return "", {}
        rows = self.data.query("SELECT mac, locality, name, cf FROM anes_cf WHERE period = ?", (newest.period,))
        return newest.period, {f"{m}-{n}": (name, cf) for m, n, name, cf in rows}

    def hcpcs_long(self, code: str) -> str | None:
        if self.data is None or not self.data.has("hcpcs"):
            return None
        row = self.data.one("SELECT long FROM hcpcs WHERE code = ? ORDER BY period DESC LIMIT 1", (code,))
        return row[0] if row else None

    @staticmethod
    def hcpcs_names_of(data: FacilityData) -> dict[str, str]:
        """Every Level II code's long description (letters A-V), for naming codes by words."""
        newest = data.newest("hcpcs")
        if newest is None:
            return {}
        return {c: d for c, d in data.query("SELECT code, long FROM hcpcs WHERE period = ?", (newest.period,))
                if LEVEL_II_RE.match(c)}

    def finish(self, ans: Answer, ask: Ask, engine: Engine) -> Answer:
        """What the facility side adds to any answer: a hospital or ASC question answered without the facility
        files says that the amount shown is the physician's and how to get the facility's; words that name no
        code are tried against the HCPCS Level II long descriptions; a Level II code is titled by its own."""
        r = ask.reading
        if ans.status == "answered" and ans.intent in ("payment", "describe") and (r.has("hospital") or r.has("asc")):
            kind, file = ("asc_aa", "ASC Addendum AA") if r.has("asc") else ("opps_b", "OPPS Addendum B")
            if self.data is None or not self.data.has(kind):
                who = "ASC" if kind == "asc_aa" else "hospital"
                ans.notes.append(f"The amounts here are the physician's fee; the {who}'s own payment is separate. "
                                 f"Import CMS's {file} (`cptbot kb import`) to see it.")
        if ans.status == "not_found" and ask.problem in ("no_code", "outside_code", ""):
            found = self._by_long_description(ask, engine)
            if found is not None:
                ans = found
        self._name_level_ii(ans)
        return ans

    def _by_long_description(self, ask: Ask, engine: Engine) -> Answer | None:
        """The answer about the one Level II code CMS's long descriptions name, when other names found none."""
        index = self.level_ii_index()
        if index is None:
            return None
        top = close_calls(index.search(*ask.reading.stems()))
        if len(top) != 1:
            return None
        code = top[0].code
        from bot.answers import ANSWERERS
        from bot.understanding.ask import Ask as AskRecord

        if (code, "") in ask.fy.rvus:
            what = "payment" if ask.reading.has("payment") else "describe"
            return ANSWERERS["value"](AskRecord(kind="value", reading=ask.reading, fy=ask.fy, what=what, codes=[code],
                                                settings=("office", "facility")), engine)
        long = self.hcpcs_long(code) or ""
        return Answer(status="answered", intent="describe", codes=[code], year=None, title=f"{code} · {long}",
                      headline=f"{code}: {long} (HCPCS Level II; CMS's long description). It is not on the "
                               f"CY{ask.year} physician fee schedule.")

    def level_ii_index(self) -> ProcedureIndex | None:
        """The word index over Level II long descriptions, built once (and cached beside the data)."""
        if self._level_ii is None and self.data is not None and self.data.has("hcpcs"):
            info = self.data.newest("hcpcs")
            names = self.hcpcs_names_of(self.data)
            self._level_ii = compiled(self.cache_dir, "level-ii-index", f"{info.sha256[:24]}-{len(names)}",
                                      lambda: ProcedureIndex([CodeEntry(code=c, name=d, curated=False)
                                                              for c, d in names.items()], self.words))
        return self._level_ii

    def _name_level_ii(self, ans: Answer) -> None:
        """A Level II code's answer is titled by CMS's long description; a drug's says where its price is."""
        if ans.status != "answered" or not ans.codes or not LEVEL_II_RE.match(ans.codes[0]):
            return
        code = ans.codes[0]
        long = self.hcpcs_long(code)
        if long and ans.intent not in ("hospital", "asc", "site_of_service"):
            ans.title = f"{code} · {long}"
            if ans.intent == "describe":
                ans.headline = f"{code}: {long} (HCPCS Level II; CMS's long description)."
        if code.startswith("J"):
            ans.notes.append(f"{code} is a drug code: Medicare pays drugs from CMS's quarterly ASP (average sales "
                             "price) pricing file, which cptbot does not load; amounts here are not the drug's price.")


def _build_words(kb: KnowledgeBase, words: Words, knowledge_dir: Path
                 ) -> tuple[FacilityKnowledge, ProcedureIndex, dict[str, list[tuple[str, ...]]]]:
    """facility.yaml checked, the anesthesia codes' index (CMS descriptors + our names), place phrases as stems."""
    knowledge = load_facility_knowledge(knowledge_dir)
    place_stems = {place: [words.stems(w) for w in ws] for place, ws in knowledge.places.items()}
    entries = []
    newest = kb.years[kb.newest_year]
    named = set()
    for (code, mod), row in newest.rvus.items():
        if not mod and is_anesthesia_code(code):
            entries.append(CodeEntry(code=code, name=expand_descriptor(row.description, kb.abbreviations, words),
                                     synonyms=knowledge.anesthesia_names.get(code, ()), curated=False))
            named.add(code)
    entries += [CodeEntry(code=c, name=names[0], synonyms=names[1:], curated=False)
                for c, names in knowledge.anesthesia_names.items() if c not in named]
    return knowledge, ProcedureIndex(entries, words), place_stems


# "ear tubes under general anesthesia", "excision with local anesthesia": how a procedure was done, which names
# the procedure (69436 says general anesthesia) rather than asking about the anesthesia service
HOW_DONE = (r"\b(?:under|with|using|via|in)\s+(?:general|local|regional|topical|monitored|iv|conscious)?\s*"
            r"(?:anesthesia|anaesthesia|sedation)\b")
ANESTHESIA_SERVICE = (r"\b(?:base units?|anesthesia (?:base|units?|time|codes?|for|payment|cf|conversion)|"
                      r"anesthesiologists?|crnas?)\b")


def _how_done(text: str) -> bool:
    """The question's only anesthesia words say how a procedure was done, not what the anesthesia is billed as."""
    return bool(re.search(HOW_DONE, text, re.I)) and not re.search(ANESTHESIA_SERVICE, text, re.I)


def minutes_in(text: str) -> float | None:
    """Anesthesia time a question states ("90 minutes", "1.5 hours", "2 hrs"), in minutes; None if none."""
    m = re.search(MINUTES_RE, text, re.I)
    if not m:
        return None
    value = float(m.group(1))
    minutes = value * 60 if m.group(2).lower().startswith("h") else value
    return minutes if 0 < minutes <= MAX_MINUTES else None


def _only_the_word(r: Reading, intent: str) -> bool:
    """Whether `intent` matched nothing but its bare one-word keyword ("hospital"), not a phrase such as
    "hospital outpatient" or "opps rate"."""
    match = next((m for m in r.intents if m.name == intent), None)
    return match is not None and all(r.tokens[i].surface.rstrip("s") == intent for i in match.positions)
