"""Services together: several procedures on one day (multiple-procedure rules), a visit with or after a
procedure (the global period decides)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer
from bot.answers.codes import finish

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def several(ask: Ask, engine: Engine) -> Answer:
    ans = replies.several_procedures(engine.kb, ask.codes, ask.fy, ask.settings,
                                     ask.localities[0] if ask.localities else None, ask.entities.code_modifiers)
    return finish(ans, ask, engine)


def visit_with_procedure(ask: Ask, engine: Engine) -> Answer:
    procedure = ask.codes[0]
    ans = replies.visit_with_procedure(engine.kb, procedure, ask.fy, after=ask.after)
    ans.codes = list(ask.codes)
    return finish(ans, ask, engine)
