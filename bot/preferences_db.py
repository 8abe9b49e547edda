"""Each person's saved defaults in the shared database (`DATABASE_URL`), for several instances at once.

Same contract as `bot.preferences.Preferences` (`get`, `apply`, `PreferencesError`), so `bot.ask` does not
know which one it has: a locality saved through one instance is used by every other. It keeps the same
four columns and nothing else (never a question or an answer). A change is read-modify-write in one
transaction with the person's row locked, so two instances saving for one person do not lose a value.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.exc import SQLAlchemyError

from bot.database import Database
from bot.fees import SETTINGS
from bot.preferences import PreferencesError, merged, requested_changes

TABLE = "cptbot_preferences"


def _insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


class DatabasePreferences:
    """Saved defaults per person in `database` (PostgreSQL in production; any SQLAlchemy URL in tests)."""

    def __init__(self, database: Database):
        self.database = database
        self.metadata = MetaData()
        self.table = Table(TABLE, self.metadata,
                           Column("user_id", String(64), primary_key=True),
                           Column("locality", String(32)),
                           Column("setting", String(16)),
                           Column("updated_at", String(32), nullable=False))
        self._ready = False

    def _ensure_table(self) -> None:
        if not self._ready:
            self.database.create_tables(self.metadata.create_all)
            self._ready = True

    def get(self, user_id: str) -> tuple[str | None, str | None]:
        """(locality key, setting) saved by `user_id`; None for what they have not saved."""
        try:
            self._ensure_table()
            with self.database.engine.connect() as conn:
                row = conn.execute(select(self.table.c.locality, self.table.c.setting)
                                   .where(self.table.c.user_id == user_id)).first()
        except SQLAlchemyError as exc:
            raise PreferencesError(f"shared preferences unavailable: {type(exc).__name__}") from None
        if row is None:
            return None, None
        locality, setting = row
        return locality or None, setting if setting in SETTINGS else None

    def apply(self, user_id: str, remember: dict[str, str]) -> None:
        """Save what an answer asked to remember (see `bot.preferences.Preferences.apply`)."""
        clear, values = requested_changes(remember)
        if not clear and not values:
            return
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        t = self.table
        try:
            self._ensure_table()
            with self.database.engine.begin() as conn:
                row = conn.execute(select(t.c.locality, t.c.setting).where(t.c.user_id == user_id)
                                   .with_for_update()).first()
                saved = merged(row, clear, values)
                if saved["locality"] is None and saved["setting"] is None:
                    conn.execute(t.delete().where(t.c.user_id == user_id))
                    return
                insert = _insert(conn.dialect.name)(t).values(user_id=user_id, updated_at=now, **saved)
                conn.execute(insert.on_conflict_do_update(
                    index_elements=[t.c.user_id],
                    set_={"locality": insert.excluded.locality, "setting": insert.excluded.setting,
                          "updated_at": insert.excluded.updated_at}))
        except SQLAlchemyError as exc:
            raise PreferencesError(f"shared preferences unavailable: {type(exc).__name__}") from None
