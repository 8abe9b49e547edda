"""The real `cptbot` command, run as a user runs it (a subprocess), including hostile input."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

KEYS = {"status", "intent", "codes", "modifiers", "year", "text", "blocks"}


def cptbot(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, cwd=ROOT,
                          timeout=60)


def test_ask_prints_the_answer_as_text():
    run = cptbot("ask", "what's", "the", "wRVU", "for", "LEEP")
    assert run.returncode == 0
    out = run.stdout.decode()
    assert out.startswith("57461 · ")
    assert "3.34" in out and "CY2026" in out and "33.4009" in out


def test_ask_json_is_one_object_with_the_documented_keys():
    run = cptbot("ask", "--json", "cryo")
    assert run.returncode == 0
    lines = run.stdout.decode().splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert set(answer) == KEYS
    assert answer["status"] == "clarify" and {"57511", "47383"} <= set(answer["codes"])
    assert isinstance(answer["blocks"], list) and answer["blocks"]


def test_ask_json_stdin_answers_each_line_in_order_even_hostile_ones():
    questions = [b"LEEP", b"", b"\x00\x01 nul and controls", b"\xff\xfe not utf-8 \xc3", "🩺 ما هو".encode(),
                 b"x" * 100_000, b"99999", b"help", b"wrvu for cold knife cone"]
    run = cptbot("ask", "--json", "-", stdin=b"\n".join(questions) + b"\n")
    assert run.returncode == 0, run.stderr.decode()
    assert b"Traceback" not in run.stderr
    answers = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert len(answers) == len(questions)
    assert answers[0]["codes"][0] == "57461"
    assert answers[1]["status"] == "help"
    assert answers[5]["status"] in ("not_found", "out_of_scope", "help")
    assert "2,000 characters" in answers[5]["text"]
    assert answers[6]["status"] == "not_found"
    assert answers[7]["status"] == "help"
    assert answers[8]["codes"][0] == "57520"
    assert all(set(a) == KEYS for a in answers)


def test_chat_answers_until_quit():
    run = cptbot("chat", stdin=b"LEEP wrvu\nquit\n")
    assert run.returncode == 0
    assert "3.34" in run.stdout.decode()


def test_ask_is_short_and_full_shows_the_whole_card():
    short = cptbot("ask", "wrvu", "for", "LEEP").stdout.decode()
    full = cptbot("ask", "--full", "wrvu", "for", "LEEP").stdout.decode()
    assert "3.34" in short and "Global period" not in short and "--full" in short
    assert "3.34" in full and "Global period" in full and "Billing indicators" in full


def test_chat_takes_a_number_to_pick_from_the_list_it_asked_back_with():
    run = cptbot("chat", stdin=b"cryo\n9\n3\nmore\nquit\n")
    out = run.stdout.decode()
    assert run.returncode == 0
    listed = [line.split(". ", 1)[1] for line in out.splitlines() if line.strip().startswith("3. ")]
    assert listed, out
    code = listed[0].split(" ")[0]
    after = out.split(listed[0], 1)[1]
    assert "Pick a number from 1 to" in after  # 9 is not on the list
    assert f"{code} · " in after  # the third choice was answered
    assert "Billing indicators" in after  # `more` showed the whole card


def test_kb_validate_on_the_shipped_knowledge_base():
    run = cptbot("kb", "validate")
    assert run.returncode == 0
    assert "knowledge base OK: 47 codes" in run.stdout.decode()


def test_no_arguments_is_a_usage_error_not_a_traceback():
    run = cptbot()
    assert run.returncode == 2
    assert b"usage:" in run.stderr and b"Traceback" not in run.stderr


def test_ask_stdin_answers_each_line_as_it_arrives_while_stdin_stays_open():
    import select

    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "ask", "--json", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        for question, code in ((b"LEEP", "57461"), (b"wrvu for cold knife cone", "57520")):
            proc.stdin.write(question + b"\n")
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            assert ready, "no answer while standard input is still open"
            assert json.loads(proc.stdout.readline())["codes"][0] == code
    finally:
        proc.stdin.close()
        proc.wait(60)
    assert proc.returncode == 0
