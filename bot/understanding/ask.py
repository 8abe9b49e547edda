"""The ask: *what* a question asks and *about what*, decided once, before anything is composed.

The engine reads a question into a `Reading`, turns that into one `Ask`, and hands the Ask to the answerer
registered for `Ask.kind` (see `bot.answers`). An answerer never re-reads the question text: everything it
may use is here (the Reading stays attached for the rare answerer that needs a word-level detail).

Kinds (the keys of `bot.answers.ANSWERERS`):
- `value`: one code's values; `what` says which (`rvu`, `payment`, `global`, `describe`).
- `codes`: several codes' values as one table (`what` as for `value`), or the codes a narrative names.
- `several`: several codes done on one day, priced with the multiple-procedure rules.
- `visit_with_procedure`: can a visit be billed with (or after) a procedure.
- `compare`, `change`: codes side by side; one code between two years.
- `modifier`: what named modifiers mean, or which modifier fits a described situation.
- `global_meaning`: what a global indicator (000, 090, MMM...) means, asked without a code.
- `conversion_factor`, `remember` (save a locality/setting), `help`, `decline` (not CPT coding).
- `topic`: a general rule asked without a code ("new or established?"); `rule` is the topic (knowledge/topics.yaml).
- `situation`: a described situation that implies a modifier ("the procedure was stopped"); `rule` is the
  situation (knowledge/situations.yaml), `codes` the codes named, `modifiers` the ones the asker proposed.
- `decline` also carries, in `rule`, the decline from knowledge/declines.yaml that applies, if any.
- `clarify`: several codes fit the words equally; ask back.
- `clarify_place`: a place named lies in several Medicare localities ("Kansas City"); ask which.
- `not_found`: `problem` names what was missing (an unknown year or code, a malformed code, ...).
- `hospital`, `asc`: the hospital outpatient (OPPS) or ASC payment of a code (bot/facility files imported).
- `site_of_service`: office, ASC and hospital outpatient side by side, physician and facility parts.
- `anesthesia`: an anesthesia code's base units and, with a time (`minutes`), its payment.
- `bundling`: whether NCCI bundles two codes (the PTP edit between them on the date of service).
- `units`: a code's NCCI medically unlikely edit (MUE).
- `sized`: a lesion removed by a family of codes chosen by site and size (shave removal, excision); `rule`
  is the family with the site and size read (bot/answers/sized), `codes` the codes named by number.
- `quantity`: a family of codes split by a stated count or time (trigger points, skin tags, counseling
  minutes) whose answer needs an add-on's units or finds no band; `rule` is the match (bot/answers/quantities).
- `repair`: a wound repair by complexity, site group and total length; `rule` is the match (bot/answers/lengths).
- `drug_given`: a drug named in words and said to be given: its code and the administration's, side by side;
  `rule` is the match (bot/answers/drug_given).
- `drug_dose`: a drug whose HCPCS code depends on the dose, named by brand or generic name: the code for the
  dose stated, or the codes to choose from; `rule` is the match (bot/answers/drug_dose).
- `exchange`: a device taken out and a new one put in: one code for both, or the removal and the insertion;
  `rule` is the device (bot/answers/exchanges).
"""

from __future__ import annotations

from bot.record import Record, field
from bot.records import FeeYear, Locality
from bot.understanding.reading import Reading

KINDS = ("value", "codes", "several", "visit_with_procedure", "compare", "change", "modifier", "global_meaning",
         "conversion_factor", "remember", "help", "decline", "clarify", "not_found", "clarify_place", "topic",
         "situation", "hospital", "asc", "site_of_service", "anesthesia", "bundling", "units", "sized",
         "quantity", "repair", "indicator_meaning", "drug_given", "exchange", "drug_dose")


class Ask(Record, eq=False):
    """One question's kind of ask and its subjects. Built by `Engine.ask`, read by one answerer."""

    kind: str
    reading: Reading
    fy: FeeYear  # the fee schedule year the question is about (the newest unless it names one)
    what: str = ""  # the value asked for, for `value`: "rvu", "payment", "global", "describe"
    intent: str = ""  # the intent that decided the kind (e.g. "which_code" for a `value`/`codes` ask; "values"
    # when several values of one code are asked, "rvu and global for 57522")
    codes: list[str] = field(default_factory=list)  # codes priced in `fy`, most relevant first
    unknown_codes: list[str] = field(default_factory=list)  # named by number, unknown in `fy` and the KB
    missing_codes: list[str] = field(default_factory=list)  # known elsewhere but not priced in `fy`
    modifiers: list[str] = field(default_factory=list)  # modifiers named outright and known
    modifier_choices: list[str] = field(default_factory=list)  # modifiers a described situation fits
    candidates: list[str] = field(default_factory=list)  # near-tie codes to ask back about (`clarify`)
    settings: tuple[str, ...] = ()  # "office", "facility": the settings to price
    localities: list[Locality] = field(default_factory=list)  # named, or the person's saved one
    years: list[int] = field(default_factory=list)  # loaded years the question names
    problem: str = ""  # for `not_found`: what was missing
    subject: str = ""  # for `not_found`: the words or number the problem is about; `indicator_meaning`: the indicator
    component: str = ""  # for `value`: the pricing row asked about ("", "26", "TC", "53")
    state_localities: list[Locality] = field(default_factory=list)  # a state named without a locality
    after: bool = False  # for `visit_with_procedure`: the visit is after the procedure, in its global
    rule: object = None  # for `topic`, `situation`, `decline`: the YAML rule that applies (bot/answers/...)
    repair: object = None  # for `sized`: the wound repair the same narrative states (bot.answers.lengths.RepairMatch)
    beside: list[str] = field(default_factory=list)  # for `sized`: other procedures the narrative states
    minutes: float | None = None  # for `anesthesia`: the anesthesia time the question states
    notes: list[str] = field(default_factory=list)  # said with any answer (e.g. a year not loaded)
    span: tuple[int, ...] = ()  # for `change`: (older year, newer year), or (newer,) when only one is loaded

    @property
    def year(self) -> int:
        return self.fy.year

    @property
    def entities(self):
        return self.reading.entities
