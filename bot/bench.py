"""`cptbot bench`: how fast the engine answers, measured, never asserted in tests.

It answers a set of real questions many times in one process (answers per second, p50/p99 latency per
question), then times whole `cptbot ask` processes (start-up included) and reports peak memory.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import yaml

from bot.engine import Engine

DEFAULT_QUESTIONS = ("what's the wRVU for LEEP", "/cpt 57520", "cone biopsy", "cryo", "hysterscopy rvu",
                     "medicare payment for 58558 in manhattan", "modifier 59 vs XU", "calc 58558 57461",
                     "how did 57461 change from 2025 to 2026", "what's the weather in Boston")


def load_questions(paths: Iterable[Path]) -> list[str]:
    questions: list[str] = []
    for path in paths:
        cases = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        questions += [str(c["q"]) for c in cases if isinstance(c, dict) and "q" in c]
    return questions or list(DEFAULT_QUESTIONS)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def time_engine(engine: Engine, questions: list[str], rounds: int) -> dict[str, float]:
    for q in questions:  # warm caches once, as a running bot would be
        engine.answer(q)
    latencies: list[float] = []
    start = time.perf_counter()
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            engine.answer(q)
            latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start
    return {"answers": len(latencies), "per_second": len(latencies) / wall,
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
            "max_ms": max(latencies) * 1000}


def time_process(question: str, runs: int) -> dict[str, float]:
    """Whole-process time of `cptbot ask QUESTION`, start-up and imports included."""
    exe = shutil.which("cptbot")
    cmd = [exe, "ask", question] if exe else [sys.executable, "-m", "bot.cli", "ask", question]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "max_s": max(times), "runs": runs}


def run(question_files: list[Path], rounds: int, process_runs: int) -> str:
    t0 = time.perf_counter()
    engine = Engine.load()
    load_s = time.perf_counter() - t0
    questions = load_questions(question_files)
    e = time_engine(engine, questions, rounds)
    p = time_process("what's the wRVU for LEEP", process_runs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return "\n".join([
        f"engine load: {load_s * 1000:.0f} ms ({len(engine.kb.codes)} codes described, "
        f"{sum(len(y.rvus) for y in engine.kb.years.values())} RVU rows)",
        f"questions: {len(questions)} distinct x {rounds} rounds = {e['answers']:.0f} answers",
        f"answers per second (one process): {e['per_second']:,.0f}",
        f"latency per question: p50 {e['p50_ms']:.3f} ms, p99 {e['p99_ms']:.3f} ms, max {e['max_ms']:.3f} ms",
        f"`cptbot ask` whole process: median {p['median_s']:.3f} s, max {p['max_s']:.3f} s ({p['runs']} runs)",
        f"peak memory of this process: {peak_mb:.0f} MB",
    ])
