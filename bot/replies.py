"""Building Answers from knowledge: one function per kind of reply.

The engine decides *which* reply fits the question; these functions decide *what it says*, always from
the knowledge base and `bot.fees`, and always with the year, CMS release and conversion factor.
"""

from __future__ import annotations

from bot.answer import Answer, Choice, Fact, Section
from bot.fees import (
    MPI_MEANING,
    PLACES,
    SETTING_LABELS,
    SETTINGS,
    Setting,
    amount,
    formula_amount,
    is_capped,
    is_priced,
    modifier_pricing,
    money,
    multiple_procedures,
    payable,
    payment_status,
    raw_amount,
)
from bot.knowledge import KnowledgeBase
from bot.records import FeeYear, Locality, Modifier, PaymentStatus, Rvu

BILATERAL = {"0": "150% rule does not apply: both sides (50, or RT and LT) are paid 100% of the single amount",
             "1": "bilateral surgery rule applies: both sides (50, or RT and LT) are paid 150%",
             "2": "already a bilateral code: both sides are paid 100% of the single amount",
             "3": "each side paid at 100% (200% for both sides)", "9": "does not apply"}
ASSISTANT = {"0": "assistant at surgery paid only with documentation of medical necessity",
             "1": "assistant at surgery not paid", "2": "assistant at surgery payable",
             "9": "does not apply"}
CO_SURGEON = {"0": "co-surgeons not permitted", "1": "co-surgeons paid with documentation",
              "2": "co-surgeons permitted (modifier 62)", "9": "does not apply"}
TEAM = {"0": "team surgery not permitted", "1": "team surgery paid with documentation",
        "2": "team surgery permitted (modifier 66)", "9": "does not apply"}
SETTING_PLACES = PLACES
COMPONENT_NAMES = {"26": "the professional component", "TC": "the technical component"}
PCTC = {"0": "no professional/technical split", "1": "has professional (26) and technical (TC) components",
        "2": "professional component only code", "3": "technical component only code",
        "4": "global test only code", "5": "incident-to code", "6": "lab physician interpretation code",
        "7": "physical therapy service", "8": "physician interpretation code", "9": "concept does not apply"}


def rvu_str(value: float) -> str:
    return f"{value:.2f}"


def code_title(kb: KnowledgeBase, code: str, rvu: Rvu | None = None, label: str | None = None) -> str:
    """A code's title in words wherever it is shown (card, table row, choice, pair): CMS's abbreviated short
    descriptors are expanded, the raw one beside, so no answer is titled "Xcapsl ctrc rmvl w/o ecp"."""
    from bot.answers.titles import title_of

    return title_of(kb, code, rvu, label)


def source_line(fy: FeeYear) -> str:
    r = fy.release
    when = f", released {r.released}" if r.released else ""
    return (f"CY{r.year} CMS Physician Fee Schedule, {r.name} ({r.source_file}{when}); "
            f"conversion factor ${r.conversion_factor:.4f}")


def na_words(setting: Setting) -> str:
    """What replaces every number of a setting CMS marks NA: the service is not priced there."""
    return f"not priced {PLACES[setting]} (CMS: NA)"


def row_of(fy: FeeYear, code: str, modifier: str = "") -> Rvu | None:
    """The pricing row a question is about: the asked modifier's row, else the whole service, else the
    only row CMS has (86153 is priced only as 86153-26)."""
    rvu = fy.rvus.get((code, modifier)) or fy.rvus.get((code, ""))
    if rvu is None:
        rvu = next((fy.rvus[(code, m)] for m in ("26", "TC", "53") if (code, m) in fy.rvus), None)
    return rvu


def status_words(kb: KnowledgeBase, rvu: Rvu) -> PaymentStatus:
    key = payment_status(rvu)
    return kb.statuses.get(key) or PaymentStatus(key, f"status {rvu.status}", "see the CMS RVU file documentation",
                                                 instead="see the CMS RVU file documentation")


def not_paid_sentence(kb: KnowledgeBase, rvu: Rvu, label: str) -> str:
    """The headline for a code Medicare does not pay from RVUs: what happens instead, and no amount."""
    words = status_words(kb, rvu)
    tag = "a drug (J code)" if words.code == "drug" else f"CMS status {rvu.status}, {words.name}"
    return f"{label} has no Medicare physician fee schedule amount ({tag}): {words.instead}"


def condition_sentence(kb: KnowledgeBase, rvu: Rvu) -> str:
    words = status_words(kb, rvu)
    return f" Status {rvu.status} ({words.name}): {words.condition}" if words.condition else ""


def rvu_section(rvu: Rvu, year: int) -> Section:
    def value(x: float, s: Setting) -> str:
        return rvu_str(x) if is_priced(rvu, s) else na_words(s)

    return Section(f"RVUs, CY{year}", [
        Fact("Work RVU", rvu_str(rvu.work)),
        Fact("PE RVU, office (non-facility)", value(rvu.pe_nonfacility, "office")),
        Fact("PE RVU, facility", value(rvu.pe_facility, "facility")),
        Fact("Malpractice RVU", rvu_str(rvu.mp)),
        Fact("Total RVU, office", value(rvu.total_nonfacility, "office")),
        Fact("Total RVU, facility", value(rvu.total_facility, "facility")),
    ])


def global_section(kb: KnowledgeBase, rvu: Rvu) -> Section:
    gp = kb.global_periods.get(rvu.global_days)
    if gp is None:
        return Section("Global period", [Fact("Global", rvu.global_days)])
    return Section(f"Global period: {gp.code} ({gp.name})", [], f"{gp.meaning} {gp.visits}")


def setting_amount(kb: KnowledgeBase, rvu: Rvu, fy: FeeYear, s: Setting, locality: Locality | None) -> str:
    """One setting's amount as shown: dollars only where Medicare pays it from RVUs and CMS prices it there."""
    if not payable(rvu):
        return f"no fee schedule amount ({status_words(kb, rvu).name})"
    if not is_priced(rvu, s):
        return na_words(s)
    return money(amount(rvu, fy.release, s, locality))


def payment_section(kb: KnowledgeBase, rvu: Rvu, fy: FeeYear, settings: tuple[Setting, ...],
                    locality: Locality | None) -> Section:
    where = locality.display if locality else "national"
    facts = [Fact(SETTING_LABELS[s], setting_amount(kb, rvu, fy, s, locality)
                  + (" (capped at the OPPS amount)" if payable(rvu) and is_capped(rvu, fy.release, s, locality)
                     else "")) for s in settings]
    if locality:
        facts.append(Fact("GPCIs (work / PE / MP)",
                          f"{locality.work_gpci:.3f} / {locality.pe_gpci:.3f} / {locality.mp_gpci:.3f}"))
    return Section(f"Medicare payment, {where}, CY{fy.year}", facts)


def indicator_section(kb: KnowledgeBase, rvu: Rvu) -> Section:
    words = status_words(kb, rvu)
    facts = [Fact("Status", f"{rvu.status}: {words.name}; {words.meaning}")]
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


def rvu_headline(kb: KnowledgeBase, rvu: Rvu, label: str, year: int) -> str:
    totals = [f"total {rvu_str(rvu.total_nonfacility if s == 'office' else rvu.total_facility)} {PLACES[s]}"
              if is_priced(rvu, s) else na_words(s) for s in SETTINGS]
    headline = f"{label} has {rvu_str(rvu.work)} work RVUs in CY{year} ({', '.join(totals)})."
    if not payable(rvu):
        headline += " " + not_paid_sentence(kb, rvu, label)
    return headline


def payment_headline(kb: KnowledgeBase, rvu: Rvu, label: str, fy: FeeYear, settings: tuple[Setting, ...],
                     locality: Locality | None) -> str:
    if not payable(rvu):
        return not_paid_sentence(kb, rvu, label)
    where = f"in {locality.display}" if locality else "nationally"
    priced = [s for s in settings if is_priced(rvu, s)]
    parts = [f"{money(amount(rvu, fy.release, s, locality))} {PLACES[s]}" for s in priced]
    unpriced = [na_words(s) for s in settings if s not in priced]
    if parts:
        headline = f"Medicare pays the physician {' and '.join(parts)} for {label} {where} in CY{fy.year}"
        headline += f"; {' and '.join(unpriced)}." if unpriced else "."
        if "facility" in priced:
            headline += " In a facility that is the physician's fee only: the hospital or ASC is paid separately."
    else:
        headline = f"{label} is {' and '.join(unpriced)} in CY{fy.year}, so there is no amount."
    return headline + cap_sentence(rvu, fy, priced, locality) + condition_sentence(kb, rvu)


def cap_sentence(rvu: Rvu, fy: FeeYear, settings, locality: Locality | None) -> str:
    """Imaging whose office amount CMS caps at the hospital outpatient (OPPS) amount: say so, with the
    uncapped fee schedule formula amount, so both numbers can be checked."""
    capped = [s for s in settings if is_capped(rvu, fy.release, s, locality)]
    if not capped:
        return ""
    formula = " and ".join(f"{money(formula_amount(rvu, fy.release, s, locality))} {PLACES[s]}" for s in capped)
    return (f" CMS caps this imaging at the hospital outpatient (OPPS) amount, which is lower here; the fee "
            f"schedule formula alone gives {formula}.")


def code_card(kb: KnowledgeBase, code: str, fy: FeeYear, intent: str, settings: tuple[Setting, ...],
              localities: list[Locality], modifier: str = "", plain: str = "") -> Answer:
    """Everything about one code in one year, with the headline the question asked for first.

    `plain` is the CMS descriptor in plain words, for imported codes that have no curated description.
    """
    entry = kb.codes.get(code)
    rvu = row_of(fy, code, modifier)
    assert rvu is not None, f"{code} has no row in CY{fy.year}"
    label = code + (f"-{rvu.modifier}" if rvu.modifier else "")
    locality = localities[0] if localities else None
    if intent == "rvu":
        headline = rvu_headline(kb, rvu, label, fy.year)
    elif intent == "global":
        gp = kb.global_periods.get(rvu.global_days)
        headline = f"{label} has a {rvu.global_days} global period" + (f": {gp.name}." if gp else ".")
    elif intent == "payment":
        headline = payment_headline(kb, rvu, label, fy, settings, locality)
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
    sections.append(payment_section(kb, rvu, fy, settings, None))
    for loc in localities[:3]:
        sections.append(payment_section(kb, rvu, fy, settings, loc))
    sections.append(indicator_section(kb, rvu))
    if entry and entry.related:
        sections.append(Section("Related codes", [], ", ".join(
            f"{r} ({kb.codes[r].name})" for r in entry.related if r in kb.codes)))
    notes = []
    components = [m for m in ("26", "TC") if (code, m) in fy.rvus and m != rvu.modifier]
    if components:
        notes.append(f"CMS also prices {' and '.join(COMPONENT_NAMES[m] + f' ({m})' for m in components)} of "
                     f"{code} as separate rows: ask `{code}-{components[0]}`.")
    if not payable(rvu) and intent not in ("payment", "rvu"):
        notes.append(not_paid_sentence(kb, rvu, label))
    return Answer(status="answered", intent=intent, headline=headline, codes=[code], year=fy.year,
                  title=code_title(kb, code, rvu, label), sections=sections, source=source_line(fy), notes=notes)


def modifier_priced(kb: KnowledgeBase, rvu: Rvu, fy: FeeYear, modifier: str, settings: tuple[Setting, ...],
                    locality: Locality | None) -> tuple[str, Section] | None:
    """The headline sentence and section for a pricing modifier (50, RT+LT, 62, 66, 80/81/82, AS, 52, 53):
    the modifier's own amount leads, from the code's indicator; None for other modifiers."""
    pricing = modifier_pricing(rvu, modifier)
    if pricing is None:
        return None
    label = rvu.code + (f"-{rvu.modifier}" if rvu.modifier else "")
    mod_label = "RT and LT" if pricing.modifier == "RT+LT" else f"modifier {pricing.modifier}"
    why = pricing.explanation[0].upper() + pricing.explanation[1:] + "."
    if not payable(rvu):
        head = f"{label} with {mod_label}: " + not_paid_sentence(kb, rvu, label)
        return head, Section(f"With {mod_label}", [], why)
    facts = []
    paid, full, unpriced = [], [], []
    for s in settings:
        raw = raw_amount(rvu, fy.release, s, locality)
        if raw is None:
            unpriced.append(na_words(s))
            facts.append(Fact(f"{SETTING_LABELS[s]} with {mod_label}", na_words(s)))
            continue
        full.append(f"{money(raw)} {PLACES[s]}")
        if pricing.factor is None:
            facts.append(Fact(f"{SETTING_LABELS[s]} with {mod_label}",
                              "not paid" if not pricing.paid else "priced by the Medicare contractor"))
        else:
            paid.append(f"{money(raw * pricing.factor)} {PLACES[s]}")
            facts.append(Fact(f"{SETTING_LABELS[s]} with {mod_label}", money(raw * pricing.factor)))
    where = f" in {locality.display}" if locality else " nationally"
    if pricing.factor is not None and paid:
        whose = pricing.whose or "the payment"
        head = (f"{label} with {mod_label}: {whose} payment is {' and '.join(paid)}{where} in CY{fy.year} "
                f"({pricing.factor:.1%} of the full {' and '.join(full)})".replace(".0%", "%"))
        head = head.replace("both sides together payment is", "both sides together are paid")
    elif pricing.factor is None and not pricing.paid:
        head = f"{label} with {mod_label}: Medicare does not pay it"
    elif full:
        head = (f"{label} with {mod_label}: no amount in the file; the Medicare contractor prices it (the full "
                f"amount without the modifier is {' and '.join(full)}{where} in CY{fy.year})")
    else:
        head = f"{label} with {mod_label}: no amount"
    if unpriced:
        head += f"; {' and '.join(unpriced)}"
    return f"{head}. {why}", Section(f"With {mod_label}", facts, why)


def state_range(rvu: Rvu, fy: FeeYear, state_locs: list[Locality], settings: tuple[Setting, ...]) -> str:
    """What a state's localities pay, lowest to highest, in each setting the row is priced in ("Across the 29
    localities in CA, Medicare pays the physician $30.47-$36.61 in the office for 97110 in CY2026."), for a
    question that names a state and no locality; "" when the row has no fee schedule amount there."""
    if not payable(rvu) or not state_locs:
        return ""
    parts = []
    for s in settings:
        if not is_priced(rvu, s):
            continue
        found = [a for a in (amount(rvu, fy.release, s, loc) for loc in state_locs) if a is not None]
        if found:
            low, high = money(min(found)), money(max(found))
            where = "in the office" if s == "office" else "in a facility"
            parts.append(f"{low} {where}" if low == high else f"{low}-{high} {where}")
    if not parts:
        return ""
    n, state = len(state_locs), state_locs[0].state
    where = f"Across the {n} localities in {state}" if n > 1 else f"In {state} (one locality, {state_locs[0].display})"
    return f"{where}, Medicare pays the physician {' and '.join(parts)} for {rvu.code} in CY{fy.year}."


def state_localities_section(kb: KnowledgeBase, rvu: Rvu, fy: FeeYear, state_locs: list[Locality],
                             settings: tuple[Setting, ...], limit: int = 10) -> Section:
    facts = []
    for loc in state_locs[:limit]:
        value = " / ".join(setting_amount(kb, rvu, fy, s, loc) for s in settings)
        facts.append(Fact(loc.name.rstrip("*").title(), value))
    labels = " / ".join("office" if s == "office" else "physician's fee in a facility" for s in settings)
    body = ""
    if len(state_locs) > limit:
        body = (f"Showing {limit} of the {len(state_locs)} localities in {state_locs[0].state}; name one "
                "(or a ZIP code) for the rest.")
    return Section(f"Medicare payment by locality ({labels}), CY{fy.year}", facts, body)


def compare(kb: KnowledgeBase, codes: list[str], fy: FeeYear, settings: tuple[Setting, ...],
            intent: str = "compare") -> Answer:
    sections = []
    rows = {c: row_of(fy, c) for c in codes}
    for code in codes:
        rvu = rows[code]
        totals = " / ".join(rvu_str(rvu.total_nonfacility if s == "office" else rvu.total_facility)
                            if is_priced(rvu, s) else na_words(s) for s in SETTINGS)
        facts = [Fact("Work RVU", rvu_str(rvu.work)), Fact("Total RVU office / facility", totals),
                 Fact("Global", rvu.global_days)]
        facts += [Fact(f"National, {'office' if s == 'office' else 'physician in a facility'}",
                       setting_amount(kb, rvu, fy, s, None)) for s in settings]
        sections.append(Section(code_title(kb, code, rvu), facts))
    top = max(codes, key=lambda c: rows[c].work)
    headline = (f"Side by side in CY{fy.year}: " + "; ".join(
        f"{c} {rvu_str(rows[c].work)} wRVU" for c in codes) + f". {top} carries the most work.")
    unpaid = [c for c in codes if not payable(rows[c])]
    notes = [not_paid_sentence(kb, rows[c], c) for c in unpaid]
    return Answer(status="answered", intent=intent, headline=headline, codes=list(codes), year=fy.year,
                  sections=sections, source=source_line(fy), notes=notes)


def several_procedures(kb: KnowledgeBase, codes: list[str], fy: FeeYear, settings: tuple[Setting, ...],
                       locality: Locality | None, code_modifiers: dict[str, str] | None = None,
                       modifiers: list[str] | None = None) -> Answer:
    """Codes done on one day; a pricing modifier on a code (e.g. 58558-50) is applied before the reduction.

    Lines are rounded to cents one by one and the total shown is their sum; a code Medicare does not pay
    under the fee schedule is listed with its reason and left out of the total.
    """
    rvus: list[Rvu] = []
    factors: list[float] = []
    labels: list[str] = []
    notes: list[str] = []
    for c in codes:
        mod = (code_modifiers or {}).get(c, "")
        rvu = row_of(fy, c, mod)
        if mod and rvu.modifier == mod:
            mod = ""  # the modifier's own row (26, TC, 53) is the price
        pricing = modifier_pricing(rvu, mod) if mod else None
        factor = 1.0
        if pricing is not None:
            notes.append(f"{c}-{pricing.modifier}: {pricing.explanation}.")
            factor = pricing.factor if pricing.factor is not None else 0.0
        rvus.append(rvu)
        factors.append(factor)
        labels.append(c + (f"-{rvu.modifier}" if rvu.modifier else "") + (f"-{mod}" if pricing else ""))
    by_label = dict(zip(labels, rvus, strict=True))
    sections = []
    totals = []
    for s in settings:
        res = multiple_procedures(rvus, fy.release, s, locality, fy.rvus, factors, labels)
        facts = []
        for line in res.lines:
            if line.counted:
                facts.append(Fact(line.code, f"{money(line.full)} -> {money(line.paid)}  [{line.rule}]"))
            elif not payable(by_label[line.code]):
                facts.append(Fact(line.code, f"not counted: {status_words(kb, by_label[line.code]).name}, "
                                             "no fee schedule amount"))
            else:
                facts.append(Fact(line.code, f"not counted: {line.rule}"))
        facts.append(Fact("Total", money(res.total) if res.total is not None else "no total (see notes)"))
        sections.append(Section(f"{SETTING_LABELS[s]}, same day", facts))
        if res.total is not None:
            totals.append(f"{money(res.total)} {PLACES[s]}")
        else:
            totals.append(None)
        notes += [n for n in res.notes if n not in notes]
    where = f" in {locality.display}" if locality else " (national)"
    shown = [t for t in totals if t]
    unpaid = [i for i, r in enumerate(rvus) if not payable(r)]
    if shown:
        headline = (f"Together on one day, Medicare pays the physician {' and '.join(shown)} for "
                    f"{', '.join(labels)}{where}, CY{fy.year}.")
        missing = [PLACES[s] for s, t in zip(settings, totals, strict=True) if not t]
        if missing:
            headline += f" No total {' or '.join(missing)}: see the notes."
    else:
        headline = (f"I can't give a total for {', '.join(labels)} together{where} in CY{fy.year}: "
                    + (notes[0] if notes else "no service here has a fee schedule amount."))
    if unpaid:
        headline += " Left out of the total: " + "; ".join(
            f"{labels[i]} ({status_words(kb, rvus[i]).name})" for i in unpaid) + "."
    notes += [not_paid_sentence(kb, rvus[i], labels[i]) for i in unpaid]
    notes.append("Multiple-procedure rules: Medicare Claims Processing Manual, chapter 12, section 40.6, and the "
                 "RVU file's multiple procedure indicators. Append modifier 51 to the secondary procedures if "
                 "your payer requires it.")
    return Answer(status="answered", intent="multiple_procedures", headline=headline, codes=list(codes),
                  modifiers=["51"], year=fy.year, sections=sections, notes=notes, source=source_line(fy))


def change(kb: KnowledgeBase, code: str, old: FeeYear, new: FeeYear) -> Answer:
    a, b = row_of(old, code), row_of(new, code)
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

    def total_row(s: Setting) -> Fact:
        label = f"Total RVU, {'office' if s == 'office' else 'facility'}"
        x = a.total_nonfacility if s == "office" else a.total_facility
        y = b.total_nonfacility if s == "office" else b.total_facility
        if is_priced(a, s) and is_priced(b, s):
            return row(label, x, y, rvu_str)
        return Fact(label, f"{rvu_str(x) if is_priced(a, s) else na_words(s)} -> "
                           f"{rvu_str(y) if is_priced(b, s) else na_words(s)}")

    def pay_row(s: Setting) -> Fact:
        label = f"National payment, {'office' if s == 'office' else 'physician in a facility'}"
        x = amount(a, old.release, s) if payable(a) else None
        y = amount(b, new.release, s) if payable(b) else None
        if x is None or y is None:
            return Fact(label, f"{setting_amount(kb, a, old, s, None)} -> {setting_amount(kb, b, new, s, None)}")
        return row(label, float(x), float(y), money)

    facts = [row("Work RVU", a.work, b.work, rvu_str), total_row("office"), total_row("facility"),
             pay_row("office"), pay_row("facility"),
             Fact("Conversion factor", f"${old.release.conversion_factor:.4f} -> ${new.release.conversion_factor:.4f}")]
    direction = "rose" if b.work > a.work else "fell" if b.work < a.work else "stayed"
    headline = (f"The work RVU of {code} {direction} from {rvu_str(a.work)} (CY{old.year}) to {rvu_str(b.work)} "
                f"(CY{new.year}).")
    notes = [not_paid_sentence(kb, b, code)] if not payable(b) else []
    return Answer(status="answered", intent="change", headline=headline, codes=[code], year=new.year,
                  title=code_title(kb, code, b), sections=[Section(f"CY{old.year} -> CY{new.year}", facts)],
                  source=f"{source_line(old)} | {source_line(new)}", notes=notes)


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
    elif g == "ZZZ":
        mods = ["25", "57"]
        headline = (f"{code} is an add-on code (ZZZ): it is billed only with its primary procedure and lives "
                    "inside that procedure's global period, so the primary procedure decides the visit: with a "
                    "000 or 010 primary, a same-day E/M needs a significant, separately identifiable problem "
                    "and modifier 25; with a 090 primary, only the visit that led to the decision to operate is "
                    "billed, with 57; routine pre- and post-procedure visits are included.")
    elif g == "YYY":
        mods = ["25", "57"]
        headline = (f"{code} has global indicator YYY: CMS sets no global period for it; your Medicare "
                    "contractor (MAC) sets one. Whether a same-day or follow-up visit is included depends on the "
                    "period the MAC sets: ask your MAC, then bill the visit with 25 (or 57 for the decision to "
                    "operate) as for a code with that period.")
    elif g == "MMM":
        mods = []
        headline = (f"{code} is a maternity code (MMM): the usual global surgery rules do not apply; visits "
                    "that are part of the maternity care it covers are included and not billed separately, "
                    "while a visit for an unrelated problem is billed on its own merits.")
    else:
        mods = []
        headline = (f"{code} has global indicator {g}: the global surgery rules do not bundle visits with it, "
                    "so a medically necessary visit is billed on its own merits.")
    sections = [Section(f"Global period: {g}" + (f" ({gp.name})" if gp else ""), [],
                        f"{gp.meaning} {gp.visits}" if gp else "")]
    sections += [Section(f"Modifier {m}: {kb.modifiers[m].name}", [Fact("Use it when", kb.modifiers[m].use_when)],
                         kb.modifiers[m].summary) for m in mods if m in kb.modifiers]
    return Answer(status="answered", intent="visit_with_procedure", headline=headline, codes=[code],
                  modifiers=mods, year=fy.year, title=code_title(kb, code, rvu), sections=sections,
                  source=source_line(fy))


def clarify(kb: KnowledgeBase, codes: list[str], fy: FeeYear, phrase: str, ask_prefix: str) -> Answer:
    choices = []
    for code in codes[:5]:
        rvu = fy.rvus.get((code, ""))
        choices.append(Choice(code=code, label=code_title(kb, code, rvu),
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



