"""The `cptbot` command: ask questions, chat, check and build the knowledge base, serve Slack.

Each subcommand's docstring is its help text, so the help a user reads is the behaviour the code has.
Errors a user can cause (bad knowledge base, bad file, missing setting) end in one clear sentence on
stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from bot.yamlfile import KnowledgeError

if TYPE_CHECKING:
    import argparse

EXIT_USAGE = 2


def _engine():
    """The engine, loaded with the cyclic garbage collector paused.

    Importing the engine's modules and decoding its caches allocate a few hundred thousand objects that all
    stay alive; with the collector on, those allocations trigger collections that scan them again and again
    (about a tenth of a one-question `cptbot ask`), and find nothing to free. Then they are frozen as
    `bot.engine.keep_loaded` does, without its full collection first (there is no garbage yet to free), so
    neither a later collection nor the interpreter's exit walks them again.
    """
    gc.disable()
    try:
        from bot.engine import Engine

        engine = Engine.load()
        gc.freeze()
        return engine
    finally:
        gc.enable()


def _stdin_lines() -> Iterator[str]:
    """Standard input line by line, as each line arrives (a pipe kept open gets each answer at once).

    Bytes that are not UTF-8 are replaced, never fatal; a trailing CR (Windows line ends) is dropped.
    `readline` on the binary buffer returns as soon as a newline arrives, unlike iterating a text stream.
    """
    stream = sys.stdin.buffer
    while True:
        raw = stream.readline()
        if not raw:
            return
        line = raw.decode("utf-8", errors="replace")
        yield line[:-1].rstrip("\r") if line.endswith("\n") else line.rstrip("\r")


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer a question (or, with `-`, one question per line of standard input).

    `cptbot ask "what's the wRVU for LEEP"` prints the short answer as text (what bears on the question);
    `--full` prints the whole card; `--json` prints one JSON object (status, intent, codes, modifiers, year,
    text, blocks) per question, one per line.
    """
    engine = _engine()
    from bot.ask import ask
    from bot.render import answer_json, render_text

    many = args.question == ["-"]
    questions = _stdin_lines() if many else iter([" ".join(args.question)])
    out = sys.stdout
    for q in questions:
        answer = ask(engine, q, user_id=os.environ.get("CPTBOT_USER", "cli"))
        if args.json:
            out.write(json.dumps(answer_json(answer, args.full), ensure_ascii=False) + "\n")
        else:
            out.write(render_text(answer, args.full) + "\n")
            if answer.details and not args.full and not many:
                out.write("(More: `cptbot ask --full ...` shows the whole card.)\n")
            if many:
                out.write("\n")
        out.flush()
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Try the bot in a terminal: type a question, get the answer; `quit` or Ctrl-D ends.

    When the bot asks back with a numbered list, type the number to pick; `more` (or `details`) shows the
    whole card of the last answer.
    """
    from bot.ask import ask
    from bot.render import render_text

    engine = _engine()
    print("cptbot — ask about a CPT code (e.g. \"wRVU for LEEP\"); `help` for examples, `quit` to leave.")
    last = None
    while True:
        try:
            q = input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        said = q.strip().lower()
        if said in ("quit", "exit", ":q"):
            return 0
        if said in ("more", "details", "full") and last is not None:
            print(render_text(last, full=True))
            print()
            continue
        if said.isdigit() and len(said) <= 2 and last is not None and last.choices:  # not a code number
            pick = int(said)
            if not 1 <= pick <= len(last.choices):
                print(f"Pick a number from 1 to {len(last.choices)}, or ask another question.\n")
                continue
            q = last.choices[pick - 1].question
            print(f"({q})")
        last = ask(engine, q, user_id="cli")
        print(render_text(last))
        if last.details:
            print("(`more` shows the whole card.)")
        print()


def cmd_reply_sizes(args: argparse.Namespace) -> int:
    """Measure reply lengths over question files: medians (one-fact questions too), the longest, how many
    exceed 3,000 characters, and whether every Slack message is within Block Kit's limits."""
    from bot.reply_sizes import measure, questions_of

    report = measure(_engine(), questions_of(Path(p) for p in args.questions))
    print("\n".join(report.lines()))
    return 0


def cmd_kb_validate(args: argparse.Namespace) -> int:
    """Check the whole knowledge base and intents; print each problem as `file:line: entry: field: what`."""
    from bot.engine import Engine
    from bot.knowledge import load_knowledge

    kb_dir = Path(args.knowledge) if args.knowledge else None
    intents_dir = Path(args.intents) if args.intents else None
    kb = load_knowledge(kb_dir)
    Engine(kb, intents_dir)
    years = ", ".join(f"CY{y} {kb.years[y].release.name}" for y in sorted(kb.years))
    print(f"knowledge base OK: {len(kb.codes)} codes, {len(kb.modifiers)} modifiers, "
          f"{len(kb.global_periods)} global periods, fee years {years}")
    return 0


def cmd_kb_extract(args: argparse.Namespace) -> int:
    """Copy the curated codes' RVU rows and the GPCIs from CMS files into knowledge/fees and localities."""
    from bot.extract import extract
    from bot.knowledge import shipped_dir

    kb_dir = Path(args.knowledge) if args.knowledge else shipped_dir("knowledge")
    for path in extract(kb_dir, Path(args.rvu), Path(args.gpci), args.qp_cf):
        print(f"wrote {path}")
    return 0


def cmd_kb_import(args: argparse.Namespace) -> int:
    """Import CMS fee schedule files (the RVU zip, its CSVs, the ZIP5 file) and NCCI edits into the data dir.

    Give the RVU zip as downloaded from CMS (RVU26C.zip) or the files in it (PPRRVU*.csv, GPCI*.csv,
    *LOCCO*.csv), and CMS's ZIP code file (ZIP5_*.txt) for answers by ZIP code. Facility files are taken
    too: OPPS Addenda A and B, ASC Addenda AA and BB, anesthesia base units (xlsx or text) and conversion
    factors (ANES*.csv), HCPCS Level II long descriptions (xlsx or CMS's fixed-width text). NCCI: the
    quarterly PTP zips (practitioner, outpatient hospital) or their .txt parts, and the MUE CSVs; their
    quarter is read from the file name or first lines, else --effective. The year and release are
    read from the files. Releases already imported stay (the newest of a year answers); importing a release
    again replaces it. Everything is checked before anything is written: a bad file ends with
    `error: file:line: column: what is wrong` and the previous data is unchanged.
    The data directory is --data-dir, else $CPTBOT_DATA_DIR, else $XDG_DATA_HOME/cptbot.
    """
    from bot.cms import CmsFileError
    from bot.facility.cli import import_facility, prepare_facility
    from bot.ncci_files import is_ncci
    from bot.store import StoreError, default_data_dir, import_paths

    data_dir = Path(args.data_dir) if args.data_dir else None
    try:
        ncci = [p for p in args.paths if is_ncci(p)]  # NCCI files go to the fee schedule store, as they are
        facility = prepare_facility([p for p in args.paths if p not in ncci])  # parsed and checked before writing
        rest = facility.rest + ncci
        report = import_paths(rest, data_dir, effective=args.effective) if rest else None
        lines = import_facility(facility, data_dir or default_data_dir())
    except (CmsFileError, StoreError) as exc:
        print(f"error: {exc}; nothing was imported, the previous data is unchanged.", file=sys.stderr)
        return 1
    print("\n".join((report.lines() if report else []) + lines))
    return 0


def _iso_date(text: str):
    import argparse
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def cmd_kb_status(args: argparse.Namespace) -> int:
    """List the imported releases: codes, rows, conversion factors, release dates, source files' SHA-256."""
    from bot.store import StoreError, status

    try:
        report = status(Path(args.data_dir) if args.data_dir else None)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from bot.facility.cli import status_lines

    facility = status_lines(report.data_dir)
    fees = report.lines() if report.releases or report.zip or report.county_files or not facility else [
        f"Data directory: {report.data_dir} (no fee schedule release imported)"]
    print("\n".join(fees + facility))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure the engine: answers per second, p50/p99 latency, whole-process time, peak memory, accuracy.

    Runs on the shipped knowledge base, then with the full CMS release (the data directory's, or the files
    given with --cms imported into a scratch directory), and beside a naive rapidfuzz baseline. Questions
    come from YAML files in the eval format (a list of `q:` cases), by default the shared eval set and the
    development set when they are present.
    """
    from bot.bench import run

    # Question sets are looked for beside the package (a source checkout, with ../shared beside it), then
    # relative to the working directory, so `cptbot bench` works from any folder.
    checkout = Path(__file__).resolve().parent.parent
    shared = next((p for p in (checkout.parent / "shared", Path("../shared")) if p.is_dir()), Path("../shared"))
    files = [Path(f) for f in args.questions] or [p for p in (
        shared / "eval" / "questions.yaml", checkout / "tests" / "data" / "dev_questions.yaml") if p.is_file()]
    if not files:
        print("cptbot bench needs question files: name them (YAML lists of `q:` cases), or run it from a source "
              "checkout with ../shared beside it.", file=sys.stderr)
        return 2
    lay = checkout / "tests" / "data" / "lay_questions.yaml"
    cms = [Path(c) for c in args.cms] if args.cms is not None else [p for p in (
        shared / "data/cms/rvu26c/PPRRVU2026_Jul_nonQPP.csv", shared / "data/cms/rvu26c/GPCI2026.csv",
        shared / "data/cms/rvu25d/PPRRVU2025_Oct.csv", shared / "data/cms/rvu25d/GPCI2025.csv",
        shared / "data/cms/rvu25d/25LOCCO.csv", shared / "data/cms/zip/ZIP5_OCT2025.txt",
        shared / "data/ncci/PTP_practitioner_20240701.zip", shared / "data/ncci/MUE_practitioner_20240701.csv")
        if p.is_file()]
    eval_script = shared / "eval" / "run_eval.py"
    print(run(files, args.rounds, args.process_runs, cms, eval_script if eval_script.is_file() else None,
              lay if lay.is_file() else None))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the Slack app: Socket Mode when SLACK_APP_TOKEN is set, else (or with --http) HTTP on $PORT.

    Needs SLACK_BOT_TOKEN, plus SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP: POST
    /slack/events, GET /healthz, served by gunicorn). CPTBOT_SLACK_API_URL changes the Web API base URL.
    A missing or malformed setting ends with one sentence naming it and exit status 2.
    """
    from bot.slack.settings import SettingsError, load_settings

    try:
        settings = load_settings(http=args.http, port=args.port)
    except SettingsError as exc:
        print(f"cptbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from bot.slack.serve import serve

    return serve(settings, _engine(), host=args.host)


def cmd_bench_slack(args: argparse.Namespace) -> int:
    """Measure signed `/cpt` round trips through gunicorn (the Procfile's server) on loopback.

    Starts a stand-in for Slack's Web API and gunicorn on 127.0.0.1, then: everyday questions at
    concurrency 64 (p50/p99 latency, requests per second, errors); worst-case 2,000-character questions at
    concurrency 64 (the slowest ack against Slack's 3 s); and /healthz and /cpt while 64 connections
    stall mid-body (their slowest answer). Needs no Slack account.
    """
    from bot.slack.bench import run

    print(run(requests=args.requests, clients=args.clients, workers=args.workers, threads=args.threads,
              worst=args.worst, stalled=args.stalled))
    return 0


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(prog="cptbot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], p=sub) -> argparse.ArgumentParser:
        doc = (func.__doc__ or "").strip()
        sp = p.add_parser(name, help=doc.splitlines()[0] if doc else None, description=doc,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
        sp.set_defaults(func=func)
        return sp

    ask = add("ask", cmd_ask)
    ask.add_argument("question", nargs="+", help="the question, or - to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    ask.add_argument("--full", action="store_true", help="the whole card, not only what bears on the question")
    add("chat", cmd_chat)
    serve = add("serve", cmd_serve)
    serve.add_argument("--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set")
    serve.add_argument("--port", type=int, help="HTTP port (default: $PORT, else 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP address to listen on (default 0.0.0.0)")
    bench_slack = add("bench-slack", cmd_bench_slack)
    bench_slack.add_argument("--requests", type=int, default=6400, help="everyday /cpt requests to send")
    bench_slack.add_argument("--clients", type=int, default=64, help="concurrent keep-alive clients")
    bench_slack.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    bench_slack.add_argument("--threads", type=int, help="threads per gunicorn worker (default: the Procfile's)")
    bench_slack.add_argument("--worst", type=int, default=640, help="worst-case 2,000-character requests")
    bench_slack.add_argument("--stalled", type=int, default=64, help="connections stalled mid-body")
    kb = sub.add_parser("kb", help="check, build and import the knowledge base")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    validate = add("validate", cmd_kb_validate, kb_sub)
    validate.add_argument("--knowledge", help="knowledge folder (default: the shipped one)")
    validate.add_argument("--intents", help="intents folder (default: the shipped one)")
    extract = add("extract", cmd_kb_extract, kb_sub)
    extract.add_argument("--rvu", required=True, help="a CMS PPRRVU*.csv file")
    extract.add_argument("--gpci", required=True, help="the same year's CMS GPCI*.csv file")
    extract.add_argument("--qp-cf", type=float, help="the qualifying APM participant conversion factor")
    extract.add_argument("--knowledge", help="knowledge folder to write into (default: the shipped one)")
    kb_import = add("import", cmd_kb_import, kb_sub)
    kb_import.add_argument("paths", nargs="+", metavar="PATH", help="CMS zip, CSV or ZIP5 files (or folders)")
    kb_import.add_argument("--data-dir", help="where to store the data (default: $CPTBOT_DATA_DIR or "
                           "$XDG_DATA_HOME/cptbot)")
    kb_import.add_argument("--effective", type=_iso_date, metavar="YYYY-MM-DD",
                           help="the quarter NCCI files take effect, when neither their names nor their first "
                           "lines say it")
    kb_status = add("status", cmd_kb_status, kb_sub)
    kb_status.add_argument("--data-dir", help="the data directory to describe (default: as for import)")
    bench = add("bench", cmd_bench)
    bench.add_argument("questions", nargs="*", help="question files (YAML list of {q: ...})")
    bench.add_argument("--rounds", type=int, default=50, help="times each question is asked (default 50)")
    bench.add_argument("--process-runs", type=int, default=10, help="whole `cptbot ask` runs to time")
    bench.add_argument("--cms", nargs="*", help="CMS files to import for the full-schedule figures "
                       "(default: ../shared/data/cms)")
    sizes = add("reply-sizes", cmd_reply_sizes)
    sizes.add_argument("questions", nargs="+", help="question files (YAML list of {q: ...})")
    return parser


ASK_FLAGS = {"--json": "json", "--full": "full"}


def _plain_ask(argv: list[str]) -> SimpleNamespace | None:
    """`cptbot ask [--json] [--full] QUESTION...` read without argparse, else None.

    Importing argparse and building its parser took a twentieth of a one-question `cptbot ask`. Anything
    else (help, another option, no question, another command) goes through argparse, so every help text
    and error message is argparse's own.
    """
    if argv[:1] != ["ask"]:
        return None
    args = SimpleNamespace(func=cmd_ask, question=[], json=False, full=False)
    for arg in argv[1:]:
        if arg in ASK_FLAGS:
            setattr(args, ASK_FLAGS[arg], True)
        elif arg.startswith("-") and arg != "-":
            return None
        else:
            args.question.append(arg)
    return args if args.question and (args.question == ["-"] or "-" not in args.question) else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _plain_ask(argv) or build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KnowledgeError as exc:
        print("The knowledge base has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
