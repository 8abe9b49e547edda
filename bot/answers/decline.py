"""Questions a CPT fee-schedule bot should decline, in one sentence with a pointer, never with a code card.

A patient's own bill, prior authorization, a commercial payer's policy, choosing a diagnosis code, which MAC
processes a claim: each is in `knowledge/declines.yaml` with its word patterns (and optional built-in code
shapes, e.g. ICD-10-CM "N87.1" or ICD-9 "795.03"), the sentence to answer with, and, for subjects that can
come mixed with a CPT question ("which CPT and ICD-10 codes ..."), `partial_when` patterns and a `note`: then
the CPT part is answered as usual and the note declines the rest.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answer import Answer
from bot.answers.patterns import PatternIndex, patterns_problem
from bot.answers.rules_yaml import load_entries, text, texts
from bot.record import Record
from bot.understanding.words import Token, Words
from bot.yamlfile import Problems, is_text

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

FILE = "declines.yaml"
# Diagnosis codes by shape. ICD-10-CM needs its dot here (without it "G0559" would be a HCPCS code); ICD-9
# is three digits, a dot and one or two (not a dollar amount).
SHAPES = {
    "icd10": re.compile(r"(?<![A-Za-z0-9.])[A-TV-Z][0-9][0-9AB]\.[0-9A-Z]{1,4}(?![A-Za-z0-9.])"),
    "icd9": re.compile(r"(?<![$\d.,])[VvEe]?\d{3}\.\d{1,2}(?![\d.])"),
}


class Decline(Record, eq=False):
    id: str
    when: tuple[str, ...]
    answer: str
    shapes: tuple[str, ...] = ()
    partial_when: tuple[str, ...] = ()
    note: str = ""


class DeclineMatch(Record, eq=False):
    """A decline that applies: either the whole answer, or a note added to the answer of the CPT part."""

    decline: Decline
    partial: bool

    def answer(self) -> Answer:
        return Answer(status="out_of_scope", intent="out_of_scope", headline=self.decline.answer)


def _is_shape_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(v in SHAPES for v in value):
        return f"must be a list of code shapes (from: {', '.join(SHAPES)})"
    return None


def _is_optional_patterns(value: Any) -> str | None:
    return None if value == [] else patterns_problem(value)


DECLINE_SPEC = {
    "id": (is_text, True), "when": (patterns_problem, True), "answer": (is_text, True),
    "shapes": (_is_shape_list, False), "partial_when": (_is_optional_patterns, False), "note": (is_text, False),
}


def load_declines(root: Path, problems: Problems) -> tuple[Decline, ...]:
    """Read `knowledge/declines.yaml`; problems go to `problems` as file:line: entry: field: what."""
    out = []
    for e in load_entries(root, FILE, "declines", DECLINE_SPEC, problems):
        if e.get("partial_when") and not e.get("note"):
            problems.add(f"knowledge/{FILE}", e.line_of("partial_when"), e["id"], "note",
                         "missing: `partial_when` needs the note that declines the rest of the question")
            continue
        out.append(Decline(id=e["id"], when=texts(e, "when"), answer=text(e, "answer"),
                           shapes=tuple(e.get("shapes") or ()), partial_when=texts(e, "partial_when"),
                           note=text(e, "note")))
    return tuple(out)


class DeclineFinder:
    def __init__(self, declines: tuple[Decline, ...], words: Words):
        self.declines = declines
        self.index: PatternIndex[Decline] = PatternIndex([(d, d.when) for d in declines], words)
        self.partial: PatternIndex[Decline] = PatternIndex(
            [(d, d.partial_when) for d in declines if d.partial_when], words)

    def vocabulary(self) -> set[str]:
        return self.index.vocabulary() | self.partial.vocabulary()

    def find(self, tokens: list[Token], text_: str, cpt_codes_named: bool) -> DeclineMatch | None:
        """The decline that applies to a question, if any.

        `cpt_codes_named`: the question names CPT/HCPCS codes by number, which (like `partial_when` words)
        makes a partial decline answer the CPT part.
        """
        matched = [d for _, d in self.index.matches(tokens)]
        by_shape = [d for d in self.declines if d not in matched
                    and any(SHAPES[s].search(text_) for s in d.shapes)]
        candidates = matched + by_shape
        if not candidates:
            return None
        decline = candidates[0]
        if decline.partial_when:
            also_cpt = cpt_codes_named or any(d is decline for _, d in self.partial.matches(tokens))
            return DeclineMatch(decline, partial=also_cpt)
        return DeclineMatch(decline, partial=False)


def answer(ask: Ask, engine: Engine) -> Answer:
    """The `decline` answerer: the matching decline's sentence, else the general out-of-scope reply."""
    from bot.answers import out_of_scope

    if isinstance(ask.rule, Decline):
        return DeclineMatch(ask.rule, partial=False).answer()
    return out_of_scope.answer(ask, engine)
