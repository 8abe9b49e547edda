"""Save a default locality or setting: the answer says what to remember, the caller (`bot.ask`) stores it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

CLEAR = re.compile(r"\b(clear|reset|forget)\b", re.I)


def answer(ask: Ask, engine: Engine) -> Answer:
    ent = ask.entities
    if CLEAR.search(ask.reading.text):
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
            loc.name.rstrip("*").title() for loc in engine.places.by_state.get(ent.state, []))
            + ". Name one." if ent.state else "Name a locality (e.g. `set locality manhattan`, a state, "
            "or a ZIP code) or a setting (`set my setting to facility`).")
        return replies.not_found(f"I couldn't tell what to save. {hint}", intent="set_preference")
    return Answer(status="answered", intent="set_preference", remember=remember,
                  headline=f"Saved your default {' and '.join(said)}. Payment answers use it until you "
                           "change it (`clear my settings` to forget).")
