"""Which Slack events were already seen, so a retried event is answered once.

Slack retries an event it thinks went unanswered (header `X-Slack-Retry-Num`), and the retry carries the
same `event_id`. `SeenEvents` remembers recent ids in memory (bounded, expiring, thread-safe). Under
gunicorn several worker processes share one port and a retry can reach a different worker than the
first attempt, so `SeenEvents(shared_path=...)` also records ids in a small SQLite file all workers open.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

DEFAULT_TTL = 3600.0  # Slack retries within minutes; an hour is a wide margin
DEFAULT_CAPACITY = 10_000


def default_shared_path(port: int) -> Path:
    """One ledger per machine user and port (the workers of one server), among temporary files.

    It outlives a restart on purpose: a retry that arrives just after a deploy is still recognised.
    """
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"cptbot-{uid}-slack-events-{port}.sqlite3"


class SeenEvents:
    """`first_time(event_id)` is True once per id within `ttl` seconds, False for every repeat."""

    def __init__(self, ttl: float = DEFAULT_TTL, capacity: int = DEFAULT_CAPACITY,
                 shared_path: Path | None = None, clock: Callable[[], float] = time.time):
        self.ttl = ttl
        self.capacity = capacity
        self.shared_path = shared_path
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._db_pid: int | None = None
        self._pruned_at = 0.0

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
            if self.shared_path is None:
                return True
            return self._first_time_shared(event_id, now)

    def _connection(self) -> sqlite3.Connection:
        # A connection must not cross a fork: gunicorn --preload builds this object before forking workers.
        if self._db is None or self._db_pid != os.getpid():
            db = sqlite3.connect(str(self.shared_path), timeout=5, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, at REAL NOT NULL)")
            self._db, self._db_pid = db, os.getpid()
        return self._db

    def _first_time_shared(self, event_id: str, now: float) -> bool:
        try:
            db = self._connection()
            # A row older than the TTL counts as unseen, exactly as in memory.
            fresh = db.execute("INSERT INTO seen (event_id, at) VALUES (?, ?) ON CONFLICT (event_id) "
                               "DO UPDATE SET at = excluded.at WHERE seen.at < ?",
                               (event_id, now, now - self.ttl)).rowcount == 1
            if now - self._pruned_at > self.ttl / 10:
                db.execute("DELETE FROM seen WHERE at < ?", (now - self.ttl,))
                self._pruned_at = now
            return fresh
        except sqlite3.Error:
            # The shared ledger is an extra guard; when it is unusable this process's memory still answers.
            return True
