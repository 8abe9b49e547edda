"""Databases for the tests: a SQLite file always, and a real PostgreSQL server when one is given.

`.ci/run` starts a PostgreSQL server (`.ci/postgres`) and exports CPTBOT_TEST_DATABASE_URL (a DATABASE_URL
in the environment is taken as the same, and removed, so it cannot change what the other tests see). Each
test gets its own empty schema in that database (its tables are its own), named in the URL's
`search_path`. Without a server the PostgreSQL cases are skipped, unless CPTBOT_REQUIRE_POSTGRES=1 (as
in CI), which turns the skip into a failure: CI must not pass by skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

if os.environ.get("DATABASE_URL"):
    os.environ.setdefault("CPTBOT_TEST_DATABASE_URL", os.environ["DATABASE_URL"])
os.environ.pop("DATABASE_URL", None)  # the suite's preferences and ledgers stay in its own files

POSTGRES_URL = os.environ.get("CPTBOT_TEST_DATABASE_URL") or None
REQUIRED = os.environ.get("CPTBOT_REQUIRE_POSTGRES") == "1"


def _no_postgres(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"CPTBOT_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL (postgresql://...) to an empty schema of its own in the test server; dropped afterwards."""
    if not POSTGRES_URL:
        _no_postgres("no PostgreSQL server (set CPTBOT_TEST_DATABASE_URL; .ci/postgres starts one)")
    import sqlalchemy

    from bot.database import Database

    admin = Database(POSTGRES_URL)  # type: ignore[arg-type]
    schema = "test_" + uuid.uuid4().hex[:12]
    try:
        with admin.engine.begin() as conn:
            conn.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    except sqlalchemy.exc.OperationalError as exc:
        _no_postgres(f"the PostgreSQL server cannot be reached ({type(exc).__name__})")
    separator = "&" if "?" in POSTGRES_URL else "?"  # type: ignore[operator]
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.engine.begin() as conn:
            conn.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """Each test twice: on a SQLite file, and on PostgreSQL (see `postgres_url`)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    return request.getfixturevalue("postgres_url")
