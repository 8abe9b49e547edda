"""The seen-events ledger: once per id, expiring, bounded, thread-safe, shared across worker processes."""

from __future__ import annotations

import logging
import multiprocessing
import threading

from bot.slack.dedup import LedgerError, SeenEvents


def test_an_id_is_new_once_then_a_repeat_until_it_expires():
    now = [1000.0]
    seen = SeenEvents(ttl=60, clock=lambda: now[0])
    assert seen.first_time("Ev1") is True
    assert seen.first_time("Ev1") is False
    assert seen.first_time("Ev2") is True
    now[0] += 61
    assert seen.first_time("Ev1") is True


def test_memory_is_bounded():
    seen = SeenEvents(capacity=100)
    for i in range(1000):
        seen.first_time(f"Ev{i}")
    assert len(seen._seen) <= 100
    assert seen.first_time("Ev999") is False


def test_many_threads_racing_on_one_id_get_one_true():
    seen = SeenEvents()
    results: list[bool] = []
    barrier = threading.Barrier(16)

    def race() -> None:
        barrier.wait()
        results.append(seen.first_time("EvRace"))

    threads = [threading.Thread(target=race) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 15 + [True]


def _claim(path: str, event_id: str, start, out) -> None:
    from pathlib import Path

    seen = SeenEvents(shared_path=Path(path))
    start.wait()  # every process opens the fresh file at the same moment: the race that used to answer twice
    out.put(seen.first_time(event_id))


def test_worker_processes_sharing_a_ledger_answer_an_id_once(tmp_path):
    path = str(tmp_path / "seen.sqlite3")
    out: multiprocessing.Queue = multiprocessing.Queue()
    start = multiprocessing.Barrier(8)
    procs = [multiprocessing.Process(target=_claim, args=(path, "EvShared", start, out)) for _ in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert sorted(out.get(timeout=5) for _ in procs) == [False] * 7 + [True]


def test_a_shared_entry_expires_like_a_memory_one(tmp_path):
    now = [1000.0]
    first = SeenEvents(ttl=60, shared_path=tmp_path / "seen.sqlite3", clock=lambda: now[0])
    second = SeenEvents(ttl=60, shared_path=tmp_path / "seen.sqlite3", clock=lambda: now[0])
    assert first.first_time("Ev1") is True
    assert second.first_time("Ev1") is False
    now[0] += 61
    assert second.first_time("Ev1") is True


def test_an_unusable_ledger_is_logged_and_each_process_still_answers_an_id_once(tmp_path, caplog):
    seen = SeenEvents(shared_path=tmp_path / "no such directory" / "seen.sqlite3")
    with caplog.at_level(logging.WARNING, logger="bot.slack"):
        assert seen.first_time("Ev1") is True
        assert seen.first_time("Ev1") is False
        assert seen.first_time("Ev2") is True
    warnings = [r.getMessage() for r in caplog.records if "ledger unusable" in r.getMessage()]
    assert len(warnings) == 1  # rate-limited: not one line per event


def test_a_backend_plugs_in_through_claim_and_an_error_is_never_taken_for_a_new_event():
    class Down:
        def claim(self, event_id: str, now: float, ttl: float) -> bool:
            raise LedgerError("connection refused")

    class Shared:
        def __init__(self) -> None:
            self.rows: dict[str, float] = {}

        def claim(self, event_id: str, now: float, ttl: float) -> bool:
            fresh = now - self.rows.get(event_id, float("-inf")) >= ttl
            if fresh:
                self.rows[event_id] = now
            return fresh

    backend = Shared()
    assert [SeenEvents(ledger=backend).first_time("Ev1") for _ in range(3)] == [True, False, False]
    down = SeenEvents(ledger=Down())
    assert [down.first_time("Ev1"), down.first_time("Ev1")] == [True, False]
