"""Saved defaults per person: set, read, clear, isolated between people, safe across threads, and never
a word of what anyone asked."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.answer import Answer
from bot.ask import NOT_SAVED, ask
from bot.engine import AskContext
from bot.preferences import FILENAME, Preferences, PreferencesError


class RecordingEngine:
    """Stands in for the engine: records the context it got and answers with a chosen `remember`."""

    def __init__(self, remember: dict[str, str] | None = None):
        self.remember = remember or {}
        self.contexts: list[AskContext] = []

    def answer(self, question: str, context: AskContext | None = None) -> Answer:
        self.contexts.append(context or AskContext())
        return Answer(status="answered", intent="test", headline=f"heard {len(question)} characters",
                      remember=dict(self.remember))


@pytest.fixture
def prefs(tmp_path: Path) -> Preferences:
    return Preferences(tmp_path / "data")


def test_nothing_saved_reads_as_none_and_creates_nothing(prefs):
    assert prefs.get("U1") == (None, None)
    assert not prefs.path.exists() and not prefs.path.parent.exists()
    prefs.apply("U1", {})
    assert not prefs.path.exists()


def test_set_update_and_clear(prefs):
    prefs.apply("U1", {"locality": "13202-01"})
    assert prefs.get("U1") == ("13202-01", None)
    prefs.apply("U1", {"setting": "facility"})
    assert prefs.get("U1") == ("13202-01", "facility")
    prefs.apply("U1", {"locality": "01112-05"})
    assert prefs.get("U1") == ("01112-05", "facility")
    prefs.apply("U1", {"clear": "setting"})
    assert prefs.get("U1") == ("01112-05", None)
    prefs.apply("U1", {"clear": "all", "setting": "office"})  # clear first, then set
    assert prefs.get("U1") == (None, "office")
    prefs.apply("U1", {"clear": "all"})
    assert prefs.get("U1") == (None, None)
    with sqlite3.connect(prefs.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM preferences").fetchone() == (0,)


def test_two_people_are_isolated(prefs):
    prefs.apply("U1", {"locality": "13202-01", "setting": "office"})
    prefs.apply("U2", {"setting": "facility"})
    assert prefs.get("U1") == ("13202-01", "office")
    assert prefs.get("U2") == (None, "facility")
    prefs.apply("U2", {"clear": "all"})
    assert prefs.get("U1") == ("13202-01", "office") and prefs.get("U2") == (None, None)


def test_the_table_holds_only_ids_and_preferences(prefs):
    prefs.apply("U1", {"locality": "13202-01", "setting": "office", "unknown": "ignored"})
    with sqlite3.connect(prefs.path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(preferences)")]
        assert columns == ["user_id", "locality", "setting", "updated_at"]
        assert conn.execute("SELECT user_id, locality, setting FROM preferences").fetchall() == [
            ("U1", "13202-01", "office")]


def test_an_unknown_setting_is_refused(prefs):
    with pytest.raises(ValueError):
        prefs.apply("U1", {"setting": "hospital"})
    assert prefs.get("U1") == (None, None)


def test_many_threads_at_once(prefs):
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                prefs.apply(f"U{n}", {"locality": f"13202-{i:02d}", "setting": "office" if i % 2 else "facility"})
                prefs.get(f"U{n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(prefs.get(f"U{n}") == ("13202-09", "office") for n in range(8))


def test_ask_reads_the_saved_defaults_and_saves_what_the_answer_remembers(prefs):
    engine = RecordingEngine(remember={"locality": "13202-01"})
    ask(engine, "set my locality to 10001", "U1", preferences=prefs)  # type: ignore[arg-type]
    assert prefs.get("U1") == ("13202-01", None)
    engine.remember = {}
    ask(engine, "what does 99213 pay", "U1", preferences=prefs)  # type: ignore[arg-type]
    assert engine.contexts[-1] == AskContext(user_id="U1", locality="13202-01", setting=None)
    ask(engine, "what does 99213 pay", "U2", preferences=prefs)  # type: ignore[arg-type]
    assert engine.contexts[-1] == AskContext(user_id="U2", locality=None, setting=None)


def test_anonymous_questions_store_nothing(prefs):
    engine = RecordingEngine(remember={"setting": "facility"})
    ask(engine, "set my setting to facility", None, preferences=prefs)  # type: ignore[arg-type]
    assert engine.contexts[-1] == AskContext()
    assert not prefs.path.exists()


def test_question_text_never_reaches_the_disk(prefs):
    word = "Zyzzogeton-Quixotry"
    engine = RecordingEngine(remember={"locality": "13202-01", "setting": "office"})
    ask(engine, f"set my locality to 10001 for {word}", "U1", preferences=prefs)  # type: ignore[arg-type]
    engine.remember = {}
    ask(engine, f"what about {word} in the office", "U1", preferences=prefs)  # type: ignore[arg-type]
    files = [p for p in prefs.path.parent.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert word.encode() not in data and word.lower().encode() not in data.lower()


def test_real_engine_saves_a_setting_without_the_question(engine, prefs):
    answer = ask(engine, "set my setting to facility, Zyzzogeton", "U9", preferences=prefs)
    assert answer.intent == "set_preference" and answer.remember.get("setting") == "facility"
    assert prefs.get("U9") == (None, "facility")
    assert b"zyzzogeton" not in prefs.path.read_bytes().lower()


def test_storage_that_cannot_be_written_still_answers(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the data directory should be")
    broken = Preferences(blocker / "data")
    with pytest.raises(PreferencesError):
        broken.apply("U1", {"setting": "office"})
    engine = RecordingEngine(remember={"setting": "office"})
    answer = ask(engine, "set my setting to office", "U1", preferences=broken)  # type: ignore[arg-type]
    assert answer.status == "answered" and NOT_SAVED in answer.notes
    assert str(tmp_path) not in " ".join(answer.notes)


def test_a_damaged_database_reads_as_nothing_saved(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / FILENAME).write_bytes(b"this is not a database" * 100)
    engine = RecordingEngine()
    answer = ask(engine, "what does 99213 pay", "U1", preferences=Preferences(data_dir))  # type: ignore[arg-type]
    assert answer.status == "answered"
    assert engine.contexts[-1] == AskContext(user_id="U1")


def test_ask_defaults_to_the_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("CPTBOT_DATA_DIR", str(tmp_path / "data"))
    engine = RecordingEngine(remember={"setting": "facility"})
    ask(engine, "set my setting to facility", "cli")  # type: ignore[arg-type]
    assert Preferences(tmp_path / "data").get("cli") == (None, "facility")
