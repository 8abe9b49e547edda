"""The ledger of Slack events already answered, in the shared database, for several instances at once.

Behind a load balancer a retried event (same `event_id`, header `X-Slack-Retry-Num`) can reach another
machine than the first attempt, so the machines must agree on who answers it. `DatabaseSeenEvents` has the
`first_time(event_id)` contract of `bot.slack.dedup.SeenEvents` (True once per id within `ttl` seconds)
and decides with one atomic statement, so exactly one of N racing processes gets True:

    INSERT ... ON CONFLICT (event_id) DO UPDATE ... WHERE the stored row has expired  RETURNING event_id

A row comes back only for an insert or for the take-over of an expired id. Ids already seen by this
process are answered from memory without a round trip. When the database cannot be reached the event is
answered (a possible double answer is better than a lost one) and a warning names the failure, never the
event's content.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Column, Float, MetaData, String, Table
from sqlalchemy.exc import SQLAlchemyError

from bot.database import Database, DatabaseError, shared_database
from bot.slack.dedup import DEFAULT_TTL, SeenEvents, default_shared_path

TABLE = "cptbot_seen_events"
log = logging.getLogger("bot.slack")


def _insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


class DatabaseSeenEvents:
    """`first_time(event_id)`: True for exactly one caller across every process sharing `database`."""

    def __init__(self, database: Database, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.time):
        self.database = database
        self.ttl = ttl
        self._clock = clock
        self._memory = SeenEvents(ttl=ttl, clock=clock)
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

    def first_time(self, event_id: str) -> bool:
        if not self._memory.first_time(event_id):
            return False
        now = self._clock()
        t = self.table
        try:
            if not self._ready:
                self.create_tables()
            with self.database.engine.begin() as conn:
                insert = _insert(conn.dialect.name)(t).values(event_id=event_id, seen_at=now)
                claimed = conn.execute(insert.on_conflict_do_update(
                    index_elements=[t.c.event_id], set_={"seen_at": insert.excluded.seen_at},
                    where=t.c.seen_at < now - self.ttl).returning(t.c.event_id)).first() is not None
                with self._lock:
                    prune = now - self._pruned_at > self.ttl / 10
                    if prune:
                        self._pruned_at = now
                if prune:
                    conn.execute(t.delete().where(t.c.seen_at < now - self.ttl))
            return claimed
        except SQLAlchemyError as exc:
            log.warning("event ledger unavailable (%s): answering the event, a retry may be answered again",
                        type(exc).__name__)
            return True


def ledger_for(database_url: str | None, port: int) -> SeenEvents | DatabaseSeenEvents:
    """The ledger a server uses: the shared database when there is one (every instance), else the SQLite
    file that the workers of this one server share. Its table is created now, so a database that cannot
    be reached stops the server at start-up (DatabaseError, one sentence) instead of failing requests."""
    if not database_url:
        return SeenEvents(shared_path=default_shared_path(port))
    ledger = DatabaseSeenEvents(shared_database(database_url))
    try:
        ledger.create_tables()
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot use DATABASE_URL ({ledger.database.safe_url}): {type(exc).__name__}; "
                            "check that the server is running and the user may create tables.") from None
    return ledger
