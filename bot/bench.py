"""`cptbot bench`: how fast and how right the engine is, measured, never asserted in tests.

One run reports, for the shipped knowledge base and then with the full CMS release imported:
answers per second and p50/p99 latency (and CPU time) per question in one process, the whole-process time of
`cptbot ask` for one question (start-up included) and its peak memory, and accuracy on a question set
in the eval format. With the release imported it also answers the same questions with a naive baseline,
rapidfuzz's `process.extract` of each question over every CMS descriptor, so the two can be compared on
speed and on whether they name the right code, and, on lay descriptions of codes outside the curated set,
beside a plain SQLite FTS5 (BM25) search over the same descriptors.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from bot.engine import Engine, keep_loaded
from bot.render import answer_json

ASK_QUESTION = "what's the wRVU for LEEP"


def load_cases(paths: Iterable[Path]) -> list[dict]:
    cases: list[dict] = []
    for path in paths:
        cases += [c for c in yaml.safe_load(path.read_text(encoding="utf-8")) or []
                  if isinstance(c, dict) and "q" in c]
    return cases


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def time_answers(answer: Callable[[str], Any], questions: list[str], rounds: int) -> dict[str, float]:
    """Answer every question `rounds` times after one warm-up pass, as a running bot would.

    Beside the wall-clock latency, the CPU time of each answer (this thread's): on a machine whose cores are
    shared, an answer the scheduler pauses takes longer on the clock without costing more, and the tail of
    the wall-clock figures is mostly those pauses."""
    for q in questions:
        answer(q)
    latencies: list[float] = []
    cpu: list[float] = []
    start = time.perf_counter()
    for _ in range(rounds):
        for q in questions:
            c0 = time.thread_time()
            t0 = time.perf_counter()
            answer(q)
            latencies.append(time.perf_counter() - t0)
            cpu.append(time.thread_time() - c0)
    wall = time.perf_counter() - start
    return {"answers": len(latencies), "per_second": len(latencies) / wall,
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
            "max_ms": max(latencies) * 1000, "cpu_p50_ms": percentile(cpu, 50) * 1000,
            "cpu_p99_ms": percentile(cpu, 99) * 1000, "cpu_max_ms": max(cpu) * 1000}


# The yardstick of issue 8: a one-shot Python script that opens the prebuilt FTS5 name index and answers one
# full-text query, no more. Timed by the same interpreter, interleaved run by run with `cptbot ask`, so both
# see the same moments of a shared machine.
REFERENCE_SCRIPT = """\
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
words = " OR ".join(w for w in sys.argv[2].lower().replace("'", " ").split() if w.isalnum())
print(con.execute("SELECT rowid FROM name_fts WHERE name_fts MATCH ? ORDER BY bm25(name_fts) LIMIT 5",
                  (words,)).fetchall())
"""


def _interpreter(exe: str | None) -> str:
    """The Python that runs the `cptbot` script (its #! line), else this one."""
    if exe:
        with contextlib.suppress(OSError), open(exe, "rb") as fh:
            first = fh.readline().decode("utf-8", "replace").strip()
            if first.startswith("#!") and " " not in first[2:].strip() and os.path.isfile(first[2:].strip()):
                return first[2:].strip()
    return sys.executable


def time_process(question: str, runs: int, env: dict[str, str]) -> dict[str, float]:
    """Whole-process time and peak memory of `cptbot ask QUESTION`, start-up and imports included, and
    (when the data directory has an imported name index) the reference script's time on the same question."""
    from bot.store import MANIFEST

    exe = shutil.which("cptbot")
    cmd = [exe, "ask", question] if exe else [sys.executable, "-m", "bot.cli", "ask", question]
    store = Path(env.get("CPTBOT_DATA_DIR", "")) / MANIFEST
    reference = None
    if env.get("CPTBOT_DATA_DIR") and store.is_file():
        reference = [_interpreter(exe), "-c", REFERENCE_SCRIPT, str(store), question]
        if subprocess.run(reference, capture_output=True, env=env).returncode != 0:
            reference = None  # a store without the name index (an import by an older version)
    times: list[float] = []
    ref_times: list[float] = []
    peak_kb = 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - t0)
        peak_kb = max(peak_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
        if reference is not None:
            t0 = time.perf_counter()
            subprocess.run(reference, capture_output=True, env=env)
            ref_times.append(time.perf_counter() - t0)
    found = {"median_s": statistics.median(times), "max_s": max(times), "runs": runs, "peak_mb": peak_kb / 1024}
    if ref_times:
        found["reference_median_s"] = statistics.median(ref_times)
    return found


def load_judge(eval_script: Path | None) -> Callable[[dict, dict], list[str]] | None:
    """The eval script's own `judge`, so accuracy here means exactly what the eval means."""
    if eval_script is None or not eval_script.is_file():
        return None
    spec = importlib.util.spec_from_file_location("cptbot_eval", eval_script)
    if spec is None or spec.loader is None:
        return None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "judge", None)


def names_right_code(case: dict, codes: list[str]) -> bool:
    """Whether an answer names the code(s) the case wants (the part a baseline can be judged on)."""
    if case.get("no_codes"):
        return not codes
    if "primary" in case:
        return bool(codes) and codes[0] == str(case["primary"])
    if case.get("codes"):
        return all(str(c) in codes for c in case["codes"])
    return True


class Baseline:
    """The naive alternative: the CMS descriptor most similar to the whole question wins."""

    def __init__(self, engine: Engine):
        from rapidfuzz import fuzz, process, utils

        fy = engine.kb.years[engine.kb.newest_year]
        self._keys = [code for (code, mod) in fy.rvus if not mod]
        self._choices = [fy.rvus[(code, "")].description for code in self._keys]
        self._extract, self._scorer, self._processor = process.extract, fuzz.WRatio, utils.default_process

    def codes(self, question: str) -> list[str]:
        hits = self._extract(question, self._choices, scorer=self._scorer, processor=self._processor, limit=5)
        return [self._keys[i] for _, _, i in hits]


class Fts5Baseline:
    """The plain full-text alternative: SQLite FTS5 (porter stemming, BM25 ranking) over every code's CMS
    descriptor with CMS's abbreviations expanded and the everyday names of knowledge/common_names.yaml; the
    question's words are OR'ed and the best-ranked code wins."""

    def __init__(self, engine: Engine):
        import sqlite3

        from bot.catalog import expand_descriptor

        kb = engine.kb
        fy = kb.years[kb.newest_year]
        self._con = sqlite3.connect(":memory:")
        self._con.execute("CREATE VIRTUAL TABLE names USING fts5(code UNINDEXED, text, tokenize='porter')")
        rows = []
        for (code, mod), row in fy.rvus.items():
            if mod:
                continue
            words = [expand_descriptor(row.description, kb.abbreviations, engine.words)]
            common = kb.common_names.get(code)
            entry = kb.codes.get(code)
            words += list(common.synonyms) if common else []
            words += [entry.name, *entry.synonyms] if entry else []
            rows.append((code, " ; ".join(words)))
        self._con.executemany("INSERT INTO names VALUES (?, ?)", rows)

    def codes(self, question: str) -> list[str]:
        import re

        words = [w for w in re.findall(r"[a-z0-9]+", question.lower()) if len(w) > 1][:32]
        if not words:
            return []
        query = " OR ".join(f'"{w}"' for w in words)
        return [r[0] for r in self._con.execute(
            "SELECT code FROM names WHERE names MATCH ? ORDER BY bm25(names) LIMIT 5", (query,))]


def _lay_section(engine: Engine, cases: list[dict]) -> list[str]:
    """Engine against FTS5 on lay descriptions of codes outside the curated set (needs the full import)."""
    if not cases:
        return []
    fts = Fts5Baseline(engine)
    engine_right = sum(names_right_code(c, engine.answer(str(c["q"])).codes) for c in cases)
    fts_right = sum(names_right_code(c, fts.codes(str(c["q"]))[:1]) for c in cases)
    n = len(cases)
    stems = [engine.read(str(c["q"])).stems() for c in cases]
    times = []
    for _ in range(5):
        for every, content in stems:
            t0 = time.perf_counter()
            engine.index.search(every, content)
            times.append(time.perf_counter() - t0)
    return ["", f"== lay descriptions of codes ({n} questions, tests/data/lay_questions.yaml) ==",
            f"engine names the right code first: {engine_right}/{n} ({100 * engine_right / n:.1f}%)",
            f"FTS5 (BM25) baseline, best-ranked code: {fts_right}/{n} ({100 * fts_right / n:.1f}%)",
            f"name search ({type(engine.index).__name__}: FTS5 fetch + the engine's scoring): p50 "
            f"{percentile(times, 50) * 1000:.3f} ms, p99 {percentile(times, 99) * 1000:.3f} ms per question"]


def _ncci_section(data_dir: Path) -> list[str]:
    """How long one NCCI pair lookup takes in the imported store (both orders, one query)."""
    from bot.store import load_store

    store = load_store(data_dir)
    sets = store.ncci.of("ptp", "practitioner") if store is not None else []
    if not sets:
        return ["", "(no NCCI PTP edits imported: pair lookup not measured)"]
    pairs = [("58558", "58120"), ("57461", "57454"), ("11102", "11300"), ("99213", "71046")] * 2500
    t0 = time.perf_counter()
    for a, b in pairs:
        store.ncci.pair(sets[0], a, b)
    per = (time.perf_counter() - t0) / len(pairs) * 1000
    return ["", f"NCCI pair lookup ({sets[0].rows:,} pairs, {sets[0].quarter}): {per:.4f} ms each "
                f"({len(pairs):,} lookups)"]


def _engine_section(title: str, engine: Engine, load_ms: float, cases: list[dict], rounds: int,
                    judge: Callable | None, proc: dict[str, float]) -> tuple[list[str], dict[str, float]]:
    questions = [str(c["q"]) for c in cases]
    timing = time_answers(engine.answer, questions, rounds)
    lines = [f"== {title} ==",
             f"engine load: {load_ms:.0f} ms ({len(engine.index.codes())} nameable codes, "
             f"{sum(len(y.rvus) for y in engine.kb.years.values())} RVU rows)",
             f"questions: {len(questions)} x {rounds} rounds = {timing['answers']:.0f} answers",
             f"answers per second (one process): {timing['per_second']:,.0f}",
             f"latency per question: p50 {timing['p50_ms']:.3f} ms, p99 {timing['p99_ms']:.3f} ms, "
             f"max {timing['max_ms']:.3f} ms",
             f"CPU time per question: p50 {timing['cpu_p50_ms']:.3f} ms, p99 {timing['cpu_p99_ms']:.3f} ms, "
             f"max {timing['cpu_max_ms']:.3f} ms",
             f"`cptbot ask` whole process: median {proc['median_s']:.3f} s, max {proc['max_s']:.3f} s "
             f"({proc['runs']:.0f} runs); peak memory {proc['peak_mb']:.0f} MB"]
    if "reference_median_s" in proc:
        ref = proc["reference_median_s"]
        lines.append(f"one-shot FTS5 script (the reference), same runs: median {ref:.3f} s; `cptbot ask` is "
                     f"{proc['median_s'] / ref:.1f}x of it")
    answers = [engine.answer(q) for q in questions]
    right_code = sum(names_right_code(c, a.codes) for c, a in zip(cases, answers, strict=True))
    lines.append(f"names the right code: {right_code}/{len(cases)} ({100 * right_code / max(len(cases), 1):.1f}%)")
    if judge is not None:
        ok = sum(not judge(c, json.loads(json.dumps(answer_json(a)))) for c, a in zip(cases, answers, strict=True))
        share = 100 * ok / max(len(cases), 1)
        lines.append(f"eval accuracy (every rule of the eval): {ok}/{len(cases)} ({share:.1f}%)")
    return lines, timing


def run(question_files: list[Path], rounds: int, process_runs: int, cms_paths: list[Path],
        eval_script: Path | None, lay_file: Path | None = None) -> str:
    """Measure the shipped knowledge base, then the full release (imported into a scratch data dir
    unless the data directory already has one), and the baseline on the same questions."""
    from bot.store import default_data_dir, import_paths, load_store

    all_cases = load_cases(question_files)
    judge = load_judge(eval_script)
    out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cptbot-bench-") as scratch:
        empty = Path(scratch) / "empty"
        t0 = time.perf_counter()
        shipped = Engine.load(data_dir=empty)
        load_ms = (time.perf_counter() - t0) * 1000
        keep_loaded(shipped)  # as a server does
        shipped_cases = [c for c in all_cases if c.get("needs") != "cms_import"]
        env = {**os.environ, "CPTBOT_DATA_DIR": str(empty)}
        lines, _ = _engine_section("shipped knowledge base (no import)", shipped, load_ms, shipped_cases, rounds,
                                   judge, time_process(ASK_QUESTION, process_runs, env))
        out += lines

        data_dir = default_data_dir()
        if load_store(data_dir) is None:
            if not cms_paths:
                out.append("\n(no imported release and no CMS files given: full-schedule figures skipped)")
                return "\n".join(out)
            data_dir = Path(scratch) / "data"
            t0 = time.perf_counter()
            import_paths(cms_paths, data_dir)
            out.append(f"\nimported {len(cms_paths)} CMS files in {time.perf_counter() - t0:.2f} s")
        env = {**os.environ, "CPTBOT_DATA_DIR": str(data_dir)}
        subprocess.run([sys.executable, "-m", "bot.cli", "ask", "warm"], capture_output=True, env=env)  # cache
        t0 = time.perf_counter()
        full = Engine.load(data_dir=data_dir)
        load_ms = (time.perf_counter() - t0) * 1000
        keep_loaded(full)
        full_cases = [c for c in all_cases if not c.get("shipped_only")]
        lines, engine_timing = _engine_section("full fee schedule imported", full, load_ms, full_cases, rounds,
                                               judge, time_process(ASK_QUESTION, process_runs, env))
        out += ["", *lines]

        baseline = Baseline(full)
        questions = [str(c["q"]) for c in full_cases]
        base_timing = time_answers(baseline.codes, questions, max(1, rounds // 25))
        base_right = sum(names_right_code(c, baseline.codes(str(c["q"]))) for c in full_cases)
        out += ["", "== naive baseline: rapidfuzz process.extract over every CMS descriptor ==",
                f"answers per second: {base_timing['per_second']:,.0f}",
                f"latency per question: p50 {base_timing['p50_ms']:.3f} ms, p99 {base_timing['p99_ms']:.3f} ms",
                f"names the right code: {base_right}/{len(full_cases)} "
                f"({100 * base_right / max(len(full_cases), 1):.1f}%)",
                f"engine vs baseline: {engine_timing['per_second'] / base_timing['per_second']:.0f}x the answers "
                "per second"]
        out += _lay_section(full, load_cases([lay_file]) if lay_file is not None and lay_file.is_file() else [])
        out += _ncci_section(data_dir)
    return "\n".join(out)
