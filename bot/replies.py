"""Building Answers from knowledge: one function per kind of reply.

The engine decides *which* reply fits the question; these functions decide *what it says*, always from
the knowledge base and `bot.fees`, and always with the year, CMS release and conversion factor.
"""

from __future__ import annotations

from bot.answer import Answer, Choice, Fact, Section
from bot.fees import (
    MPI_MEANING,
    SETTING_LABELS,
    Setting,
    adjusted_rvu,
    amount,
    modifier_pricing,
    money,
    multiple_procedures,
    raw_amount,
)
from bot.knowledge import KnowledgeBase
from bot.records import CodeEntry, FeeYear, Locality, Modifier, Rvu

STATUS_MEANING = {
    "A": "active: paid under the fee schedule", "B": "bundled: payment is included in other services",
    "C": "carrier-priced: the Medicare contractor sets the amount", "I": "not valid for Medicare",
    "N": "not covered by Medicare", "R": "restricted coverage", "T": "paid only if no other service that day",
    "X": "excluded from the fee schedule by statute", "E": "excluded by regulation", "P": "bundled or excluded",
    "J": "anesthesia services", "M": "measurement code, reporting only",
}
BILATERAL = {"0": "150% adjustment does not apply (modifier 50 not payable)",
             "1": "bilateral surgery rule applies: with modifier 50, paid at 150%",
             "2": "already a bilateral code: no extra payment for both sides",
             "3": "each side paid at 100% (no bilateral reduction)", "9": "does not apply"}
ASSISTANT = {"0": "assistant at surgery paid only with documentation of medical necessity",
             "1": "assistant at surgery not paid", "2": "assistant at surgery payable",
             "9": "does not apply"}
CO_SURGEON = {"0": "co-surgeons not permitted", "1": "co-surgeons paid with documentation",
              "2": "co-surgeons permitted (modifier 62)", "9": "does not apply"}
TEAM = {"0": "team surgery not permitted", "1": "team surgery paid with documentation",
        "2": "team surgery permitted (modifier 66)", "9": "does not apply"}
SETTING_PLACES = {"office": "in the office", "facility": "in a facility"}
COMPONENT_NAMES = {"26": "the professional component", "TC": "the technical component"}
PCTC = {"0": "no professional/technical split", "1": "has professional (26) and technical (TC) components",
        "2": "professional component only code", "3": "technical component only code",
        "4": "global test only code", "5": "incident-to code", "6": "lab physician interpretation code",
        "7": "physical therapy service", "8": "physician interpretation code", "9": "concept does not apply"}


def rvu_str(value: float) -> str:
    return f"{value:.2f}"


def code_title(entry: CodeEntry | None, code: str, rvu: Rvu | None = None) -> str:
    name = entry.name if entry else (rvu.description if rvu and rvu.description else "")
    return f"{code} · {name}" if name else code


def source_line(fy: FeeYear) -> str:
    r = fy.release
    when = f", released {r.released}" if r.released else ""
    return (f"CY{r.year} CMS Physician Fee Schedule, {r.name} ({r.source_file}{when}); "
            f"conversion factor ${r.conversion_factor:.4f}")


def rvu_section(rvu: Rvu, year: int) -> Section:
    na_off = " (NA: not priced in the office)" if rvu.nonfacility_na else ""
    na_fac = " (NA: not priced in a facility)" if rvu.facility_na else ""
    return Section(f"RVUs, CY{year}", [
        Fact("Work RVU", rvu_str(rvu.work)),
        Fact("PE RVU, office (non-facility)", rvu_str(rvu.pe_nonfacility) + na_off),
        Fact("PE RVU, facility", rvu_str(rvu.pe_facility) + na_fac),
        Fact("Malpractice RVU", rvu_str(rvu.mp)),
        Fact("Total RVU, office", rvu_str(rvu.total_nonfacility) + na_off),
        Fact("Total RVU, facility", rvu_str(rvu.total_facility) + na_fac),
    ])


def global_section(kb: KnowledgeBase, rvu: Rvu) -> Section:
    gp = kb.global_periods.get(rvu.global_days)
    if gp is None:
        return Section("Global period", [Fact("Global", rvu.global_days)])
    return Section(f"Global period: {gp.code} ({gp.name})", [], f"{gp.meaning} {gp.visits}")


def payment_section(rvu: Rvu, fy: FeeYear, settings: tuple[Setting, ...], locality: Locality | None) -> Section:
    where = locality.display if locality else "national"
    facts = [Fact(SETTING_LABELS[s], money(amount(rvu, fy.release, s, locality))) for s in settings]
    if locality:
        facts.append(Fact("GPCIs (work / PE / MP)",
                          f"{locality.work_gpci:.3f} / {locality.pe_gpci:.3f} / {locality.mp_gpci:.3f}"))
    return Section(f"Medicare payment, {where}, CY{fy.year}", facts)


def indicator_section(rvu: Rvu) -> Section:
    facts = [Fact("Status", f"{rvu.status}: {STATUS_MEANING.get(rvu.status, 'see CMS')}")]
    facts.append(Fact("Multiple procedures", f"{rvu.mult_proc}: {MPI_MEANING.get(rvu.mult_proc, 'see CMS')}"))
    if rvu.endo_base:
        facts.append(Fact("Endoscopic base code", rvu.endo_base))
    facts.append(Fact("Bilateral (50)", f"{rvu.bilateral}: {BILATERAL.get(rvu.bilateral, 'see CMS')}"))
    facts.append(Fact("Assistant (80/81/82/AS)", f"{rvu.assistant}: {ASSISTANT.get(rvu.assistant, 'see CMS')}"))
    facts.append(Fact("Co-surgeons (62)", f"{rvu.co_surgeon}: {CO_SURGEON.get(rvu.co_surgeon, 'see CMS')}"))
    facts.append(Fact("Team surgery (66)", f"{rvu.team}: {TEAM.get(rvu.team, 'see CMS')}"))
    if rvu.pctc not in ("0", "9"):
        facts.append(Fact("PC/TC", f"{rvu.pctc}: {PCTC.get(rvu.pctc, 'see CMS')}"))
    return Section("Billing indicators", facts)


def code_card(kb: KnowledgeBase, code: str, fy: FeeYear, intent: str, settings: tuple[Setting, ...],
              localities: list[Locality], modifier: str = "", plain: str = "") -> Answer:
    """Everything about one code in one year, with the headline the question asked for first.

    `plain` is the CMS descriptor in plain words, for imported codes that have no curated description.
    """
    entry = kb.codes.get(code)
    rvu = fy.rvus.get((code, modifier)) or fy.rvus[(code, "")]
    label = code + (f"-{rvu.modifier}" if rvu.modifier else "")
    locality = localities[0] if localities else None
    release = fy.release
    if intent == "rvu":
        headline = (f"{label} has {rvu_str(rvu.work)} work RVUs in CY{fy.year} "
                    f"(total {rvu_str(rvu.total_nonfacility)} in the office, "
                    f"{rvu_str(rvu.total_facility)} in a facility).")
    elif intent == "global":
        gp = kb.global_periods.get(rvu.global_days)
        headline = f"{label} has a {rvu.global_days} global period" + (f": {gp.name}." if gp else ".")
    elif intent == "payment":
        where = f"in {locality.display}" if locality else "nationally"
        priced = [s for s in settings if amount(rvu, release, s, locality) is not None]
        parts = [f"{money(amount(rvu, release, s, locality))} {SETTING_PLACES[s]}" for s in priced]
        unpriced = [SETTING_PLACES[s] for s in settings if s not in priced]
        if parts:
            headline = f"Medicare pays {' and '.join(parts)} for {label} {where} in CY{fy.year}."
        else:
            headline = f"CMS does not price {label} {' or '.join(unpriced)} in CY{fy.year}."
        if parts and unpriced:
            headline += f" CMS does not price it {' or '.join(unpriced)} (NA in the RVU file)."
    elif entry:
        headline = entry.description
    elif plain:
        headline = f"{label}: {plain[:1].upper()}{plain[1:]} (CMS short descriptor \"{rvu.description}\")."
    else:
        headline = f"{label}: {rvu.description} (CMS short descriptor)."
    sections = []
    if entry and intent != "describe":
        sections.append(Section("What it is", [], entry.description))
    if entry and entry.context:
        sections.append(Section("Context", [], entry.context))
    sections.append(rvu_section(rvu, fy.year))
    sections.append(global_section(kb, rvu))
    sections.append(payment_section(rvu, fy, settings, None))
    for loc in localities[:3]:
        sections.append(payment_section(rvu, fy, settings, loc))
    sections.append(indicator_section(rvu))
    if entry and entry.related:
        sections.append(Section("Related codes", [], ", ".join(
            f"{r} ({kb.codes[r].name})" for r in entry.related if r in kb.codes)))
    notes = []
    components = [m for m in ("26", "TC") if (code, m) in fy.rvus and m != rvu.modifier]
    if components:
        notes.append(f"CMS also prices {' and '.join(COMPONENT_NAMES[m] + f' ({m})' for m in components)} of "
                     f"{code} as separate rows: ask `{code}-{components[0]}`.")
    if rvu.status not in ("A", "T", "R"):
        notes.append(f"Status {rvu.status}: {STATUS_MEANING.get(rvu.status, 'see CMS')}; "
                     "a total shown is not a payable amount.")
    return Answer(status="answered", intent=intent, headline=headline, codes=[code], year=fy.year,
                  title=code_title(entry, label, rvu), sections=sections, source=source_line(fy), notes=notes)


def modifier_pricing_section(rvu: Rvu, fy: FeeYear, modifier: str, settings: tuple[Setting, ...],
                             locality: Locality | None) -> Section | None:
    """The amount with a pricing modifier (50, 62, 66, 80/81/82, AS), from the code's own indicator."""
    pricing = modifier_pricing(rvu, modifier)
    if pricing is None:
        return None
    facts = []
    for s in settings:
        raw = raw_amount(rvu, fy.release, s, locality)
        value = "not paid" if pricing.factor is None else money(None if raw is None else raw * pricing.factor)
        facts.append(Fact(f"{SETTING_LABELS[s]} with -{pricing.modifier}", value))
    return Section(f"With modifier {pricing.modifier}", facts, pricing.explanation[0].upper()
                   + pricing.explanation[1:] + ".")


def modifier_pricing_headline(code: str, section: Section) -> str:
    """One sentence for the headline when the question names a pricing modifier (e.g. "27447-50")."""
    modifier = section.title.rsplit(" ", 1)[-1]
    places = {SETTING_LABELS[s]: SETTING_PLACES[s] for s in SETTING_PLACES}
    amounts = [(f.value, places.get(f.label.split(" with ")[0], "")) for f in section.facts]
    paid = [f"{value} {place}" for value, place in amounts if value.startswith("$")]
    said = f"Medicare pays {' and '.join(paid)}" if paid else "Medicare pays nothing extra"
    unpriced = [place for value, place in amounts if value == "not priced"]
    if paid and unpriced:
        said += f" (not priced {' or '.join(unpriced)})"
    return f"{code} with modifier {modifier}: {said}. {section.body}"


def state_localities_section(rvu: Rvu, fy: FeeYear, state_locs: list[Locality],
                             settings: tuple[Setting, ...]) -> Section:
    facts = []
    for loc in state_locs[:10]:
        value = " / ".join(money(amount(rvu, fy.release, s, loc)) for s in settings)
        facts.append(Fact(loc.name.rstrip("*").title(), value))
    labels = " / ".join("office" if s == "office" else "facility" for s in settings)
    return Section(f"Medicare payment by locality ({labels}), CY{fy.year}", facts)


def compare(kb: KnowledgeBase, codes: list[str], fy: FeeYear, settings: tuple[Setting, ...],
            intent: str = "compare") -> Answer:
    sections = []
    for code in codes:
        rvu = fy.rvus[(code, "")]
        entry = kb.codes.get(code)
        facts = [Fact("Work RVU", rvu_str(rvu.work)),
                 Fact("Total RVU office / facility",
                      f"{rvu_str(rvu.total_nonfacility)} / {rvu_str(rvu.total_facility)}"),
                 Fact("Global", rvu.global_days)]
        facts += [Fact(f"National, {SETTING_LABELS[s].lower()}", money(amount(rvu, fy.release, s)))
                  for s in settings]
        sections.append(Section(code_title(entry, code, rvu), facts))
    top = max(codes, key=lambda c: fy.rvus[(c, "")].work)
    headline = (f"Side by side in CY{fy.year}: " + "; ".join(
        f"{c} {rvu_str(fy.rvus[(c, '')].work)} wRVU" for c in codes) + f". {top} carries the most work.")
    return Answer(status="answered", intent=intent, headline=headline, codes=list(codes), year=fy.year,
                  sections=sections, source=source_line(fy))


def several_procedures(kb: KnowledgeBase, codes: list[str], fy: FeeYear, settings: tuple[Setting, ...],
                       locality: Locality | None, code_modifiers: dict[str, str] | None = None) -> Answer:
    """Codes done on one day; a pricing modifier on a code (e.g. 58558-50) is applied before the reduction."""
    rvus = []
    notes: list[str] = []
    for c in codes:
        rvu = fy.rvus[(c, "")]
        pricing = modifier_pricing(rvu, (code_modifiers or {}).get(c, ""))
        if pricing is not None:
            notes.append(f"{c}-{pricing.modifier}: {pricing.explanation}.")
            rvu = adjusted_rvu(rvu, pricing.factor if pricing.factor is not None else 0.0)
        rvus.append(rvu)
    bases = {r.endo_base: fy.rvus[(r.endo_base, "")] for r in rvus if r.endo_base and (r.endo_base, "") in fy.rvus}
    sections = []
    totals = []
    for s in settings:
        res = multiple_procedures(rvus, fy.release, s, locality, bases)
        facts = [Fact(line.code, f"{money(line.full)} -> {money(line.paid)}  [{line.rule}]") for line in res.lines]
        facts.append(Fact("Total", money(res.total)))
        sections.append(Section(f"{SETTING_LABELS[s]}, same day", facts))
        totals.append(f"{money(res.total)} {'in the office' if s == 'office' else 'in a facility'}")
        notes += [n for n in res.notes if n not in notes]
    where = f" in {locality.display}" if locality else " (national)"
    headline = f"Together on one day, Medicare pays {' and '.join(totals)} for {', '.join(codes)}{where}, CY{fy.year}."
    notes.append("Multiple-procedure rules: Medicare Claims Processing Manual, chapter 12, section 40.6. "
                 "Append modifier 51 to the secondary procedures if your payer requires it.")
    return Answer(status="answered", intent="multiple_procedures", headline=headline, codes=list(codes),
                  modifiers=["51"], year=fy.year, sections=sections, notes=notes, source=source_line(fy))


def change(kb: KnowledgeBase, code: str, old: FeeYear, new: FeeYear) -> Answer:
    a, b = old.rvus.get((code, "")), new.rvus.get((code, ""))
    entry = kb.codes.get(code)
    if a is None or b is None:
        missing = old.year if a is None else new.year
        return Answer(status="not_found", intent="change", codes=[code], year=new.year,
                      headline=f"{code} has no row in the CY{missing} fee schedule, so I can't compare.",
                      source=f"{source_line(old)} | {source_line(new)}")

    def row(label: str, x: float, y: float, fmt) -> Fact:
        pct = f" ({(y - x) / x:+.1%})" if x else ""
        return Fact(label, f"{fmt(x)} -> {fmt(y)}: {fmt(y - x) if fmt is rvu_str else money_delta(y - x)}{pct}")

    def money_delta(d: float) -> str:
        return ("+" if d >= 0 else "-") + money(abs(d))

    def pay_row(s: Setting) -> Fact:
        x, y = amount(a, old.release, s), amount(b, new.release, s)
        label = f"National payment, {'office' if s == 'office' else 'facility'}"
        if x is None or y is None:
            return Fact(label, f"{money(x)} -> {money(y)}")
        return row(label, float(x), float(y), money)

    facts = [row("Work RVU", a.work, b.work, rvu_str),
             row("Total RVU, office", a.total_nonfacility, b.total_nonfacility, rvu_str),
             row("Total RVU, facility", a.total_facility, b.total_facility, rvu_str),
             pay_row("office"), pay_row("facility"),
             Fact("Conversion factor", f"${old.release.conversion_factor:.4f} -> ${new.release.conversion_factor:.4f}")]
    direction = "rose" if b.work > a.work else "fell" if b.work < a.work else "stayed"
    headline = (f"The work RVU of {code} {direction} from {rvu_str(a.work)} (CY{old.year}) to {rvu_str(b.work)} "
                f"(CY{new.year}).")
    return Answer(status="answered", intent="change", headline=headline, codes=[code], year=new.year,
                  title=code_title(entry, code, b), sections=[Section(f"CY{old.year} -> CY{new.year}", facts)],
                  source=f"{source_line(old)} | {source_line(new)}")


def conversion_factor(kb: KnowledgeBase, years: list[int]) -> Answer:
    facts = []
    for y in years:
        r = kb.years[y].release
        facts.append(Fact(f"CY{y}", f"${r.conversion_factor:.4f}"))
        if r.qp_conversion_factor:
            facts.append(Fact(f"CY{y}, qualifying APM participants", f"${r.qp_conversion_factor:.4f}"))
    y = years[0]
    r = kb.years[y].release
    headline = f"The CY{y} Medicare physician fee schedule conversion factor is ${r.conversion_factor:.4f}."
    if r.qp_conversion_factor:
        headline += (f" Qualifying APM participants get ${r.qp_conversion_factor:.4f}; "
                     f"${r.conversion_factor:.4f} applies to everyone else.")
    return Answer(status="answered", intent="conversion_factor", headline=headline, year=y,
                  sections=[Section("Conversion factors", facts)], source=source_line(kb.years[y]))


def modifier_answer(mods: list[Modifier], intent: str, headline: str | None = None) -> Answer:
    sections = []
    for m in mods:
        sections.append(Section(f"Modifier {m.code}: {m.name}", [
            Fact("Use it when", m.use_when), Fact("Not when", m.not_when), Fact("Payment", m.payment)],
            m.summary))
    if headline is None:
        headline = (f"Modifier {mods[0].code} ({mods[0].name}): {mods[0].summary}" if len(mods) == 1 else
                    "How " + " and ".join(f"{m.code} ({m.name})" for m in mods) + " differ:")
    see = sorted({s for m in mods for s in m.see_also} - {m.code for m in mods})
    notes = [f"See also modifiers {', '.join(see)}."] if see else []
    return Answer(status="answered", intent=intent, headline=headline, modifiers=[m.code for m in mods],
                  sections=sections, notes=notes)


def visit_with_procedure(kb: KnowledgeBase, code: str, fy: FeeYear, after: bool) -> Answer:
    """Can a visit be billed with (or after) this procedure? The global period decides, and which modifier."""
    rvu = fy.rvus[(code, "")]
    gp = kb.global_periods.get(rvu.global_days)
    entry = kb.codes.get(code)
    g = rvu.global_days
    if after and g in ("010", "090"):
        mods = ["24", "79"]
        headline = (f"{code} has a {g}-day global: routine follow-up visits in that period are included. "
                    f"A visit for an unrelated problem is billed with modifier 24; an unrelated procedure with 79.")
    elif g == "090":
        mods = ["57", "25"]
        headline = (f"{code} is a major procedure (090 global): a visit the day before or the day of surgery "
                    "that results in the decision to operate is billed with modifier 57 on the E/M; a routine "
                    "pre-operative visit is included and not billed.")
    elif g in ("000", "010"):
        mods = ["25"]
        headline = (f"Yes, if the E/M is significant and separately identifiable from the usual pre-procedure "
                    f"work of {code} ({g} global): append modifier 25 to the E/M. The decision to do a minor "
                    "procedure is part of it and does not justify a separate visit on its own.")
    else:
        mods = []
        headline = (f"{code} has global indicator {g}: the global surgery rules do not bundle visits with it, "
                    "so a medically necessary visit is billed on its own merits.")
    sections = [Section(f"Global period: {g}" + (f" ({gp.name})" if gp else ""), [],
                        f"{gp.meaning} {gp.visits}" if gp else "")]
    sections += [Section(f"Modifier {m}: {kb.modifiers[m].name}", [Fact("Use it when", kb.modifiers[m].use_when)],
                         kb.modifiers[m].summary) for m in mods if m in kb.modifiers]
    return Answer(status="answered", intent="visit_with_procedure", headline=headline, codes=[code],
                  modifiers=mods, year=fy.year, title=code_title(entry, code, rvu), sections=sections,
                  source=source_line(fy))


def clarify(kb: KnowledgeBase, codes: list[str], fy: FeeYear, phrase: str, ask_prefix: str) -> Answer:
    choices = []
    for code in codes[:5]:
        entry = kb.codes.get(code)
        rvu = fy.rvus.get((code, ""))
        choices.append(Choice(code=code, label=code_title(entry, code, rvu),
                              question=f"{ask_prefix} {code}".strip()))
    return Answer(status="clarify", intent="clarify", codes=[c.code for c in choices], year=fy.year,
                  headline=f"\"{phrase}\" fits several codes. Which one do you mean?", choices=choices)


def global_period_answer(kb: KnowledgeBase, indicators: list[str]) -> Answer:
    """What global indicators mean, asked without a code ("what does MMM global mean")."""
    sections = []
    for g in indicators:
        gp = kb.global_periods.get(g)
        if gp is None:
            continue
        mods = f" Modifiers that matter here: {', '.join(gp.modifiers)}." if gp.modifiers else ""
        sections.append(Section(f"Global period {gp.code}: {gp.name}", [], f"{gp.meaning} {gp.visits}{mods}"))
    if not sections:
        return not_found("I don't know that global indicator; CMS uses 000, 010, 090, MMM, XXX, YYY and ZZZ.")
    first = kb.global_periods[indicators[0]]
    return Answer(status="answered", intent="global", headline=f"{first.code} means: {first.name}.",
                  sections=sections)


def not_found(headline: str, year: int | None = None, intent: str = "not_found") -> Answer:
    return Answer(status="not_found", intent=intent, headline=headline, year=year)


def out_of_scope() -> Answer:
    return Answer(status="out_of_scope", intent="out_of_scope",
                  headline="That isn't something I can answer: I know CPT codes, their RVUs, global periods, "
                           "Medicare payment and modifiers. Try `help` for examples.")


def help_answer(kb: KnowledgeBase, examples: list[str]) -> Answer:
    years = ", ".join(f"CY{y} ({kb.years[y].release.name}, CF ${kb.years[y].release.conversion_factor:.4f})"
                      for y in sorted(kb.years, reverse=True))
    return Answer(status="help", intent="help",
                  headline="I answer CPT coding questions from the CMS Physician Fee Schedule: what a code is, "
                           "its RVUs, global period, Medicare payment (national or by locality, office or "
                           "facility), modifiers, several procedures on one day, and year-to-year changes.",
                  sections=[Section("Try", [], "\n".join(f"• {e}" for e in examples)),
                            Section("Data", [], f"Fee schedule years loaded: {years}. "
                                    f"{len(kb.codes)} codes described in words, "
                                    f"{len(kb.modifiers)} modifiers.")])



