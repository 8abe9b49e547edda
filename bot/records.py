"""The records the knowledge base is made of.

Records are `bot.record.Record`s (declared like dataclasses; why not dataclasses is said there). Value
records (a row, a locality, a release) are `frozen`: nothing assigns to them, so the engine shares them
freely between questions (and threads) without copying, and they compare and hash by value. Holders built
once at load (`FeeYear` here, the finders' tables elsewhere) compare by identity (`eq=False`). Numbers are
kept exactly as CMS prints them (floats parsed from two-decimal strings); money is only computed in
`bot.fees`. Their repr is part of the knowledge fingerprints that key the caches
(`bot.catalog.words_digest`, `kb_fingerprint`).
"""

from __future__ import annotations

from bot.record import Record, field


class Release(Record, frozen=True):
    """One CMS Physician Fee Schedule release: the source every number of a year is quoted from."""

    year: int
    name: str  # e.g. "RVU26C"
    title: str  # e.g. "CMS Physician Fee Schedule CY2026, July release (RVU26C)"
    conversion_factor: float
    qp_conversion_factor: float | None = None  # qualifying APM participants (2026 on)
    released: str = ""  # date CMS released it, as printed in the file
    source_file: str = ""
    sha256: str = ""  # of the source file, for imported releases: proves which file a number came from

    @property
    def label(self) -> str:
        """Short citation used in every answer: year, release and conversion factor."""
        return f"CY{self.year} CMS PFS {self.name}, CF ${self.conversion_factor:.4f}"


class Rvu(Record, frozen=True):
    """One pricing row of the national RVU file: a code (and modifier, for component rows) in one year.

    Rows are read from the store by many threads at once and cached, and every amount the bot states is
    computed from them, so assigning to one is an error (tested), not a convention."""

    code: str
    modifier: str  # "" for the global row, else "26", "TC", "53"
    status: str
    work: float
    pe_nonfacility: float
    pe_facility: float
    mp: float
    total_nonfacility: float
    total_facility: float
    nonfacility_na: bool
    facility_na: bool
    pctc: str
    global_days: str
    mult_proc: str
    bilateral: str
    assistant: str
    co_surgeon: str
    team: str
    endo_base: str
    description: str = ""  # CMS short descriptor; only kept for imported rows
    # PE and MP RVUs of the OPPS imaging cap (0: the service is not capped); see bot.fees.raw_amount.
    opps_pe_nonfacility: float = 0.0
    opps_pe_facility: float = 0.0
    opps_mp: float = 0.0

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.modifier)


class Locality(Record, frozen=True):
    """A Medicare payment locality and its geographic practice cost indices for one year."""

    mac: str
    state: str
    number: str  # two digits, e.g. "01"
    name: str
    work_gpci: float
    pe_gpci: float
    mp_gpci: float
    counties: str = ""

    @property
    def key(self) -> str:
        """MAC and locality number together identify a locality (numbers repeat across states)."""
        return f"{self.mac}-{self.number}"

    @property
    def display(self) -> str:
        name = self.name.rstrip("*").strip().title()
        return f"{name} ({self.state}, locality {self.mac}-{self.number})"


class FeeYear(Record, eq=False):
    """Everything needed to price a service in one year: the release, its rows and its localities."""

    release: Release
    rvus: dict[tuple[str, str], Rvu]
    localities: tuple[Locality, ...] = ()
    absent: frozenset[str] = frozenset()  # curated codes this release does not have (e.g. new the year after)

    @property
    def year(self) -> int:
        return self.release.year


class CodeEntry(Record, frozen=True):
    """What we know about a code in words: curated from YAML, or derived from a CMS descriptor."""

    code: str
    name: str
    description: str = ""
    context: str = ""
    synonyms: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    primary_for: tuple[str, ...] = ()  # shared terms (e.g. "LEEP") whose usual meaning is this code
    curated: bool = True


class Modifier(Record, frozen=True):
    """A CPT or HCPCS modifier explained in our own words."""

    code: str
    name: str
    summary: str
    use_when: str
    not_when: str
    payment: str
    situations: tuple[str, ...] = ()
    see_also: tuple[str, ...] = ()


class GlobalPeriod(Record, frozen=True):
    """A global surgery indicator (000, 010, 090, MMM, XXX, YYY, ZZZ) and what it means for billing."""

    code: str
    name: str
    meaning: str
    visits: str
    modifiers: tuple[str, ...] = field(default_factory=tuple)


class PaymentStatus(Record, frozen=True):
    """How Medicare pays a code of one RVU-file status, in words (knowledge/payment_status.yaml)."""

    code: str  # the status letter, or "drug" / "R-unpriced"
    name: str
    meaning: str
    instead: str = ""  # statuses not paid from RVUs: what happens in place of an amount
    condition: str = ""  # paid statuses with a catch (R, T)
