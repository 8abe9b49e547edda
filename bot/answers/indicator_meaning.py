"""What an OPPS status indicator or ASC payment indicator means, asked without a code ("what does status
indicator J1 mean", "ASC payment indicator G2").

The meanings are ours (knowledge/facility.yaml, after CMS's Addenda D1 and DD1); the answer says whether the
hospital or the ASC gets a separate payment for a code carrying it, and how to see a code's own indicator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answer import Answer, Fact, Section

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.understanding.ask import Ask

PAID = {"yes": "a separate payment", "no": "no separate payment", "sometimes": "a separate payment only in some cases"}


def answer(ask: Ask, engine: Engine) -> Answer:
    value = ask.subject
    knowledge = engine.facility.knowledge
    asc_first = ask.reading.has("asc") and not ask.reading.has("hospital")
    found = [("OPPS status indicator", "hospital outpatient (Addendum B)", knowledge.opps_status.get(value)),
             ("ASC payment indicator", "ambulatory surgical center (Addenda AA/BB)", knowledge.asc_payment.get(value))]
    found = [f for f in found if f[2] is not None]
    if asc_first:
        found.reverse()
    name, _, first = found[0]
    headline = f"{name} {value} means {first.meaning}."
    sections = [Section(f"{n} {value}", [Fact("Meaning", ind.meaning), Fact("Used on", w),
                                         Fact("Payment for a code carrying it", PAID.get(ind.paid, ind.paid))])
                for n, w, ind in found]
    example = "opps rate for 58558" if found[0][0].startswith("OPPS") else "asc rate for 66984"
    return Answer(status="answered", intent="indicator_meaning", headline=headline, sections=sections,
                  notes=[f"A code's own indicator comes with its rate: ask e.g. `{example}`."],
                  source="Our summary of CMS's indicator definitions (OPPS Addendum D1, ASC Addendum DD1)")
