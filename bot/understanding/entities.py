"""The things a question names outright: code numbers, modifiers, years, a setting and a place.

Code and modifier patterns are read from the original text (case matters: "AS" is a modifier, "as" is
English); settings and places are read from the normalised words so that synonyms and typos work.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from bot.knowledge import KnowledgeBase
from bot.record import Record, field
from bot.records import Locality
from bot.understanding.phrases import PhraseTable
from bot.understanding.words import Token, Words, has_digit

# Patterns that need a digit, "mod", "global" or "-" in the question are strings, compiled on first use by
# `re`'s own cache, and the finders below look for those characters first: a question in words never
# compiles them (compiling every pattern at import was 4% of a one-question `cptbot ask`).
CODE_RE = r"(?<![\w$.,])(\d{5}|\d{4}[FfTt]|0\d{3}[AaUuMm]|[A-Va-v]\d{4})(?:-([0-9A-Za-z]{2}))?(?![\w.]\w)"
# "71046 26": a component row CMS prices (26, TC, 53) written after the code with a space, no hyphen.
SPACED_ROW_MODIFIER_RE = (r"[ \t]{1,3}(26|TC|tc|53)(?![\w.%$]|\s*(?:%|percent|min|minutes?|units?|years?|"
                          r"days?|dollars?)\b)")
MODIFIER_WORD_RE = r"(?i)\b(?:modifiers?|mods?)\b"
MODIFIER_AFTER_WORD_RE = r"(?i)\b(?:modifiers?|mods?)\s*[:#-]?\s*([0-9A-Za-z]{2})\b"
MODIFIER_BEFORE_WORD_RE = r"(?i)\b([0-9A-Za-z]{2})\s+(?:modifiers?|mods?)\b"
DASH_MODIFIER_RE = r"(?<![\w-])-([0-9]{2}|[A-Z]{2})\b"
BARE_TOKEN_RE = re.compile(r"\b([0-9A-Za-z]{2})\b")
# "put 51 on 57454", "append 25 to the visit", "do I need 59": a verb of attaching names a modifier
MODIFIER_CUE_RE = re.compile(r"\b(?:append|appending|appended|add|adding|attach|attaching|put|putting|use|using|need|"
                             r"needs|report|bill)\s+(?:an?\s+|the\s+)?-?([0-9]{2}|[A-Z]{2})\b(?!\s*(?:-|\.)?\d)")
GLOBAL_RE = re.compile(r"(?<![\w.])(000|010|090|mmm|xxx|yyy|zzz)(?![\w.])", re.I)
# "a 10 day global", "90-day global period", "zero-day global": the indicator by its days
GLOBAL_DAYS_RE = r"(?i)\b(0|10|90|zero|ten|ninety)[- ]?days?[- ](?:post[- ]?op(?:erative)?\s+)?global\b"
GLOBAL_OF_DAYS = {"0": "000", "zero": "000", "10": "010", "ten": "010", "90": "090", "ninety": "090"}
GLOBAL_WORD_RE = r"(?i)\bglobal"
MALFORMED_CODE_RE = r"(?i)\b(?:cpt|hcpcs|code)\s*#?\s*(\d{1,4}|\d{6,})(?![\dA-Za-z])"
BARE_UNIT_RE = re.compile(r"\s*(?:-|\s)?(?:min|mins|minutes?|hours?|hrs?|years?|yrs?|days?|weeks?|months?|units?|"
                          r"percent|%|dollars?|\$|mg|mcg|ml|cc|mm|cm|kg|lbs?|g\b|y/?o\b|patients?|polyps?|"
                          r"lesions?)", re.I)
YEAR_RE = r"(?i)\b(?:cy\s?)?((?:19|20)\d\d)\b"
ZIP_NUMBER_RE = r"(?<![\w$.,])(\d{5})(?:-\d{4})?(?![\w.]\w)"
ZIP_WORD_RE = r"(?i)\bzip(?:\s*code)?\s*[:#]?\s*$"
ZIP_CUE_RE = r"(?i)\b(?:zip(?:\s*code)?|in|near|at|locality|area)\s*[:#]?\s*$"
CUE_WINDOW = 40  # characters before a number that may hold its cue ("zip code: "): looked at, never more
STATE_CUE_RE = re.compile(r"\b(?:in|for)\s+([A-Z]{2})\b(?![-/])")  # not "for CT-guided"
# two letters that are words (or, like "pt" for patient, a coder's abbreviation) before they are modifiers
ENGLISH_TWO_LETTER = {"as", "at", "is", "in", "it", "to", "of", "or", "on", "an", "be", "by", "do", "go", "he",
                      "if", "me", "my", "no", "so", "up", "us", "we", "am", "ok", "hi", "ga", "pt"}


class Entities(Record, eq=False):
    codes: list[str] = field(default_factory=list)  # in the order written, unique
    code_modifiers: dict[str, str] = field(default_factory=dict)  # "57461-53" -> {"57461": "53"}
    modifiers: list[str] = field(default_factory=list)  # known modifiers, in order
    unknown_modifiers: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    setting: str | None = None
    localities: list[Locality] = field(default_factory=list)
    state: str | None = None  # a state named without a single locality
    zip_code: str | None = None
    zip_unknown: bool = False  # a ZIP was named that no imported ZIP file places (or none is imported)
    place_choices: list[Locality] = field(default_factory=list)  # a place in several localities: ask which
    place_words: str = ""  # the words of that place, as written
    global_periods: list[str] = field(default_factory=list)  # "MMM", "010": indicators asked about
    malformed_codes: list[str] = field(default_factory=list)  # "cpt 5746": a code with the wrong length
    positions: set[int] = field(default_factory=set)  # token positions explained by these entities


def find_codes(text: str) -> tuple[list[str], dict[str, str]]:
    codes: list[str] = []
    mods: dict[str, str] = {}
    if not has_digit(text):
        return codes, mods
    for m in re.finditer(CODE_RE, text):
        code = m.group(1).upper()
        if code not in codes:
            codes.append(code)
        if m.group(2):
            mods[code] = m.group(2).upper()
        else:
            spaced = re.compile(SPACED_ROW_MODIFIER_RE).match(text, m.end())
            if spaced:
                mods.setdefault(code, spaced.group(1).upper())
    return codes, mods


def find_modifiers(text: str, known: set[str], code_mods: dict[str, str]) -> tuple[list[str], list[str]]:
    """Modifiers named in the text: after/before the word "modifier", as "-59", or appended to a code."""
    found: list[str] = []
    unknown: list[str] = []

    def add(raw: str, strict: bool) -> None:
        mod = raw.upper()
        if mod in known:
            if mod not in found:
                found.append(mod)
        elif not strict and mod not in unknown and not raw.isalpha():
            unknown.append(mod)

    for mod in code_mods.values():
        add(mod, strict=False)
    says_mod = "mod" in text.lower()
    for m in re.finditer(MODIFIER_AFTER_WORD_RE, text) if says_mod else ():
        if m.group(1).lower() not in ENGLISH_TWO_LETTER or m.group(1).isupper():
            add(m.group(1), strict=False)
    for m in re.finditer(MODIFIER_BEFORE_WORD_RE, text) if says_mod else ():
        if m.group(1).lower() not in ENGLISH_TWO_LETTER or m.group(1).isupper():
            add(m.group(1), strict=True)
    for m in re.finditer(DASH_MODIFIER_RE, text) if "-" in text else ():
        add(m.group(1), strict=True)
    for m in MODIFIER_CUE_RE.finditer(text):
        if not BARE_UNIT_RE.match(text, m.end()):
            add(m.group(1), strict=True)
    talks_modifiers = says_mod and re.search(MODIFIER_WORD_RE, text) is not None
    # With no code in the question, a known two-digit modifier standing alone ("when do I use 79") is one,
    # unless a unit follows it ("25 minutes").
    no_code = not code_mods and not (has_digit(text) and re.search(CODE_RE, text))
    for m in BARE_TOKEN_RE.finditer(text):
        raw = m.group(1)
        if raw.upper() not in known:
            continue
        if raw.isupper() and not raw.isdigit() and raw not in ("OR", "IN", "ME", "HI", "OK", "PA", "MD", "PT"):
            add(raw, strict=True)  # XU, AS, TC written in capitals
        elif talks_modifiers and (raw.isdigit() or raw.lower() not in ENGLISH_TWO_LETTER):
            add(raw, strict=True)
        elif raw.isalpha() and raw.lower() not in ENGLISH_TWO_LETTER:
            add(raw, strict=True)  # "gy vs gz": letter modifiers that are no English word
        elif raw.isdigit() and no_code and not BARE_UNIT_RE.match(text, m.end()):
            add(raw, strict=True)
    return found, unknown


def find_years(text: str, relative: dict[str, int] | None = None, newest: int | None = None) -> list[int]:
    """Years written out ("2025", "CY2025") and, given the newest loaded year, relative ones ("last year")."""
    years: list[int] = []
    for m in re.finditer(YEAR_RE, text) if has_digit(text) else ():
        y = int(m.group(1))
        if y not in years:
            years.append(y)
    if relative and newest is not None:
        lowered = text.lower()
        for phrase, offset in relative.items():
            if _whole_phrase(phrase).search(lowered) and newest + offset not in years:
                years.append(newest + offset)
    return years


_PHRASE_RES: dict[str, re.Pattern[str]] = {}


def _whole_phrase(phrase: str) -> re.Pattern[str]:
    """The pattern of `phrase` as whole words, compiled once (not once per question); bounded by the
    lexicon's phrases."""
    found = _PHRASE_RES.get(phrase)
    if found is None:
        found = _PHRASE_RES[phrase] = re.compile(rf"\b{re.escape(phrase)}\b")
    return found


def find_global_periods(text: str) -> list[str]:
    """Global indicators named in a question: "MMM", "YYY", "ZZZ", "XXX" (in capitals), 000/010/090, or by their
    days ("a 10 day global")."""
    found: list[str] = []
    says_global = "global" in text.lower() and re.search(GLOBAL_WORD_RE, text) is not None  # once, not per match
    for m in GLOBAL_RE.finditer(text):
        g = m.group(1)
        if (g.isdigit() or g.isupper() or says_global) and g.upper() not in found:
            found.append(g.upper())
    for m in re.finditer(GLOBAL_DAYS_RE, text) if says_global else ():
        g = GLOBAL_OF_DAYS[m.group(1).lower()]
        if g not in found:
            found.append(g)
    return found


def find_malformed_codes(text: str) -> list[str]:
    """Numbers written as a code ("cpt 5746", "code 574611") that have the wrong number of digits."""
    return [m.group(1) for m in re.finditer(MALFORMED_CODE_RE, text)] if has_digit(text) else []


class PlaceFinder:
    """Settings (office / facility) and Medicare localities named in a question."""

    def __init__(self, kb: KnowledgeBase, words: Words):
        self.words = words
        newest = kb.years[kb.newest_year].localities if kb.years else ()
        self.by_key = {loc.key: loc for loc in newest}
        source = (sorted(kb.lexicon.settings.items()), [(loc.key, loc.name, loc.counties) for loc in newest],
                  sorted(kb.places.locality_aliases.items()), sorted(kb.places.ask_back.items()),
                  sorted(kb.places.states.items()))
        key = "places:" + hashlib.sha256(repr(source).encode()).hexdigest()[:24]
        # the phrases as stems, made once and kept by `words` for the next start
        made = words.table(key, lambda: _place_phrases(kb, words, newest))
        self.settings = [(tuple(stems), name) for stems, name in made["settings"]]
        self.settings.sort(key=lambda p: -len(p[0]))
        self.vocabulary: set[str] = set(made["vocabulary"])
        self.places: list[tuple[tuple[str, ...], str]] = [(tuple(stems), key) for stems, key in made["places"]]
        self.places.sort(key=lambda p: -len(p[0]))
        self.by_state: dict[str, list[Locality]] = {}
        for loc in newest:
            self.by_state.setdefault(loc.state, []).append(loc)
        self._settings = PhraseTable(self.settings)
        self._places = PhraseTable(self.places)
        self.zips = kb.zip_localities  # looked up, never iterated: 43,000 ZIPs load only when asked

    def find(self, tokens: list[Token], raw: str, ent: Entities) -> None:
        stems = [t.stem for t in tokens]
        taken: set[int] = set()
        for r, name in self._settings.find(stems):
            if not taken & set(r):
                ent.setting = ent.setting or name
                taken.update(r)
        for r, key in self._places.find(stems):
            if taken & set(r):
                continue
            taken.update(r)
            if key.startswith("STATE:"):
                self._add_state(key[6:], ent)
            elif key.startswith("ASK:"):
                if not ent.place_choices:
                    ent.place_choices = [self.by_key[k] for k in key[4:].split("|")]
                    ent.place_words = " ".join(tokens[i].surface for i in r)
            elif self.by_key[key] not in ent.localities:
                ent.localities.append(self.by_key[key])
        # One pass: a capitalised two-letter state after "in"/"for" ("99213 in NY"), in order of appearance.
        for abbr in dict.fromkeys(STATE_CUE_RE.findall(raw)):
            if abbr in self.by_state:
                self._add_state(abbr, ent)
        ent.positions |= taken

    def find_zip(self, text: str, ent: Entities, is_code: Callable[[str], bool]) -> None:
        """A ZIP code names its Medicare locality (after an import of CMS's ZIP file).

        Five digits are a ZIP when they follow "zip", "in", "near", "at" or "locality", so "payment for
        99213 in 10001" and "set locality 10001" both work, while "27447" or "99216" alone stays a code.
        After "zip" they are a ZIP even without the ZIP file: never mistaken for a code.
        """
        for m in re.finditer(ZIP_NUMBER_RE, text) if has_digit(text) else ():
            z = m.group(1)
            # The cue is looked for in a fixed window before the number (`pos`/`endpos` do not copy the text,
            # and `\b` still sees the character before the window): linear however many numbers there are.
            window = (max(0, m.start() - CUE_WINDOW), m.start())
            named_zip = bool(re.compile(ZIP_WORD_RE).search(text, *window))
            if not named_zip and not re.compile(ZIP_CUE_RE).search(text, *window):
                continue  # "27447" alone stays a code (and is not looked up in the ZIP file)
            mac_locality = self.zips.get(z)
            key = f"{mac_locality[0]}-{mac_locality[1]}" if mac_locality else ""
            if key not in self.by_key and not named_zip and is_code(z):
                continue  # "27447" alone, or "in 99213" where 99213 is a code, stays a code
            if z in ent.codes:
                ent.codes.remove(z)
            ent.zip_code = ent.zip_code or z
            if key not in self.by_key:
                ent.zip_unknown = True  # not in the ZIP file, or no ZIP file imported: never a silent national
            elif self.by_key[key] not in ent.localities:
                ent.localities.append(self.by_key[key])

    def _add_state(self, abbr: str, ent: Entities) -> None:
        locs = self.by_state.get(abbr, [])
        if len(locs) == 1:
            if locs[0] not in ent.localities:
                ent.localities.append(locs[0])
        elif locs and ent.state is None and not any(loc.state == abbr for loc in ent.localities):
            ent.state = abbr


def county_names(counties: str) -> list[str]:
    """County names in a CMS county-file cell ("BUCKS, CHESTER, DELAWARE, MONTGOMERY AND PHILADELPHIA").

    Cells that describe a remainder ("ALL OTHER COUNTIES", "ALL COUNTIES, EXCEPT ...") name no county:
    the excepted ones are listed positively under their own locality.
    """
    text = counties.upper()
    if not text.strip() or "ALL " in text or "EXCEPT" in text:
        return []
    parts = re.split(r",|/|\bAND\b", text)
    return [" ".join(p.replace("CNTY", "").replace("COUNTY", "").split()).lower() for p in parts
            if len(p.strip()) > 2]


def _name_parts(name: str) -> list[tuple[int, str]]:
    """Searchable parts of a CMS locality name, each with its priority (lower wins a shared phrase).

    "SAN JOSE-SUNNYVALE-SANTA CLARA (SANTA CLARA CNTY)": the whole name (0); the counties in parentheses,
    "santa clara cnty", "santa clara county" and, for names of two words or more, "santa clara" (1); the
    name before the parentheses and its cities, "san jose", "sunnyvale" (3), which other localities may
    share (then the bot asks which). "METROPOLITAN ST. LOUIS" also gives "st. louis" (3).
    """
    clean = re.sub(r"[*]+", "", name).strip()
    out: list[tuple[int, str]] = [(0, clean)]
    main = re.sub(r"\(.*?\)", "", clean).strip()
    for inside in re.findall(r"\((.*?)\)", clean):
        for county in inside.split("/"):
            county = re.sub(r"\bCNTYS?\b|\bCOUNTY\b", "", county).strip()
            if county:
                out += [(1, f"{county} cnty"), (1, f"{county} county")]
                if len(county.split()) > 1:
                    out.append((1, county))
    main = re.sub(r"^METROPOLITAN\s+", "", main)
    out.append((3, main))
    out += [(3, p.strip()) for p in re.split(r"[-/+,]", main) if len(p.strip()) > 3]
    generic = {"REST OF STATE", "STATEWIDE", "REST OF", "METROPOLITAN", "SUBURBS", "MD", "VA"}
    seen: set[str] = set()
    parts = []
    for priority, part in out:
        key = part.lower()
        usable = priority == 0 or (part.upper() not in generic and not part.upper().startswith("REST OF"))
        if part and usable and key not in seen:
            seen.add(key)
            parts.append((priority, key))
    return parts


def _place_phrases(kb: KnowledgeBase, words: Words, newest) -> dict[str, list]:
    """Settings and places as stems (JSON-ready): {settings: [[stems, setting]], places: [[stems, key]],
    vocabulary}. A place's key is a locality key, "STATE:XX", or "ASK:k1|k2" when it fits several localities."""
    settings = [[list(words.stems(p)), name] for name, phrases in kb.lexicon.settings.items() for p in phrases]
    by_name = {loc.name.upper(): loc for loc in newest}
    vocabulary: set[str] = set()
    # Each phrase names one locality, a state, or (when it fits several localities equally) a question
    # back. Priority: the exact CMS name, then an everyday alias or a county, then a part of a name.
    targets: dict[tuple[str, ...], tuple[int, list[str]]] = {}

    def add(phrase: str, key: str, priority: int) -> None:
        stems = words.stems(phrase)
        if not stems:
            return
        vocabulary.update(words.surface(phrase))
        best, keys = targets.get(stems, (99, []))
        if priority < best:
            targets[stems] = (priority, [key])
        elif priority == best and key not in keys:
            keys.append(key)

    for loc in newest:
        for priority, part in _name_parts(loc.name):
            add(part, loc.key, priority)
    for alias, target in kb.places.locality_aliases.items():
        loc = by_name.get(target.upper())
        if loc is not None:
            add(alias, loc.key, 1)
    for place, names in kb.places.ask_back.items():
        keys = [by_name[n.upper()].key for n in names if n.upper() in by_name]
        if len(keys) > 1:
            add(place, "ASK:" + "|".join(keys), 0)
    for abbr, name in kb.places.states.items():
        add(name, f"STATE:{abbr}", 2)
    # Counties (from an imported county file) are named with the word "county": "bucks county".
    for loc in newest:
        for county in county_names(loc.counties):
            add(f"{county} county", loc.key, 2)
    for phrases in kb.lexicon.settings.values():
        for phrase in phrases:
            vocabulary.update(words.surface(phrase))
    places = [[list(stems), keys[0] if len(keys) == 1 else "ASK:" + "|".join(keys)]
              for stems, (_, keys) in targets.items()]
    return {"settings": settings, "places": places, "vocabulary": sorted(vocabulary)}
