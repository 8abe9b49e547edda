"""What `cptbot kb import` and `cptbot kb status` report about a data directory.

Kept apart from `bot.store` so that a process answering questions never builds these classes: only an
import and `kb status` import this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.record import Record, field

if TYPE_CHECKING:
    from bot.store import EditSet, SourceFile


class ImportedRelease(Record, eq=False):
    """One RVU release an import wrote."""

    name: str
    year: int
    title: str
    released: str
    conversion_factor: float
    qp_conversion_factor: float | None
    rows: int
    codes: int
    localities: int
    replaced: bool  # a release of the same name was in the store before
    source: SourceFile


class ImportReport(Record, eq=False):
    """What `import_paths` did, for the CLI to print and tests to check."""

    data_dir: Path
    releases: list[ImportedRelease] = field(default_factory=list)
    localities: int = 0  # localities in the GPCI files imported
    county_areas: int = 0  # localities described by the county files imported
    zips: int = 0  # ZIP codes imported
    zip_year_quarter: str = ""
    sources: list[SourceFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ncci: list[str] = field(default_factory=list)  # one line per NCCI edit set imported
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """The report as text, one fact a line."""
        out = [f"Imported into {self.data_dir} in {self.seconds:.2f} s:"]
        for r in self.releases:
            qp = f", QP CF ${r.qp_conversion_factor:.4f}" if r.qp_conversion_factor else ""
            out.append(f"  {r.name}  {r.title}{', released ' + r.released if r.released else ''}: "
                       f"{r.rows:,} rows, {r.codes:,} codes, CF ${r.conversion_factor:.4f}{qp}, "
                       f"{r.localities} localities{' (replaced the earlier import)' if r.replaced else ''}")
        if self.localities and not self.releases:
            out.append(f"  GPCIs: {self.localities} localities")
        if self.county_areas:
            out.append(f"  counties: {self.county_areas} localities described")
        if self.zips:
            out.append(f"  ZIP codes: {self.zips:,} ({_quarter(self.zip_year_quarter)})")
        out.extend(f"  NCCI {line}" for line in self.ncci)
        out.extend(f"note: {n}" for n in self.notes)
        return out


class ReleaseStatus(Record, eq=False):
    """One stored release, as `cptbot kb status` shows it."""

    name: str
    year: int
    title: str
    released: str
    conversion_factor: float
    qp_conversion_factor: float | None
    rows: int
    codes: int
    localities: int
    counties_from: str  # the county file whose counties its localities carry ("" for none)
    default: bool  # the newest release of its year: the one answers use
    imported: str  # when, ISO 8601 UTC
    sources: tuple[SourceFile, ...]


class ZipStatus(Record, eq=False):
    zips: int
    year_quarter: str
    localities: int
    imported: str
    source: SourceFile


class StoreStatus(Record, eq=False):
    """Everything `cptbot kb status` reports about a data directory."""

    data_dir: Path
    releases: list[ReleaseStatus]  # newest first
    county_files: list[tuple[int, int, SourceFile]]  # (year, localities described, source)
    zip: ZipStatus | None
    ncci: list[EditSet] = field(default_factory=list)

    def lines(self) -> list[str]:
        if not self.releases and self.zip is None and not self.county_files and not self.ncci:
            return [f"No CMS data imported in {self.data_dir}: answers use the shipped knowledge base. "
                    "Import the RVU zip from CMS with `cptbot kb import RVU26C.zip`."]
        out = [f"Data directory: {self.data_dir}"]
        for r in self.releases:
            qp = f", QP CF ${r.qp_conversion_factor:.4f}" if r.qp_conversion_factor else ""
            out.append(f"{r.name}  {r.title}{f' (default for CY{r.year})' if r.default else ''}")
            out.append(f"  {r.codes:,} codes, {r.rows:,} rows, CF ${r.conversion_factor:.4f}{qp}, "
                       f"released {r.released or 'date not stated'}, {r.localities} localities"
                       f"{', counties from ' + r.counties_from if r.counties_from else ''}; imported {r.imported}")
            out.extend(f"  {s.display}  sha256 {s.sha256}" for s in r.sources)
        for year, areas, source in self.county_files:
            out.append(f"County file CY{year}: {areas} localities  {source.display}  sha256 {source.sha256}")
        if self.zip:
            z = self.zip
            out.append(f"ZIP codes: {z.zips:,} ({_quarter(z.year_quarter)}) in {z.localities} localities; "
                       f"imported {z.imported}")
            out.append(f"  {z.source.display}  sha256 {z.source.sha256}")
        for s in self.ncci:
            what = (f"{s.rows:,} pairs, {s.active:,} active" if s.kind == "ptp" else f"{s.rows:,} codes")
            out.append(f"NCCI {'PTP edits' if s.kind == 'ptp' else 'MUEs'}, {s.setting}, {s.quarter}: {what}; "
                       f"imported {s.imported}")
            out.extend(f"  {f.display}  sha256 {f.sha256}" for f in s.sources)
        return out


def _quarter(year_quarter: str) -> str:
    return f"{year_quarter[:4]} Q{year_quarter[4:]}" if len(year_quarter) == 5 else year_quarter
