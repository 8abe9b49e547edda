"""The answerers: one small module per kind of ask, and the table that picks one.

The engine reads a question once into an `Ask` (`bot.understanding.ask`: *what* is asked — its `kind` —
and *about what*: codes, modifiers, year, settings, places), then calls `ANSWERERS[ask.kind](ask, engine)`.
The answerer composes the `Answer` (plain data, `bot.answer`) from facts: the knowledge base
(`engine.kb`), the fee rules (`bot.fees`) and the reply builders (`bot.replies`). It never re-reads the
question text and never renders: the CLI and the Slack layer call the renderer they need (`bot.render`).

How to add a kind of answer (e.g. NCCI pairs, hospital outpatient rates, a rule topic):
1. Write `bot/answers/<kind>.py` with `def answer(ask: Ask, engine: Engine) -> Answer`. Keep it pure: no
   Slack import, no I/O beyond what the engine already loaded; put rules (formulas, edit logic) in their own
   module and call them from here. Give the Answer a direct first sentence (`headline`) that answers the
   ask, `codes`/`modifiers` most relevant first, and `source` whenever it shows a number.
2. Add one row below: `"<kind>": "<module>.answer"` (the module is imported the first time a question of
   that kind is answered, so a one-question `cptbot ask` imports only the answerer it uses), and the kind's
   name to `KINDS` in `bot/understanding/ask.py` with a line saying what it answers.
3. Teach `Engine.ask` (bot/engine.py) when a question is of that kind: one early `return make("<kind>",
   ...)` at the right precedence, with whatever fields of `Ask` the answerer needs (add a field with a
   default if none fits). Keep that test cheap and based on the `Reading` (intents from `intents/*.yaml`,
   entities), never on a particular phrasing.
4. Test the behaviour a user notices through `engine.answer(...)` (status, codes, modifiers, headline).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.answer import Answer
    from bot.engine import Engine
    from bot.understanding.ask import Ask

Answerer = Callable[["Ask", "Engine"], "Answer"]

# kind -> "<module of bot.answers>.<function>"
TABLE: dict[str, str] = {
    "value": "values.answer",
    "clarify_place": "places.answer",
    "codes": "many.answer",
    "several": "bundling.several",  # NCCI pairs checked first, then together.several prices what is left
    "visit_with_procedure": "together.visit_with_procedure",
    "compare": "compare.answer",
    "change": "change.answer",
    "modifier": "modifiers.answer",
    "global_meaning": "global_meaning.answer",
    "conversion_factor": "conversion.answer",
    "remember": "remember.answer",
    "help": "help.answer",
    "decline": "decline.answer",
    "topic": "topics.answer",
    "situation": "situations.answer",
    "clarify": "clarify.answer",
    "drug_dose": "drug_dose.answer",
    "not_found": "not_found.answer",
    "hospital": "hospital.answer",
    "asc": "asc.answer",
    "site_of_service": "site_of_service.answer",
    "anesthesia": "anesthesia.answer",
    "indicator_meaning": "indicator_meaning.answer",
    "bundling": "bundling.pair",
    "units": "units.answer",
    "sized": "sized.answer",
    "quantity": "quantities.answer",
    "repair": "lengths.answer",
    "drug_given": "drug_given.answer",
    "exchange": "exchanges.answer",
}


class _Answerers(Mapping[str, Answerer]):
    """`TABLE` with each answerer imported on first use (importing all of them, the facility readers
    among them, took longer than answering a question)."""

    def __init__(self, table: dict[str, str]):
        self._table = table
        self._loaded: dict[str, Answerer] = {}

    def __getitem__(self, kind: str) -> Answerer:
        found = self._loaded.get(kind)
        if found is None:
            module, _, name = self._table[kind].rpartition(".")
            found = self._loaded[kind] = getattr(import_module(f"{__name__}.{module}"), name)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


ANSWERERS: Mapping[str, Answerer] = _Answerers(TABLE)
