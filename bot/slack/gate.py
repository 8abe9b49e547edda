"""One answer at a time per process, in the order the requests arrived.

The engine is pure Python, so its threads share one GIL: with dozens of requests answering at once (the
gthread worker runs up to `threads` of them), CPython hands the GIL to a waiting thread more or less at
random every 5 ms, and a 10 ms answer can wait seconds for its few turns while later ones finish (measured
with `cptbot bench-slack`: worst-case questions at concurrency 64 had a 5-7 s slowest ack, with a p50 of
0.25 s). Those switches also cost CPU (every figure of a 96-thread worker was ~40% dearer than with 4).
`FifoGate` lets one thread at a time run the engine and hands over to the longest waiter: each request
waits only for the answers queued before it, and the threads that wait cost nothing. Reading the request
and writing the reply (I/O, slow clients) stay outside the gate, so stalled connections still cannot
hold it.
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class FifoGate:
    """A lock that is granted in arrival order (threading.Lock lets a newcomer barge ahead of waiters)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._busy = False

    def __enter__(self) -> FifoGate:
        with self._guard:
            if not self._busy:
                self._busy = True
                return self
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the holder that hands the gate over (it stays busy meanwhile)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._busy = False


ENGINE_GATE = FifoGate()
