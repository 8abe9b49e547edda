"""The ledger of Slack events already answered, in the shared database, for several instances at once.

Behind a load balancer a retried event (same `event_id`, header `X-Slack-Retry-Num`) can reach another
machine than the first attempt, so the machines must agree on who answers it. `DatabaseLedger` is the
`bot.slack.dedup.Ledger` backend for the shared database (PostgreSQL in production, any SQLAlchemy URL in
tests): `claim` decides with one atomic statement, so exactly one of N racing processes gets True:

    INSERT ... ON CONFLICT (event_id) DO UPDATE ... WHERE the stored row has expired  RETURNING event_id

A row comes back only for an insert or for the take-over of an expired id. `SeenEvents` in front of it
answers ids this process has already seen from memory, and when the database cannot answer
(`LedgerError`) it answers the event and warns (see bot.slack.dedup).
"""

from __future__ import annotations

import threading

from sqlalchemy import Column, Float, MetaData, String, Table
from sqlalchemy.exc import SQLAlchemyError

from bot.database import Database, DatabaseError, shared_database
from bot.slack.dedup import LedgerError, SeenEvents, default_shared_path

TABLE = "cptbot_seen_events"


def _insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


class DatabaseLedger:
    """`claim(event_id, now, ttl)`: True for exactly one caller across every process sharing `database`."""

    def __init__(self, database: Database):
        self.database = database
        self.metadata = MetaData()
        self.table = Table(TABLE, self.metadata,
                           Column("event_id", String(64), primary_key=True),
                           Column("seen_at", Float, nullable=False, index=True))
        self._ready = False
        self._pruned_at = 0.0
        self._lock = threading.Lock()

    def create_tables(self) -> None:
        self.database.create_tables(self.metadata.create_all)
        self._ready = True

    def claim(self, event_id: str, now: float, ttl: float) -> bool:
        t = self.table
        try:
            if not self._ready:
                self.create_tables()
            with self.database.engine.begin() as conn:
                insert = _insert(conn.dialect.name)(t).values(event_id=event_id, seen_at=now)
                claimed = conn.execute(insert.on_conflict_do_update(
                    index_elements=[t.c.event_id], set_={"seen_at": insert.excluded.seen_at},
                    where=t.c.seen_at < now - ttl).returning(t.c.event_id)).first() is not None
                with self._lock:
                    prune = now - self._pruned_at > ttl / 10
                    if prune:
                        self._pruned_at = now
                if prune:
                    conn.execute(t.delete().where(t.c.seen_at < now - ttl))
            return claimed
        except SQLAlchemyError as exc:
            raise LedgerError(f"database {type(exc).__name__}") from None


def ledger_for(database_url: str | None, port: int) -> SeenEvents:
    """The seen-events a server uses: the shared database when there is one (every instance), else the
    SQLite file that the workers of this one server share. The table is created now, so a database that
    cannot be reached stops the server at start-up (DatabaseError, one sentence) instead of failing later."""
    if not database_url:
        return SeenEvents(shared_path=default_shared_path(port))
    ledger = DatabaseLedger(shared_database(database_url))
    try:
        ledger.create_tables()
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot use DATABASE_URL ({ledger.database.safe_url}): {type(exc).__name__}; "
                            "check that the server is running and the user may create tables.") from None
    return SeenEvents(ledger=ledger)
