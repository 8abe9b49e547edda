"""The facility side of `cptbot kb import` and `cptbot kb status` (kept here so bot/cli.py only calls it)."""

from __future__ import annotations

import time
from pathlib import Path

from bot.facility import db
from bot.facility.importer import Prepared, prepare


def prepare_facility(paths: list[str]) -> Prepared:
    """Parse and check every facility file among `paths` (raises CmsFileError); nothing is written."""
    started = time.perf_counter()
    prepared = prepare(list(paths))
    prepared.seconds = time.perf_counter() - started
    return prepared


def import_facility(prepared: Prepared, data_dir: Path) -> list[str]:
    """Write the parsed facility datasets; the report lines (none when there was no facility file)."""
    if not prepared.datasets:
        return []
    started = time.perf_counter()
    try:
        written = db.write(prepared.datasets, data_dir)
    except db.FacilityStoreError as exc:
        from bot.store import StoreError

        raise StoreError(str(exc)) from None
    seconds = prepared.seconds + time.perf_counter() - started
    out = [f"Facility files imported into {data_dir} in {seconds:.2f} s:"]
    for w in written:
        cf = w.extra.get("conversion_factor") or w.extra.get("national_cf")
        out.append(f"  {w.title}: {w.rows:,} rows{f', conversion factor ${cf}' if cf else ''}"
                   f"{' (replaced the earlier import)' if w.replaced else ''}  [{w.source}]")
    out.extend(f"note: {n}" for n in prepared.notes)
    return out


def status_lines(data_dir: Path) -> list[str]:
    return db.status_lines(data_dir)
