"""Several codes fit the words equally well: ask back, one choice per code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

# What a choice asks when pressed, by the intent of the question ("wRVU for 57460").
ASK_PREFIX = {"rvu": "wRVU for", "payment": "Medicare payment for", "global": "global period for",
              "describe": "", "visit_with_procedure": "E/M same day as", "anesthesia": "base units for",
              "site_of_service": "office vs asc vs hospital for", "asc": "asc rate for", "hospital": "opps rate for"}


def answer(ask: Ask, engine: Engine) -> Answer:
    r = ask.reading
    intent = next((m.name for m in r.intents if m.name in ASK_PREFIX), "describe")
    phrase = " ".join(t.surface for i, t in enumerate(r.tokens)
                      if not t.stop and not any(i in m.positions for m in r.intents)) or r.text
    ans = replies.clarify(engine.kb, ask.candidates, ask.fy, phrase, ASK_PREFIX[intent])
    if ask.problem.startswith("contradicts"):  # "fee for 20610 with ultrasound guidance"
        instead, named = ask.candidates[:2]
        word = ask.subject
        ans.headline = (f"You named {named}, but its description includes {word}, which you rule out; {instead} is "
                        f"the code without it. Which do you mean?" if ask.problem == "contradicts_excluded" else
                        f"You named {named}, but its description rules out {word}, which you mention; {instead} "
                        f"is the code with {word}. Which do you mean?")
    elif ask.problem == "partial":  # no code's name was said whole: the choices are the closest, not a tie
        ans.headline = (f"I'm not sure which code \"{phrase}\" is: no code's name matches all of it. "
                        "The closest are below; which one do you mean?")
    return ans
