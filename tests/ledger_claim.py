"""Run in a fresh process by the ledger race test: imports only the ledger, so a spawned process starts fast."""

from __future__ import annotations

from bot.database import Database
from bot.slack.dedup import SeenEvents
from bot.slack.ledger import DatabaseLedger


def claim_event(url: str, event_id: str, start, out) -> None:
    """Claim `event_id` once `start` is set; put the answer (True for the one winner) in `out`."""
    ledger = DatabaseLedger(Database(url))
    ledger.create_tables()
    seen = SeenEvents(ledger=ledger)
    start.wait()
    out.put(seen.first_time(event_id))
