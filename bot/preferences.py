"""Each person's saved default locality and setting, in SQLite in the data directory.

"set my locality to 10001" should hold for that person's later questions, in the CLI and in Slack. The
table keeps exactly what is needed for that and nothing else: the person's id (a Slack user id, or "cli"),
the locality key ("13202-01"), the setting ("office" or "facility") and when it changed. Questions and
answers are never written here.

The Slack app answers in a thread pool, so every call opens its own short-lived connection (SQLite then
serialises the writers); nothing is shared between threads. A missing database reads as "nothing saved"
without creating a file, so a person who never saves anything leaves no trace.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from bot.fees import SETTINGS

FILENAME = "preferences.sqlite3"
SCHEMA = """CREATE TABLE IF NOT EXISTS preferences (
    user_id TEXT PRIMARY KEY,
    locality TEXT,
    setting TEXT,
    updated_at TEXT NOT NULL
)"""
KEYS = ("locality", "setting")


def requested_changes(remember: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """(what to clear, the values to set) of an answer's `remember`, checked the same way by every backend.

    Raises ValueError for a setting that is not one of SETTINGS, so no store ever saves one.
    """
    values = {k: remember[k] for k in KEYS if remember.get(k)}
    if values.get("setting") and values["setting"] not in SETTINGS:
        raise ValueError(f"setting must be one of {SETTINGS}, not {values['setting']!r}")
    return remember.get("clear", ""), values


def merged(row: tuple | None, clear: str, values: dict[str, str]) -> dict[str, str | None]:
    """What a person's saved row becomes: `clear` first ("all", or one of KEYS), then the new values."""
    saved: dict[str, str | None] = dict(zip(KEYS, row, strict=True)) if row else dict.fromkeys(KEYS)
    if clear == "all":
        saved = dict.fromkeys(KEYS)
    elif clear in KEYS:
        saved[clear] = None
    saved.update(values)
    return saved


class PreferencesError(Exception):
    """The preferences database cannot be read or written (read-only or damaged data directory)."""


class PreferenceStore(Protocol):
    """What `bot.ask` needs: this SQLite file, or the shared database (`bot.preferences_db`)."""

    def get(self, user_id: str) -> tuple[str | None, str | None]: ...

    def apply(self, user_id: str, remember: dict[str, str]) -> None: ...


_shared: dict[str, PreferenceStore] = {}


def default_preferences(env: Mapping[str, str] | None = None) -> PreferenceStore:
    """The shared database when DATABASE_URL is set (several instances share what people save), else the
    SQLite file in the data directory. An unusable DATABASE_URL raises `PreferencesError`."""
    env = os.environ if env is None else env
    if (env.get("DATABASE_URL") or "").strip():
        from bot.database import DatabaseError, shared_database, url_from_env
        from bot.preferences_db import DatabasePreferences

        try:
            url = url_from_env(env)
        except DatabaseError as exc:
            raise PreferencesError(str(exc)) from None
        if url is not None:
            if url not in _shared:
                _shared[url] = DatabasePreferences(shared_database(url))
            return _shared[url]
    from bot.store import default_data_dir

    return Preferences(default_data_dir())


class Preferences:
    """Saved defaults per person: `get` what someone saved, `apply` what an answer says to remember."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / FILENAME

    @contextlib.contextmanager
    def _connect(self, create: bool) -> Iterator[sqlite3.Connection]:
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fresh = not self.path.exists()
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise PreferencesError(str(exc)) from None
        try:
            if create:
                if fresh:
                    with contextlib.suppress(OSError):
                        os.chmod(self.path, 0o600)  # ids and preferences are nobody else's business
                conn.execute(SCHEMA)
            yield conn
        except sqlite3.Error as exc:
            raise PreferencesError(str(exc)) from None
        finally:
            conn.close()

    def get(self, user_id: str) -> tuple[str | None, str | None]:
        """(locality key, setting) saved by `user_id`; None for what they have not saved."""
        if not self.path.exists():
            return None, None
        with self._connect(create=False) as conn:
            try:
                row = conn.execute("SELECT locality, setting FROM preferences WHERE user_id = ?",
                                   (user_id,)).fetchone()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return None, None
                raise
        if row is None:
            return None, None
        locality, setting = row
        return locality or None, setting if setting in SETTINGS else None

    def apply(self, user_id: str, remember: dict[str, str]) -> None:
        """Save what an answer asked to remember: {"locality": key}, {"setting": s}, {"clear": what}.

        "clear" is applied first: "all" forgets everything, "locality" or "setting" just that one; the
        other keys then set new values. Unknown keys are ignored (the engine may learn new ones first).
        """
        clear, values = requested_changes(remember)
        if not clear and not values:
            return
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        with self._connect(create=True) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT locality, setting FROM preferences WHERE user_id = ?",
                                   (user_id,)).fetchone()
                saved = merged(row, clear, values)
                if saved["locality"] is None and saved["setting"] is None:
                    conn.execute("DELETE FROM preferences WHERE user_id = ?", (user_id,))
                else:
                    conn.execute("INSERT INTO preferences (user_id, locality, setting, updated_at) "
                                 "VALUES (?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET "
                                 "locality = excluded.locality, setting = excluded.setting, "
                                 "updated_at = excluded.updated_at",
                                 (user_id, saved["locality"], saved["setting"], now))
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
