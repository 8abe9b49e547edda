"""The shared database (DATABASE_URL): preferences and the event ledger, on SQLite and on a real PostgreSQL.

What several instances rely on: a default saved through one is read by another; a Slack event id is
claimed by exactly one of many processes racing for it; nothing but ids and preferences is stored; the
password of the URL never shows.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading

import pytest
import sqlalchemy

from bot.ask import ask
from bot.database import Database, DatabaseError, normalize_url, url_from_env
from bot.engine import AskContext
from bot.preferences import Preferences, default_preferences
from bot.preferences_db import TABLE, DatabasePreferences
from bot.slack.dedup import SeenEvents
from bot.slack.ledger import DatabaseLedger, ledger_for
from tests.ledger_claim import claim_event
from tests.test_preferences import RecordingEngine


def test_postgres_urls_are_driven_by_psycopg_3_and_never_show_the_password():
    assert normalize_url("postgres://u:s3cret@db:5432/app").startswith("postgresql+psycopg://u:s3cret@db:5432/app")
    assert normalize_url("postgresql://u:s3cret@db/app").startswith("postgresql+psycopg://")
    db = Database("postgresql://u:s3cret@db/app")
    assert "s3cret" not in repr(db) and "s3cret" not in str(db) and "s3cret" not in db.safe_url
    with pytest.raises(DatabaseError) as err:
        url_from_env({"DATABASE_URL": "mysql://u:s3cret@db/app"})
    assert "DATABASE_URL" in str(err.value) and "s3cret" not in str(err.value)
    with pytest.raises(DatabaseError):
        url_from_env({"DATABASE_URL": "not a url s3cret"})
    assert url_from_env({"DATABASE_URL": "  "}) is None


def test_two_instances_share_what_a_person_saved(database_url):
    first, second = DatabasePreferences(Database(database_url)), DatabasePreferences(Database(database_url))
    first.apply("U1", {"locality": "13202-01"})
    second.apply("U1", {"setting": "facility"})
    assert first.get("U1") == second.get("U1") == ("13202-01", "facility")
    second.apply("U2", {"setting": "office"})
    first.apply("U1", {"clear": "locality"})
    assert second.get("U1") == (None, "facility") and second.get("U2") == (None, "office")
    first.apply("U1", {"clear": "all"})
    assert second.get("U1") == (None, None)
    with pytest.raises(ValueError):
        first.apply("U1", {"setting": "hospital"})


def test_ask_uses_the_shared_database_when_database_url_is_set(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CPTBOT_DATA_DIR", str(tmp_path / "data"))
    engine = RecordingEngine(remember={"locality": "13202-01"})
    ask(engine, "set my locality to 10001", "U7")  # type: ignore[arg-type]
    assert isinstance(default_preferences(), DatabasePreferences)
    assert DatabasePreferences(Database(database_url)).get("U7") == ("13202-01", None)
    assert not (tmp_path / "data").exists()  # nothing in the per-machine file
    engine.remember = {}
    ask(engine, "what does 99213 pay", "U7")  # type: ignore[arg-type]
    assert engine.contexts[-1] == AskContext(user_id="U7", locality="13202-01", setting=None)


def test_without_database_url_preferences_stay_in_the_data_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CPTBOT_DATA_DIR", str(tmp_path))
    assert isinstance(default_preferences(), Preferences)


def test_the_table_holds_only_ids_and_preferences(database_url):
    prefs = DatabasePreferences(Database(database_url))
    prefs.apply("U1", {"locality": "13202-01", "setting": "office"})
    with prefs.database.engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text(f"SELECT * FROM {TABLE}")).mappings().all()
    assert [sorted(r) for r in rows] == [["locality", "setting", "updated_at", "user_id"]]
    assert (rows[0]["user_id"], rows[0]["locality"], rows[0]["setting"]) == ("U1", "13202-01", "office")


def test_many_threads_saving_at_once(database_url):
    prefs = DatabasePreferences(Database(database_url))
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(5):
                prefs.apply(f"U{n % 3}", {"locality": f"13202-{i:02d}"} if n % 2 else {"setting": "office"})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(prefs.get(f"U{n}") == ("13202-04", "office") for n in range(3))


def test_an_event_id_is_claimed_once_across_instances_and_expires(database_url):
    now = [1000.0]
    first = SeenEvents(ttl=60, clock=lambda: now[0], ledger=DatabaseLedger(Database(database_url)))
    second = SeenEvents(ttl=60, clock=lambda: now[0], ledger=DatabaseLedger(Database(database_url)))
    assert first.first_time("Ev1") is True
    assert second.first_time("Ev1") is False
    assert first.first_time("Ev1") is False
    assert second.first_time("Ev2") is True
    now[0] += 61
    assert second.first_time("Ev1") is True
    assert first.first_time("Ev1") is False  # its memory has expired too: the database decided


def test_processes_racing_for_one_event_get_one_true(postgres_url):
    context = multiprocessing.get_context("spawn")  # nothing inherited: like separate machines
    out, start = context.Queue(), context.Event()
    procs = [context.Process(target=claim_event, args=(postgres_url, "EvRace", start, out)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    results = sorted(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
    assert results == [False, False, False, True]


def test_an_unreachable_database_answers_and_says_so(caplog):
    down = DatabaseLedger(Database("postgresql://cptbot:s3cret@127.0.0.1:1/none?connect_timeout=2"))
    seen = SeenEvents(ledger=down)
    with caplog.at_level(logging.WARNING, logger="bot.slack"):
        assert seen.first_time("Ev1") is True
        assert seen.first_time("Ev1") is False  # this process's memory still holds it
    assert "ledger unusable" in caplog.text and "s3cret" not in caplog.text
    with pytest.raises(DatabaseError) as err:
        ledger_for("postgresql://cptbot:s3cret@127.0.0.1:1/none?connect_timeout=2", 3000)
    assert "DATABASE_URL" in str(err.value) and "s3cret" not in str(err.value)
