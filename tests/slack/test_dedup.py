"""The seen-events ledger: once per id, expiring, bounded, thread-safe, shared across worker processes."""

from __future__ import annotations

import multiprocessing
import threading

from bot.slack.dedup import SeenEvents


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


def _claim(path: str, event_id: str, out) -> None:
    from pathlib import Path

    out.put(SeenEvents(shared_path=Path(path)).first_time(event_id))


def test_worker_processes_sharing_a_ledger_answer_an_id_once(tmp_path):
    path = str(tmp_path / "seen.sqlite3")
    out: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_claim, args=(path, "EvShared", out)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert sorted(out.get(timeout=5) for _ in procs) == [False, False, False, True]


def test_a_shared_entry_expires_like_a_memory_one(tmp_path):
    now = [1000.0]
    first = SeenEvents(ttl=60, shared_path=tmp_path / "seen.sqlite3", clock=lambda: now[0])
    second = SeenEvents(ttl=60, shared_path=tmp_path / "seen.sqlite3", clock=lambda: now[0])
    assert first.first_time("Ev1") is True
    assert second.first_time("Ev1") is False
    now[0] += 61
    assert second.first_time("Ev1") is True
