"""Intents: what kind of question this is, from the keyword phrases in `intents/*.yaml`.

Each intent file lists keyword phrases; a question matches an intent when one of its phrases occurs in
the question (after the same normalisation as everything else). Several intents can match; the engine
walks them from the highest `priority` down and takes the first whose needs are met (e.g. `compare`
needs two codes), so the ordering lives in YAML and the needs live in the engine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.record import Record
from bot.understanding.phrases import PhraseTable
from bot.understanding.words import Token, Words
from bot.yamlfile import KnowledgeError, Problems, check_fields, is_number, is_text, is_text_list, load_yaml

INTENT_SPEC = {"intent": (is_text, True), "priority": (is_number, True), "description": (is_text, True),
               "keywords": (is_text_list, True), "examples": (is_text_list, True)}


class Intent(Record, eq=False):
    name: str
    priority: int
    description: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]


class IntentMatch(Record, eq=False):
    name: str
    priority: int
    positions: frozenset[int]  # token positions the keywords covered


def load_intents(root: Path) -> list[Intent]:
    """Read and check every intent file; raise KnowledgeError listing every problem."""
    problems = Problems()
    intents: list[Intent] = []
    seen: dict[str, str] = {}
    for path in sorted(root.glob("*.yaml")):
        disp = f"intents/{path.name}"
        doc = load_yaml(path, disp, problems)
        if doc is None:
            continue
        name = str(doc.get("intent", path.stem)) if isinstance(doc, dict) else path.stem
        if not check_fields(doc, INTENT_SPEC, problems, disp, name):
            continue
        if name in seen:
            problems.add(disp, doc.line_of("intent"), name, "intent", f"already defined in {seen[name]}")
            continue
        seen[name] = disp
        intents.append(Intent(name=name, priority=int(doc["priority"]), description=doc["description"],
                              keywords=tuple(doc["keywords"]), examples=tuple(doc["examples"])))
    if not intents:
        problems.add(str(root), 1, "(folder)", "(files)", "no intent files found")
    if problems:
        raise KnowledgeError(problems)
    return sorted(intents, key=lambda i: -i.priority)


class IntentMatcher:
    def __init__(self, intents: list[Intent], words: Words):
        self.intents = intents
        self.words = words
        keywords = [list(intent.keywords) for intent in intents]
        key = "intents:" + hashlib.sha256(repr(keywords).encode()).hexdigest()[:24]
        # [stems, which intent] of each keyword, made once and kept by `words` for the next start
        made = words.table(key, lambda: [[list(stems), i] for i, kws in enumerate(keywords) for kw in kws
                                         if (stems := words.stems(kw))])
        self._phrases: list[tuple[tuple[str, ...], Intent]] = [(tuple(stems), intents[i]) for stems, i in made]
        self._phrases.sort(key=lambda p: -len(p[0]))
        self._table = PhraseTable(self._phrases)

    def vocabulary(self) -> set[str]:
        return {s for intent in self.intents for kw in intent.keywords for s in self.words.surface(kw)}

    def match(self, tokens: list[Token]) -> list[IntentMatch]:
        """Every intent whose keywords occur, highest priority first, with the positions they cover."""
        covered: dict[str, set[int]] = {}
        prio: dict[str, int] = {}
        for positions, intent in self._table.find([t.stem for t in tokens]):
            covered.setdefault(intent.name, set()).update(positions)
            prio[intent.name] = intent.priority
        return sorted((IntentMatch(name, prio[name], frozenset(pos)) for name, pos in covered.items()),
                      key=lambda m: -m.priority)
