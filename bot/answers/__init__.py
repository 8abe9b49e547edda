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
2. Add one row below: `"<kind>": <module>.answer`, and the kind's name to `KINDS` in
   `bot/understanding/ask.py` with a line saying what it answers.
3. Teach `Engine.ask` (bot/engine.py) when a question is of that kind: one early `return make("<kind>",
   ...)` at the right precedence, with whatever fields of `Ask` the answerer needs (add a field with a
   default if none fits). Keep that test cheap and based on the `Reading` (intents from `intents/*.yaml`,
   entities), never on a particular phrasing.
4. Test the behaviour a user notices through `engine.answer(...)` (status, codes, modifiers, headline).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.answers import (
    anesthesia,
    asc,
    bundling,
    change,
    clarify,
    compare,
    conversion,
    decline,
    global_meaning,
    help,
    hospital,
    many,
    modifiers,
    not_found,
    places,
    remember,
    site_of_service,
    situations,
    sized,
    together,
    topics,
    units,
    values,
)

if TYPE_CHECKING:
    from bot.answer import Answer
    from bot.engine import Engine
    from bot.understanding.ask import Ask

Answerer = Callable[["Ask", "Engine"], "Answer"]

ANSWERERS: dict[str, Answerer] = {
    "value": values.answer,
    "clarify_place": places.answer,
    "codes": many.answer,
    "several": bundling.several,  # NCCI pairs checked first, then together.several prices what is left
    "visit_with_procedure": together.visit_with_procedure,
    "compare": compare.answer,
    "change": change.answer,
    "modifier": modifiers.answer,
    "global_meaning": global_meaning.answer,
    "conversion_factor": conversion.answer,
    "remember": remember.answer,
    "help": help.answer,
    "decline": decline.answer,
    "topic": topics.answer,
    "situation": situations.answer,
    "clarify": clarify.answer,
    "not_found": not_found.answer,
    "hospital": hospital.answer,
    "asc": asc.answer,
    "site_of_service": site_of_service.answer,
    "anesthesia": anesthesia.answer,
    "bundling": bundling.pair,
    "units": units.answer,
    "sized": sized.answer,
}
