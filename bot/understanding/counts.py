"""How many: the count of lesions (biopsies, destructions) a question states, in digits or words.

Codes such as 17003 (each additional premalignant lesion) or 11105 (each additional punch biopsy) are
reported in units that follow from a count, so a question that says "three actinic keratoses" or "Ex: 14"
can be answered with the units. A number followed by a size, a time or a percentage ("1.5 cm", "33 weeks",
"10 o'clock") is not a count, nor is a code or a year. One regular-expression pass: linear in the text.
"""

from __future__ import annotations

import re

from bot.understanding.words import has_digit

NUMBER_WORDS = {"one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
                "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
                "dozen": 12}
NOT_A_COUNT = (r"cm|mm|centimeters?|millimeters?|%|percent|o'?clock|weeks?|wks?|days?|years?|yrs?|months?|"
               r"hours?|hrs?|minutes?|mins?|units?|times|x\b|mg|ml|cc|am\b|pm\b|of\b")
# compiled on first use (by `re`'s cache), for a question with a digit or a number word
_WORD = re.compile(r"[a-z]+")
COUNT_RE = (r"(?i)(?<![\w.$-])(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\b(?![.,:/-]?\d)(?!\s*(?:"
            + NOT_A_COUNT + r"))")


def find_count(text: str) -> int | None:
    """The first count of things in `text` (1-99), or None when it states none."""
    if not has_digit(text) and NUMBER_WORDS.keys().isdisjoint(_WORD.findall(text.lower())):
        return None
    for m in re.finditer(COUNT_RE, text):
        word = m.group(1).lower()
        n = int(word) if word.isdigit() else NUMBER_WORDS[word]
        if 0 < n < 100:
            return n
    return None


def has_words(text: str, words: tuple[str, ...]) -> bool:
    """Whether any of `words` occurs in `text` as a word (or the start of one: "punch" in "punches")."""
    low = text.lower()
    return any(re.search(r"\b" + re.escape(w.lower()), low) for w in words)
