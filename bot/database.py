"""The database that several processes share: `DATABASE_URL` (PostgreSQL), or a SQLite file of our own.

One server process needs no database server: its Slack installations live in a SQLite file in the data
directory. Several instances behind a load balancer set `DATABASE_URL=postgresql://...` and then share the
installations, the ledger of Slack events already answered, and each person's saved defaults. This module
is the one place that turns a URL into a SQLAlchemy engine, and it is imported only when a database is
used, so `cptbot ask` does not pay for SQLAlchemy.

What callers can rely on:
- `postgres://` and `postgresql://` URLs are driven by psycopg 3 (`postgresql+psycopg://`).
- An engine never crosses a fork: gunicorn builds the app in its master and forks workers, and a pooled
  connection shared by two processes corrupts both; each process gets its own engine on first use.
- `create_tables` may be called by many processes starting at once (PostgreSQL takes a lock for it).
- `Database.safe_url` and `str(Database)` never contain the password.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import sqlalchemy
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError

DATABASE_URL = "DATABASE_URL"
SQLITE_FILENAME = "slack.sqlite3"
_SCHEMA_LOCK = 0x637074626F74  # "cptbot": the advisory lock key all instances take to create tables


class DatabaseError(Exception):
    """DATABASE_URL cannot be used; `str(error)` names the variable, never the URL (it holds a password)."""


def normalize_url(url: str) -> str:
    """`url` with PostgreSQL pointed at psycopg 3; ValueError for a URL SQLAlchemy cannot read or we do not use."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise ValueError("not a database URL") from None
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ValueError(f"unsupported database {backend!r} (use postgresql:// or sqlite://)")
    return parsed.render_as_string(hide_password=False)


def url_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """The normalized DATABASE_URL, None when unset; DatabaseError (naming the variable only) when unusable."""
    value = (os.environ if env is None else env).get(DATABASE_URL, "").strip()
    if not value:
        return None
    try:
        return normalize_url(value)
    except ValueError as exc:
        raise DatabaseError(f"{DATABASE_URL} is not usable: {exc}; it should look like "
                            "postgresql://user:password@host:5432/dbname.") from None


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


class Database:
    """One database for this process: a per-process SQLAlchemy engine and the tables it is asked to create."""

    def __init__(self, url: str):
        self.url = normalize_url(url)
        self._parsed = make_url(self.url)
        self._engine: Engine | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    @property
    def is_postgresql(self) -> bool:
        return self._parsed.get_backend_name() == "postgresql"

    @property
    def safe_url(self) -> str:
        return self._parsed.render_as_string(hide_password=True)

    @property
    def password(self) -> str | None:
        """For the log filter that keeps it out of every line."""
        return self._parsed.password if isinstance(self._parsed.password, str) else None

    def __repr__(self) -> str:
        return f"Database({self.safe_url!r})"

    __str__ = __repr__

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None or self._pid != os.getpid():
                if self._engine is not None:
                    self._engine.dispose(close=False)  # the parent's connections stay the parent's
                self._engine = self._create_engine()
                self._pid = os.getpid()
            return self._engine

    def _create_engine(self) -> Engine:
        if self.is_postgresql:
            # pool_pre_ping: a connection the server or a proxy closed while idle is replaced, not an error.
            return sqlalchemy.create_engine(self.url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                                            pool_recycle=1800, connect_args={"connect_timeout": 10})
        path = self._parsed.database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sqlalchemy.create_engine(self.url, connect_args={"timeout": 10, "check_same_thread": False})

        # SQLite: every transaction takes the write lock when it begins (BEGIN IMMEDIATE), so two writers
        # wait for each other (up to the timeout) instead of failing on a lock upgrade; WAL lets readers in.
        @sqlalchemy.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

        @sqlalchemy.event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    def create_tables(self, *create: Callable[[Connection], None]) -> None:
        """Run each `create(connection)` (e.g. `metadata.create_all`) in one transaction, one process at a time.

        PostgreSQL's `CREATE TABLE IF NOT EXISTS` is not safe against a second process doing the same at
        the same moment, so all instances first take one transaction-scoped advisory lock.
        """
        with self.engine.begin() as conn:
            if self.is_postgresql:
                conn.execute(sqlalchemy.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            for step in create:
                step(conn)


_shared: dict[str, Database] = {}
_shared_lock = threading.Lock()


def shared_database(url: str) -> Database:
    """The process's one `Database` for `url` (one connection pool however many parts use it)."""
    key = normalize_url(url)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Database(key)
        return _shared[key]
