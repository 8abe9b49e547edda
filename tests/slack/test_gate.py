"""The engine gate: one answer at a time per process, granted in the order the requests arrived."""

from __future__ import annotations

import threading
import time

from bot.slack.gate import FifoGate


def _waiting(gate: FifoGate, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(gate._waiters) < count and time.monotonic() < deadline:
        time.sleep(0.001)
    assert len(gate._waiters) == count


def test_waiters_get_the_gate_in_arrival_order_one_at_a_time():
    gate = FifoGate()
    order: list[int] = []
    inside = [0]
    most = [0]

    def answer(n: int) -> None:
        with gate:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            order.append(n)
            time.sleep(0.001)
            inside[0] -= 1

    threads = []
    with gate:
        for n in range(8):
            thread = threading.Thread(target=answer, args=(n,))
            thread.start()
            threads.append(thread)
            _waiting(gate, n + 1)  # n+1 threads queued, in this order
    for thread in threads:
        thread.join(10)
    assert order == list(range(8)) and most[0] == 1


def test_an_answer_that_raises_hands_the_gate_on():
    gate = FifoGate()
    try:
        with gate:
            raise ValueError("engine bug")
    except ValueError:
        pass
    done = threading.Event()

    def answer() -> None:
        with gate:
            done.set()

    threading.Thread(target=answer).start()
    assert done.wait(5)
