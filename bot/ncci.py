"""NCCI rules: which edit applies to two codes on a date of service, what its indicators mean, which codes
of a same-day list NCCI bundles away, and the MUE of a code.

The edits themselves come from the store (`bot.store.NcciTables`, imported from CMS's files); the meanings
of the indicators are our own words in `knowledge/ncci.yaml`. Nothing here knows about questions or text
layout: the answerers (`bot.answers.bundling`, `bot.answers.units`) turn these verdicts into Answers.

Rules, as CMS states them:
- A PTP edit applies to a date of service on or after its effective date (when the file gives one) and
  before its deletion date. An edit deleted before the date of service does not apply.
- The edit set used is the newest quarter imported that took effect on or before the date of service.
- Column 1 is paid, column 2 denied. Modifier indicator 0: no modifier allows the pair; 1: an
  NCCI-associated modifier (59, XE, XS, XP, XU, anatomic) on the column 2 code allows it when the record
  shows a distinct service; 9: not applicable.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.record import Record, field

if TYPE_CHECKING:
    from bot.store import EditSet, Mue, NcciTables, PtpEdit

NCCI_MODIFIERS = frozenset({
    "59", "XE", "XS", "XP", "XU", "E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8",
    "F9", "LC", "LD", "LM", "LT", "RC", "RI", "RT", "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9",
    "24", "25", "57", "27", "79", "91"})  # CMS's list of NCCI-associated modifiers
DISTINCT_MODIFIERS = frozenset(NCCI_MODIFIERS - {"24", "25", "57", "27", "79", "91"})  # for procedure pairs
SETTING_WORDS = re.compile(r"\b(hospital|facility|opps|outpatient department|hopd|oph)\b", re.I)
HOSPITAL_WORDS = re.compile(r"\b(hospital|opps|outpatient department|hopd|oph)\b", re.I)
_DOS_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")
_DOS_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


@lru_cache(maxsize=1)
def meanings() -> dict:
    """knowledge/ncci.yaml: the indicators in our own words."""
    import yaml  # here, not at the top: most questions never need it, and it is slow to import

    from bot.knowledge import shipped_dir

    path = Path(shipped_dir("knowledge")) / "ncci.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def modifier_meaning(indicator: int) -> str:
    return meanings()["ptp_modifier_indicators"].get(indicator, "")


def mue_meaning(indicator: int) -> str:
    return meanings()["mue_indicators"].get(indicator, "")


def setting_name(setting: str) -> str:
    return meanings()["settings"].get(setting, setting)


def date_of_service(text: str) -> tuple[date | None, str]:
    """The date of service a question gives ("for DOS 6/1/23", "as of 2023-06-01"), and the text matched.

    Linear in the text (two anchored regular expressions); an impossible date is ignored.
    """
    for pattern, order in ((_DOS_ISO, (0, 1, 2)), (_DOS_NUMERIC, (2, 0, 1))):
        for m in pattern.finditer(text):
            y, mo, d = (m.group(i + 1) for i in order)
            year = int(y) + (2000 if len(y) == 2 else 0)
            try:
                return date(year, int(mo), int(d)), m.group(0)
            except ValueError:
                continue
    return None, ""


def edit_setting(text: str, facility_is_hospital: bool = True) -> str:
    """'hospital' when the question says hospital, facility or OPPS; else 'practitioner'.

    In a payment calculation "facility" is the physician's fee in a facility, so `facility_is_hospital`
    False leaves it to the practitioner edits.
    """
    pattern = SETTING_WORDS if facility_is_hospital else HOSPITAL_WORDS
    return "hospital" if pattern.search(text) else "practitioner"


def _as_date(value: int | None) -> date | None:
    if value is None:
        return None
    return date(value // 10000, value // 100 % 100, value % 100)


def applies(edit: PtpEdit, when: date) -> bool:
    """Whether an edit is in force on a date of service (effective on or before it, deleted after it)."""
    effective, deleted = _as_date(edit.effective), _as_date(edit.deleted)
    return (effective is None or effective <= when) and (deleted is None or when < deleted)


class SetChoice(Record):
    """The edit set used for a date of service, and why another could not be."""

    edit_set: EditSet | None
    setting: str  # the setting of the set used
    asked_setting: str  # the setting the question asked about
    notes: list[str] = field(default_factory=list)


def choose_set(tables: NcciTables, kind: str, setting: str, when: date) -> SetChoice:
    """The newest imported quarter of `kind` in force on `when`: the asked setting, else practitioner."""
    choice = SetChoice(None, setting, setting)
    sets = tables.of(kind, setting)
    if not sets and setting != "practitioner":
        sets = tables.of(kind, "practitioner")
        if sets:
            what = "PTP edits" if kind == "ptp" else "MUEs"
            choice.notes.append(f"The {setting_name(setting)} {what} are not imported; this is from the "
                                f"practitioner {what}.")
            choice.setting = "practitioner"
    if not sets:
        return choice
    in_force = [s for s in sets if date.fromisoformat(s.effective) <= when]
    if in_force:
        choice.edit_set = in_force[0]
    else:
        choice.edit_set = sets[-1]
        choice.notes.append(f"The oldest NCCI quarter imported, {sets[-1].quarter}, took effect after the date of "
                            f"service {when.isoformat()}; this is from it.")
    newest = date.fromisoformat(sets[0].effective)
    if choice.edit_set is sets[0] and (when - newest).days > 100:
        choice.notes.append(f"The newest NCCI quarter imported is {sets[0].quarter}; CMS updates the edits "
                            "every quarter, so import the current files for today's edits.")
    return choice


class PairVerdict(Record):
    """What NCCI says about two codes billed together on one date of service."""

    a: str
    b: str
    when: date
    choice: SetChoice
    edit: PtpEdit | None = None  # the edit in force (column 1 paid, column 2 denied)
    lapsed: list[PtpEdit] = field(default_factory=list)  # edits for the pair not in force on `when`

    @property
    def imported(self) -> bool:
        return self.choice.edit_set is not None

    @property
    def bundled(self) -> bool:
        return self.edit is not None and self.edit.modifier in (0, 1)


def pair(tables: NcciTables, a: str, b: str, when: date, setting: str = "practitioner") -> PairVerdict:
    choice = choose_set(tables, "ptp", setting, when)
    verdict = PairVerdict(a, b, when, choice)
    if choice.edit_set is None:
        return verdict
    edits = tables.pair(choice.edit_set, a, b)
    live = [e for e in edits if applies(e, when)]
    # Several rows in force for one pair (both orders, or a newer row): the strictest one decides.
    live.sort(key=lambda e: (e.modifier != 0, e.modifier == 9, -(e.effective or 0)))
    verdict.edit = live[0] if live else None
    verdict.lapsed = [e for e in edits if e not in live]
    return verdict


class Dropped(Record, frozen=True):
    """A same-day code NCCI bundles into another, or one a modifier lets through."""

    code: str  # the column 2 code
    into: str  # the column 1 code
    edit: PtpEdit
    allowed_by: str = ""  # the modifier that lets it through ("" when it is dropped)


def same_day(tables: NcciTables, codes: list[str], when: date, setting: str, code_modifiers: dict[str, str],
             modifiers: list[str]) -> tuple[list[Dropped], SetChoice | None]:
    """Every pair of `codes` checked: the column 2 codes to drop (indicator 0 always; 1 unless a distinct-service
    modifier is on it), and those a modifier lets through. Modifiers named without a code apply to the
    column 2 code. Returns ([], None) when no PTP edits are imported."""
    out: list[Dropped] = []
    choice = None
    dropped: set[str] = set()
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            if a in dropped or b in dropped or a == b:
                continue
            verdict = pair(tables, a, b, when, setting)
            choice = verdict.choice
            if not verdict.imported:
                return [], None
            edit = verdict.edit
            if edit is None or edit.modifier == 9:
                continue
            col2 = edit.column2
            mod = next((m for m in (code_modifiers.get(col2, ""), *modifiers) if m in DISTINCT_MODIFIERS), "")
            if edit.modifier == 1 and mod:
                out.append(Dropped(col2, edit.column1, edit, allowed_by=mod))
                continue
            out.append(Dropped(col2, edit.column1, edit))
            dropped.add(col2)
    return out, choice


def mue(tables: NcciTables, code: str, when: date, setting: str = "practitioner") -> tuple[Mue | None, SetChoice]:
    choice = choose_set(tables, "mue", setting, when)
    if choice.edit_set is None:
        return None, choice
    return tables.mue(choice.edit_set, code), choice
