"""A place named in the question lies in several Medicare localities ("Kansas City"): ask which one."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.answer import Answer, Choice

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def answer(ask: Ask, engine: Engine) -> Answer:
    """One choice per locality; pressing it asks the same question with the locality's CMS name."""
    ent, text = ask.entities, ask.reading.text
    words = ent.place_words
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words.split()), re.I) if words else None
    choices = []
    for loc in ent.place_choices:
        name = loc.name.rstrip("*").strip()
        question = pattern.sub(name, text, count=1) if pattern and pattern.search(text) else f"{text} in {name}"
        choices.append(Choice(code=loc.key, label=loc.display, question=question))
    names = " or ".join(c.label for c in choices)
    return Answer(status="clarify", intent="clarify_place", year=ask.year, choices=choices,
                  headline=f"\"{words}\" is in more than one Medicare locality: {names}. Which one do you mean?")
