"""Run in a fresh process by the ledger race test: imports only the ledger, so a spawned process starts fast."""

from __future__ import annotations

from bot.database import Database
from bot.slack.ledger import DatabaseSeenEvents


def claim_event(url: str, event_id: str, start, out) -> None:
    """Claim `event_id` once `start` is set; put the answer (True for the one winner) in `out`."""
    ledger = DatabaseSeenEvents(Database(url))
    ledger.create_tables()
    start.wait()
    out.put(ledger.first_time(event_id))
