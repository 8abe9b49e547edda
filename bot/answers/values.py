"""A value of one code: its RVUs, payment, global period, or what it is (the code card, headline first)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import replies
from bot.answer import Answer
from bot.answers.codes import finish
from bot.catalog import expand_descriptor

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask


def answer(ask: Ask, engine: Engine) -> Answer:
    kb, fy, ent = engine.kb, ask.fy, ask.entities
    code, modifier = ask.codes[0], ask.component
    plain = "" if code in kb.codes else expand_descriptor(
        fy.rvus[(code, modifier)].description, kb.abbreviations, engine.words)
    ans = replies.code_card(kb, code, fy, ask.what, ask.settings, ask.localities, modifier, plain)
    if modifier:
        ans.modifiers = [modifier]
    priced = []
    for mod in dict.fromkeys([ent.code_modifiers.get(code, ""), *ent.modifiers]):
        section = replies.modifier_pricing_section(fy.rvus[(code, "")], fy, mod, ask.settings,
                                                   ask.localities[0] if ask.localities else None)
        if section is not None:
            priced.append(section)
    ans.sections[:0] = priced
    if priced:  # the amount with the modifier is what was asked: it leads
        ans.headline = " ".join(replies.modifier_pricing_headline(code, p) for p in priced)
    if ask.state_localities:
        ans.sections.insert(0, replies.state_localities_section(fy.rvus[(code, "")], fy, ask.state_localities,
                                                                ask.settings))
    if len(ask.codes) > 1:
        ans.notes.append("You named several codes; this is about " + code + ". Ask `compare "
                         + " ".join(ask.codes) + "` to see them side by side.")
        ans.codes = list(ask.codes)
    return finish(ans, ask, engine)
