"""Turning text into comparable words: the one place where spelling, synonyms and endings are handled.

Questions, code synonyms and intent keywords all pass through the same `Words`, so "hysteroscopic",
"Hysteroscopy" and the typo "hysterscopy" all become the same stem on both sides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar

from bot.knowledge import Lexicon
from bot.record import Record

MAX_CHARS = 2000
T = TypeVar("T")
_SLACK_LINK = re.compile(r"<(?:[^<>|]*\|)?([^<>]*)>")
# Labels stop at the next angle bracket ([^<>]*, not [^>]*): an unclosed `<@U1|` must not make the pattern
# rescan the rest of the text once per occurrence (quadratic in a long message).
_SLACK_USER = re.compile(r"<@[A-Z0-9]+(?:\|[^<>]*)?>")
_SLACK_SPECIAL = re.compile(r"<!(?:channel|here|everyone)[^<>]*>")
_TOKEN = re.compile(r"[a-z0-9]+(?:[&/][a-z0-9]+)*")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # the ASCII characters of Unicode categories C and Z, but " "
NEGATED_PREFIX = "not_"  # a stem a negation excludes ("without hysteroscopy"): never equal to a plain stem
# Stopwords a negation reaches past ("not done using a hysteroscope"; "with" too right after "done" or
# "performed": "not done with a hysteroscope"); any other stopword ("with", "of", "and") ends what it excludes.
_NEGATION_SKIPS = frozenset({"a", "an", "the", "any", "done", "performed", "perform", "using", "use", "is", "was",
                             "be", "been"})
_NEGATED_VERBS = frozenset({"done", "performed", "perform"})
CONTENT_STEMS = "content-stems"  # the table of knowledge phrases' content stems (see Words.content_stems)
_SUFFIXES = ("ically", "ical", "ies", "es", "ic", "s", "y", "al", "e")



_DIGIT = re.compile(r"\d")


def has_digit(text: str) -> bool:
    """Whether `text` has a digit: codes, years, ZIPs, sizes and times all need one, so their finders look for
    one before compiling or running their patterns."""
    return _DIGIT.search(text) is not None

class Cleaned(Record, frozen=True):
    text: str
    truncated: bool


def clean(raw: str) -> Cleaned:
    """Make any input safe to read: Slack markup undone, control characters dropped, length capped.

    Slack escapes `&`, `<`, `>` and wraps mentions and links in angle brackets; those are undone here so the
    engine sees what the person typed. Only the first MAX_CHARS characters are read.
    """
    text = raw if isinstance(raw, str) else str(raw)
    truncated = len(text) > MAX_CHARS
    text = text[:MAX_CHARS]
    text = _SLACK_USER.sub(" ", text)
    text = _SLACK_SPECIAL.sub(" ", text)
    text = _SLACK_LINK.sub(r"\1", text)
    if "&" in text:
        import html  # here: its entity table is slow to import and few questions hold an `&`

        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():  # most questions: one regex pass instead of a category look-up per character
        text = _ASCII_CONTROL.sub(" ", text)
    else:
        text = "".join(ch if unicodedata.category(ch)[0] not in "CZ" or ch == " " else " " for ch in text)
    text = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return Cleaned(text=" ".join(text.split()), truncated=truncated)


def stem(word: str) -> str:
    """A deliberately small stemmer: strip common English endings from long alphabetic words."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


class Token(Record, frozen=True):
    surface: str  # as typed (lower-cased, after rewrites)
    word: str  # after spelling correction
    stem: str  # after equivalents and stemming: what is compared
    stop: bool


class Words:
    """Tokeniser, spelling corrector and stemmer configured by the lexicon."""

    def __init__(self, lexicon: Lexicon, tables: dict[str, object] | None = None):
        """`tables`: what an earlier process made of the knowledge phrases (`table`), so a start does not read
        the same few thousand keywords and patterns again."""
        self.lexicon = lexicon
        rewrites = sorted(lexicon.rewrites.items(), key=lambda kv: -len(kv[0]))
        # the boundaries once around the alternatives (longest first): the same matches as a boundary around each,
        # compiled in a tenth of the time
        self._rewrite_re = (re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(k) for k, _ in rewrites)
                                       + r")(?![a-z0-9])") if rewrites else None)
        self._rewrites = dict(rewrites)
        self._vocabulary: list[str] | None = []
        self._known: set[str] = set()
        self._tables: dict[str, object] = dict(tables or {})
        self._made: dict[str, object] = {}
        self.recording = False  # while True, the tables made are kept for `made_tables`
        self._stem_cache: dict[str, str] = {}
        self._corrections: dict[str, str] = {}  # unknown word -> its correction (or itself)
        self._content_cache: dict[str, tuple[str, ...]] = {}  # text -> content_stems(text) (no correction)
        # the knowledge phrases' content stems an earlier start worked out (finders read a few hundred at load)
        seeded = self._tables.get(CONTENT_STEMS)
        if isinstance(seeded, dict):
            self._content_cache.update((text, tuple(stems)) for text, stems in seeded.items())
        self._content_made: dict[str, tuple[str, ...]] = {}  # worked out while recording, for `made_tables`
        # word as typed -> its Token, with and without correction: a question's sides, and the texts it is
        # read again as, repeat its words (never changed once made; Token is a record nothing assigns to)
        self._token_cache: tuple[dict[str, Token], dict[str, Token]] = ({}, {})

    def learn(self, words: set[str]) -> None:
        """Words the spelling corrector may correct towards (every word of every synonym and keyword)."""
        self._known |= words
        self._vocabulary = None  # sorted when a word first needs correcting
        self._corrections.clear()
        for made in self._token_cache:
            made.clear()

    def table(self, key: str, build: Callable[[], T]) -> T:
        """A table made only from knowledge phrases (e.g. rule patterns as phrase ids), by a `key` that names its
        source: taken from the tables given, else built (and kept for `made_tables` while recording). It must
        be plain JSON data: the engine saves it in its cache ("reading")."""
        found = self._tables.get(key)
        if found is None:
            found = build()
            if self.recording:
                self._made[key] = found
        return found  # type: ignore[return-value]

    def made_tables(self) -> dict[str, object]:
        made: dict[str, object] = dict(self._made)
        if self._content_made:
            made[CONTENT_STEMS] = {text: list(stems) for text, stems in self._content_made.items()}
        return made

    def rewritten(self, text: str) -> str:
        """`text` lower-cased with the lexicon's phrase rewrites applied ("d and c" -> "d&c")."""
        text = text.lower()
        if self._rewrite_re is not None:
            text = self._rewrite_re.sub(lambda m: " " + self._rewrites[m.group(0)] + " ", text)
        return text

    def surface(self, text: str) -> list[str]:
        text = self.rewritten(text)
        out = []
        for tok in _TOKEN.findall(text):
            if ("/" in tok or "&" in tok) and any(len(p) > 2 for p in re.split(r"[/&]", tok)):
                out.extend(re.split(r"[/&]", tok))
            else:
                out.append(tok)
        return out

    def stem_of(self, word: str) -> str:
        cached = self._stem_cache.get(word)
        if cached is None:
            base = self.lexicon.equivalents.get(word, word)
            cached = stem(base)
            if len(self._stem_cache) < 200_000:
                self._stem_cache[word] = cached
        return cached

    def correct(self, word: str) -> str:
        """The known word a likely typo stands for, or the word itself.

        Only words of five letters or more that the knowledge base does not know are corrected, and only
        to a word at most about one edit away, so ordinary English is left alone.
        """
        if word.endswith("s") and 3 <= len(word) <= 6 and word not in self._known:
            single = word[:-1]
            if single in self._known and single not in self.lexicon.stopwords:
                return single  # "TPIs", "EGDs": the plural of a short name the stemmer leaves alone
        if len(word) < 5 or not word.isalpha() or word in self._known or word in self.lexicon.stopwords:
            return word
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        if self._vocabulary is None:
            self._vocabulary = sorted(w for w in self._known if len(w) >= 4 and w.isalpha())
        if not self._vocabulary:
            return word
        from rapidfuzz import fuzz, process  # imported by the first correction: most questions need none

        cutoff = 88 if len(word) <= 6 else 85
        best = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff)
        fixed = best[0] if best else word
        if len(self._corrections) < 50_000:  # bounded: a stream of random words cannot grow it forever
            self._corrections[word] = fixed
        return fixed

    def tokens(self, text: str, correct: bool = True) -> list[Token]:
        made = self._token_cache[correct]
        out = []
        for s in self.surface(text):
            tok = made.get(s)
            if tok is None:
                w = self.correct(s) if correct else s
                tok = Token(surface=s, word=w, stem=self.stem_of(w), stop=w in self.lexicon.stopwords)
                if len(made) < 100_000:  # bounded: a stream of random words cannot grow it forever
                    made[s] = tok
            out.append(tok)
        return out

    def stems(self, text: str) -> tuple[str, ...]:
        """Stems of a phrase from the knowledge base (no spelling correction: it is the reference)."""
        return tuple(t.stem for t in self.tokens(text, correct=False))

    def content_stems(self, text: str) -> tuple[str, ...]:
        """The stems a name is matched by: stopwords and negation words left out, the words a negation
        excludes marked `not_` (see `marked_stems`)."""
        cached = self._content_cache.get(text)
        if cached is not None:  # code names are read again on every question that weighs them
            return cached
        tokens = self.tokens(text, correct=False)
        made = tuple(s for t, s in zip(tokens, self.marked_stems(tokens), strict=True) if s and not t.stop)
        if len(self._content_cache) < 100_000:  # bounded: question text passes through here too
            self._content_cache[text] = made
        if self.recording:
            self._content_made[text] = made
        return made

    def marked_stems(self, tokens: list[Token]) -> list[str]:
        """Each token's stem; "" for a negation word, `not_<stem>` for the one or two words it excludes.

        "ablation without hysteroscopic guidance" gives ablat, "", not_hysteroscop, not_guidance: a name that
        also says "without hysteroscopy" matches the excluded word, one that names hysteroscopy counts it
        against itself (`NEGATED_PREFIX`). The scope reaches past articles and "done", "performed", "using"
        ("not done using a hysteroscope") and ends at any other stopword; "with and without contrast" (and
        "with or without") negates nothing.
        """
        negations = self.lexicon.negations
        out: list[str] = []
        scope = 0
        for i, t in enumerate(tokens):
            if t.word in negations:
                both = i >= 2 and tokens[i - 1].word in ("and", "or") and tokens[i - 2].word == "with"
                scope = 0 if both else 2
                out.append("" if not both else t.stem)
                continue
            if scope and t.stop:
                after_verb = t.word == "with" and i and tokens[i - 1].word in _NEGATED_VERBS
                if t.word not in _NEGATION_SKIPS and not after_verb:
                    scope = 0
                out.append(t.stem)
                continue
            if scope:
                scope -= 1
                out.append(NEGATED_PREFIX + t.stem)
                continue
            out.append(t.stem)
        return out
