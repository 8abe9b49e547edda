"""Which Slack events were already seen, so a retried event is answered once.

Slack retries an event it thinks went unanswered (header `X-Slack-Retry-Num`), and the retry carries the
same `event_id`. `SeenEvents` remembers recent ids in memory (bounded, expiring, thread-safe). Under
gunicorn several worker processes share one port and a retry can reach a different worker than the
first attempt, so `SeenEvents` can also ask a shared *ledger* that every worker (or every instance) uses.

How a ledger backend plugs in: any object with `claim(event_id, now, ttl) -> bool` (the `Ledger`
protocol below) can be passed as `SeenEvents(ledger=...)`. `claim` must be atomic across all processes
that share the ledger: True for exactly one caller per id within `ttl` seconds (a row older than `ttl`
counts as unseen), False for every other. When the backend cannot answer (database down, locked past
its patience, disk full) it raises `LedgerError`; it must never guess "new". `SQLiteLedger` is the
single-machine backend; a PostgreSQL one (several machines) implements the same `claim` with
`INSERT ... ON CONFLICT DO UPDATE ... WHERE at < now - ttl` and returns whether a row was written.

When the ledger raises, the decision is deliberate: the event is answered if *this process* has not seen
it (so a retry is answered at most once per worker process, instead of never), and a warning says that
the shared ledger is unusable (rate-limited: one line per minute, never the event's content).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

DEFAULT_TTL = 3600.0  # Slack retries within minutes; an hour is a wide margin
DEFAULT_CAPACITY = 10_000
LOCK_PATIENCE = 5.0  # seconds a worker waits for another worker's write before giving up
WARN_EVERY = 60.0  # seconds between two "ledger unusable" warnings

log = logging.getLogger("bot.slack")


class LedgerError(Exception):
    """The shared ledger could not say whether an id is new (the caller falls back to its own memory)."""


class Ledger(Protocol):
    """A store of event ids shared by every process that may receive the same event."""

    def claim(self, event_id: str, now: float, ttl: float) -> bool:
        """True when this call recorded `event_id` (unseen, or last seen more than `ttl` seconds before
        `now`), False when it was already there; atomic across processes; raises LedgerError when unusable."""
        ...


def default_shared_path(port: int) -> Path:
    """One ledger per machine user and port (the workers of one server), among temporary files.

    It outlives a restart on purpose: a retry that arrives just after a deploy is still recognised.
    """
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"cptbot-{uid}-slack-events-{port}.sqlite3"


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """An inter-process lock on a side file (POSIX `flock`; a no-op where it does not exist)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - gunicorn (the only multi-process server) is POSIX-only
        yield
        return
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SQLiteLedger:
    """The ledger in one SQLite file that every worker process of a machine opens.

    Why it was flaky before: four processes opening a fresh file at once all ran `PRAGMA journal_mode=WAL`
    and `CREATE TABLE`; switching the journal mode takes an exclusive lock and SQLite reports "database is
    locked" at once instead of waiting (the busy timeout does not cover it), and the error was read as
    "new event" — so two or three of the four answered. Now the file is set up once under an inter-process
    lock (a side `.lock` file), each claim is one `BEGIN IMMEDIATE` write transaction that waits for
    other writers, a lock still held after LOCK_PATIENCE raises LedgerError, and no error means "new".
    """

    def __init__(self, path: Path, patience: float = LOCK_PATIENCE):
        self.path = Path(path)
        self.patience = patience
        self._db: sqlite3.Connection | None = None
        self._db_pid: int | None = None
        self._pruned_at = 0.0
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        # A connection must not cross a fork: gunicorn --preload builds this object before forking workers.
        if self._db is None or self._db_pid != os.getpid():
            with _exclusive(self.path.with_name(self.path.name + ".lock")):
                db = sqlite3.connect(str(self.path), timeout=self.patience, isolation_level=None,
                                     check_same_thread=False)
                try:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.execute("CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, at REAL NOT NULL)")
                except sqlite3.Error:
                    db.close()
                    raise
            db.execute("PRAGMA synchronous=NORMAL")
            self._db, self._db_pid = db, os.getpid()
        return self._db

    def claim(self, event_id: str, now: float, ttl: float) -> bool:
        with self._lock:  # one connection per process, shared by its threads: one statement at a time
            try:
                db = self._connection()
                db.execute("BEGIN IMMEDIATE")
                try:
                    fresh = db.execute("INSERT INTO seen (event_id, at) VALUES (?, ?) ON CONFLICT (event_id) "
                                       "DO UPDATE SET at = excluded.at WHERE seen.at < ?",
                                       (event_id, now, now - ttl)).rowcount == 1
                    if now - self._pruned_at > ttl / 10:
                        db.execute("DELETE FROM seen WHERE at < ?", (now - ttl,))
                        self._pruned_at = now
                    db.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                    raise
                return fresh
            except (sqlite3.Error, OSError) as exc:
                raise LedgerError(f"{type(exc).__name__}: {exc}") from None


class SeenEvents:
    """`first_time(event_id)` is True once per id within `ttl` seconds, False for every repeat.

    With a `ledger` (or `shared_path`, which means an SQLiteLedger there), "once" holds across every
    process sharing it; without one, within this process.
    """

    def __init__(self, ttl: float = DEFAULT_TTL, capacity: int = DEFAULT_CAPACITY,
                 shared_path: Path | None = None, clock: Callable[[], float] = time.time,
                 ledger: Ledger | None = None):
        self.ttl = ttl
        self.capacity = capacity
        self.shared_path = shared_path
        self.ledger: Ledger | None = ledger if ledger is not None else (
            SQLiteLedger(shared_path) if shared_path is not None else None)
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._warned_at = float("-inf")

    def first_time(self, event_id: str) -> bool:
        now = self._clock()
        with self._lock:
            while self._seen:
                oldest, at = next(iter(self._seen.items()))
                if now - at < self.ttl and len(self._seen) < self.capacity:
                    break
                del self._seen[oldest]
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
        if self.ledger is None:
            return True
        try:
            return self.ledger.claim(event_id, now, self.ttl)
        except Exception as exc:  # LedgerError, or a backend's own error it failed to wrap
            self._warn(exc)
            return True  # not seen by this process: answer (at most once per process), see the module doc

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            reason = str(exc) if isinstance(exc, LedgerError) else type(exc).__name__
            log.warning("shared event ledger unusable (%s): a retried event may be answered once per worker "
                        "process until it recovers", reason)
