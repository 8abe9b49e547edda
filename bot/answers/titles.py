"""Codes named in words: a curated name, else the CMS short descriptor with its abbreviations expanded.

"Xcapsl ctrc rmvl w/o ecp" reads as "Extracapsular cataract removal without endothelial ..." with the raw
descriptor beside it, so a coder sees both our reading and CMS's own words.
"""

from __future__ import annotations

import re

from bot.knowledge import KnowledgeBase
from bot.records import Rvu

_WORD = re.compile(r"[A-Za-z0-9]+(?:[&/][A-Za-z0-9]+)*")
_NUMBER_GLUED = re.compile(r"^(\d+)([a-z]{2,})$")
_COMPOUND_TAIL = re.compile(r"(?:^|[^A-Za-z0-9])[A-Za-z]-$")  # a single letter and a hyphen just before a word


def glued_number(word: str, abbreviations: dict[str, str]) -> str:
    """A count CMS glues to its abbreviation to save room, written out ("3vws" -> "3 views"), or ""."""
    glued = _NUMBER_GLUED.match(word)
    if glued is None or glued.group(2) not in abbreviations:
        return ""
    return f"{glued.group(1)} {abbreviations[glued.group(2)]}"


def expanded(descriptor: str, abbreviations: dict[str, str]) -> str:
    """The descriptor with each abbreviation written out; punctuation and numbers ("1.1-2.0 cm") kept."""

    def one(m: re.Match) -> str:
        word = m.group(0)
        key = word.lower()
        if _COMPOUND_TAIL.search(descriptor, 0, m.start()):
            return word  # the second half of "X-ray", "B-scan": already a word, not an abbreviation
        if key in abbreviations:
            return abbreviations[key]
        unglued = glued_number(key, abbreviations)
        if unglued:
            return unglued
        if "/" in key or "&" in key:
            parts = re.split(r"([&/])", word)
            return " ".join(abbreviations.get(p.lower(), p) for p in parts if p not in ("/", "&")) \
                if any(p.lower() in abbreviations for p in parts) else word
        return word

    text = _WORD.sub(one, descriptor)
    return text[:1].upper() + text[1:]


def name_of(kb: KnowledgeBase, code: str, rvu: Rvu | None) -> str:
    """The words a code goes by: its curated name, else its expanded CMS descriptor ("" when none)."""
    entry = kb.codes.get(code)
    if entry is not None:
        return entry.name
    if rvu is None or not rvu.description:
        return ""
    return expanded(rvu.description, kb.abbreviations)


def title_of(kb: KnowledgeBase, code: str, rvu: Rvu | None, label: str | None = None) -> str:
    """"58300 · Insert intrauterine device"; for a code outside the curated set whose descriptor has
    abbreviations, the raw CMS descriptor follows: "17110 · Destruction benign lesions up to 14 (CMS:
    Destruction b9 les up to 14)"."""
    label = label or code
    name = name_of(kb, code, rvu)
    if not name:
        return label
    raw = rvu.description if rvu is not None and code not in kb.codes else ""
    beside = f" (CMS: {raw})" if raw and raw.lower() != name.lower() else ""
    return f"{label} · {name}{beside}"
