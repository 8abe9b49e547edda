"""`cptbot bench-slack`: signed `/cpt` round trips through the production server, timed on loopback.

It runs what the Procfile's `web:` line runs (gunicorn with bot.slack.gunicorn_conf on bot.slack.wsgi),
pointed at a local stand-in for Slack's Web API, and sends signed, form-encoded slash commands over
keep-alive connections, as Slack's edge would (one thread drives them all: the load generator shares the
machine's cores with the server, so it is kept cheap; see `_Loop`). Three runs:
1. everyday questions at concurrency 64: p50/p99 latency of the whole round trip (signature check,
   engine, Block Kit, JSON), requests per second, errors;
2. worst-case 2,000-character questions (the engine's cut) at concurrency 64: the slowest ack, and how
   many took 3 s or more (Slack's limit);
3. 64 stalled connections (headers and half a body, re-opened as the server closes them) while
   `/healthz` and `/cpt` are asked on fresh connections: their slowest answer (the target is 1 s).
A benchmark, not a test: the numbers depend on the machine (and on its other work), nothing asserts.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import os
import secrets
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import IO
from urllib.parse import urlencode

from bot.bench import percentile
from bot.slack.standin import StandIn

QUESTIONS = ("what's the wRVU for LEEP", "57520", "cone biopsy", "cryo", "hysterscopy rvu",
             "medicare payment for 58558 in manhattan", "modifier 59 vs XU", "57461 global period", "help",
             "how did 57461 change from 2025 to 2026")
WARMUP = 100
TIMEOUT = 30  # seconds a client waits for a reply
SLACK_LIMIT = 3.0  # seconds Slack waits for an ack


def worst_case_questions() -> list[str]:
    """2,000-character questions that stress each text scan: many codes, ZIP cues, states, mentions,
    modifiers, unknown words for the spelling corrector, "vs" sides, markup; all of them in one."""
    words = " ".join(f"zq{i:03d}xlor" for i in range(200))
    shapes = ["57461 ", "zip 10001 in 99213 ", "99213 in NY for CA ", "<@U0BOT|", "modifier 59 -25 XU ",
              "hysterscopy colposcpy biopsi ", "2025 vs 2026 last year ", "&amp;&lt;<http://x|y> ",
              "calc 58558 + 57461 + ", words + " ", "leep vs cone, "]
    return [(shape * (2000 // len(shape) + 1))[:2000] for shape in shapes]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _slash_body(question: str, response_url: str) -> str:
    return urlencode({"token": "unused", "team_id": "T111", "team_domain": "bench", "channel_id": "C111",
                      "channel_name": "bench", "user_id": "W111", "user_name": "bench", "command": "/cpt",
                      "text": question, "response_url": response_url, "trigger_id": "1.2.3"})


class _Client:
    """One keep-alive connection that signs each request exactly as Slack does."""

    def __init__(self, port: int, secret: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.secret = secret.encode()

    def cpt(self, body: str, check: bool = True) -> float:
        ts = str(int(time.time()))
        signature = "v0=" + hmac.new(self.secret, f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        start = time.perf_counter()
        self.conn.request("POST", "/slack/events", body=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature})
        response = self.conn.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200 or (check and b'"ephemeral"' not in payload):
            raise RuntimeError(f"unexpected reply {response.status}: {payload[:200]!r}")
        return elapsed


def _start_server(port: int, api_url: str, secret: str, workers: int, threads: int, log: IO[bytes]) -> subprocess.Popen:
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-0000000000-0000000000-bench", "SLACK_SIGNING_SECRET": secret,
           "CPTBOT_SLACK_API_URL": api_url, "PORT": str(port)}
    env.pop("SLACK_APP_TOKEN", None)
    argv = [sys.executable, "-m", "gunicorn", "--config", "python:bot.slack.gunicorn_conf",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
            "bot.slack.wsgi:application"]
    # The server's log goes to a file: a pipe nobody reads would fill and stall the server mid-run.
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not become healthy within 60 s")


def _concurrent(port: int, secret: str, bodies: list[str], clients: int, per_client: int,
                check: bool = True) -> tuple[list[float], int, float]:
    """`clients` keep-alive clients each sending `per_client` bodies: (latencies, errors, wall seconds)."""
    return _Loop(port, secret, bodies, check).run(clients, per_client)


class _Loop:
    """Many keep-alive connections driven from one thread: the load generator shares the cores with the server,
    so it should spend as little CPU as it can (64 client threads on http.client cost ~0.45 ms of CPU per
    request, most of it parsing headers with email.parser and passing the GIL around).

    Each connection does exactly what a `_Client` does: one signed request at a time (signed when sent,
    as Slack signs it), the same headers and bytes, the reply read to its end (Content-Length),
    the same check of status and body, a new connection after an error or a `Connection: close`. A request
    is timed from just before it is sent to the moment its reply is complete.
    """

    def __init__(self, port: int, secret: str, bodies: list[str], check: bool):
        self.port, self.secret, self.check = port, secret.encode(), check
        self.bodies = [body.encode() for body in bodies]
        self.head = (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: identity\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n")
        self.selector = selectors.DefaultSelector()

    def run(self, clients: int, per_client: int) -> tuple[list[float], int, float]:
        latencies: list[float] = []
        errors = 0
        left = dict.fromkeys(range(clients), per_client)
        sent = dict.fromkeys(range(clients), 0)
        socks: dict[int, socket.socket | None] = dict.fromkeys(range(clients))
        started: dict[int, float] = {}
        buffers: dict[int, bytearray] = {}
        deadline: dict[int, float] = {}

        def send(n: int) -> None:
            nonlocal errors
            body = self.bodies[(n + sent[n]) % len(self.bodies)]
            sent[n] += 1
            ts = str(int(time.time())).encode()
            signature = b"v0=" + hmac.digest(self.secret, b"v0:" + ts + b":" + body, "sha256").hex().encode()
            request = b"".join((self.head.encode(), b"Content-Length: ", str(len(body)).encode(),
                                b"\r\nX-Slack-Request-Timestamp: ", ts, b"\r\nX-Slack-Signature: ", signature,
                                b"\r\n\r\n", body))
            started[n] = time.perf_counter()
            deadline[n] = time.monotonic() + TIMEOUT
            buffers[n] = bytearray()
            try:
                sock = socks[n]
                if sock is None:
                    sock = socks[n] = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
                    self.selector.register(sock, selectors.EVENT_READ, n)
                sock.sendall(request)
            except OSError:
                failed(n)

        def close(n: int) -> None:
            sock = socks[n]
            if sock is not None:
                self.selector.unregister(sock)
                sock.close()
                socks[n] = None

        def next_or_done(n: int) -> None:
            left[n] -= 1
            if left[n] > 0:
                send(n)
            else:
                close(n)

        def failed(n: int) -> None:
            nonlocal errors
            errors += 1
            close(n)
            next_or_done(n)

        start = time.perf_counter()
        for n in range(clients):
            if per_client > 0:
                send(n)
        while any(sock is not None for sock in socks.values()):
            for key, _ in self.selector.select(timeout=1.0):
                n = key.data
                try:
                    chunk = socks[n].recv(65536)
                except OSError:
                    failed(n)
                    continue
                if not chunk:
                    failed(n)
                    continue
                buffers[n] += chunk
                reply = _complete(buffers[n])
                if reply is None:
                    continue
                status, body, closing = reply
                elapsed = time.perf_counter() - started[n]
                if status != 200 or (self.check and b'"ephemeral"' not in body):
                    failed(n)
                    continue
                latencies.append(elapsed)
                if closing:
                    close(n)
                next_or_done(n)
            now = time.monotonic()
            for n, sock in socks.items():
                if sock is not None and deadline[n] < now:
                    failed(n)
        return latencies, errors, time.perf_counter() - start


def _complete(data: bytearray) -> tuple[int, bytes, bool] | None:
    """(status, body, the server will close) once `data` holds a whole reply, else None."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(data[:end]).split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip().lower()
    rest = data[end + 4:]
    closing = headers.get(b"connection") == b"close"
    if b"content-length" in headers:
        length = int(headers[b"content-length"])
        return (status, bytes(rest[:length]), closing) if len(rest) >= length else None
    return None  # no length: our server always sends one, so this reply ends in a failure when it closes


def _stall(port: int, head: bytes, stop: threading.Event, opened: list[int]) -> None:
    """Keep one stalled connection open: headers and half a body, then nothing; re-open when closed."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(head)
                opened[0] += 1
                sock.settimeout(0.5)
                while not stop.is_set():
                    try:
                        if not sock.recv(4096):
                            break  # the server gave up on us: stall again on a new connection
                    except TimeoutError:
                        continue
        except OSError:
            time.sleep(0.05)


def _timed_get(port: int, path: str) -> float:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return time.perf_counter() - start


def _under_stall(port: int, secret: str, body: str, stalled: int, probes: int) -> tuple[list[float], list[float], int]:
    """/healthz and /cpt latencies on fresh connections while `stalled` connections hold their bodies back."""
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    head = (f"POST /slack/events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"X-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: {signature}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body[: len(body) // 2]}").encode()
    stop = threading.Event()
    opened = [0]
    holders = [threading.Thread(target=_stall, args=(port, head, stop, opened), daemon=True) for _ in range(stalled)]
    for t in holders:
        t.start()
    try:
        deadline = time.monotonic() + 10
        while opened[0] < stalled and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # let the server's threads pick them up
        health: list[float] = []
        cpt: list[float] = []
        for _ in range(probes):
            health.append(_timed_get(port, "/healthz"))
            c = _Client(port, secret)
            cpt.append(c.cpt(body))
            c.conn.close()
            time.sleep(0.1)
    finally:
        stop.set()
        for t in holders:
            t.join(5)
    return health, cpt, opened[0]


def _ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:.1f} ms" if values else "-"


def run(requests: int = 6400, clients: int = 64, workers: int = 2, threads: int | None = None,
        worst: int = 640, stalled: int = 64, probes: int = 20) -> str:
    """Run the three benchmarks and return the report."""
    from bot.slack import gunicorn_conf

    threads = threads or gunicorn_conf.threads
    secret = secrets.token_hex(16)
    port = _free_port()
    lines = [f"gunicorn {workers} workers x {threads} threads (gthread) on loopback, {os.cpu_count()} CPUs "
             f"(load average {os.getloadavg()[0]:.1f} at start: other work on this machine slows every figure)"]
    with StandIn() as standin, tempfile.TemporaryFile() as log:
        proc = _start_server(port, standin.api_url, secret, workers, threads, log)
        try:
            response_url = standin.url("commands/T111/1/bench")
            bodies = [_slash_body(q, response_url) for q in QUESTIONS]
            warm = _Client(port, secret)
            for i in range(WARMUP):
                warm.cpt(bodies[i % len(bodies)])

            latencies, errors, wall = _concurrent(port, secret, bodies, clients, max(1, requests // clients))
            lines.append(f"1. /cpt, everyday questions, concurrency {clients}: {len(latencies)} requests, "
                         f"{errors} errors\n   p50 {_ms(latencies, 50)}   p99 {_ms(latencies, 99)}   max "
                         f"{_ms(latencies, 100)}   {len(latencies) / wall:.0f} requests per second")

            hostile = [_slash_body(q, response_url) for q in worst_case_questions()]
            latencies, errors, wall = _concurrent(port, secret, hostile, clients, max(1, worst // clients))
            late = sum(1 for t in latencies if t >= SLACK_LIMIT)
            lines.append(f"2. /cpt, worst-case 2,000-character questions, concurrency {clients}: {len(latencies)} "
                         f"requests, {errors} errors\n   p50 {_ms(latencies, 50)}   p99 {_ms(latencies, 99)}   "
                         f"slowest ack {_ms(latencies, 100)}   {late} at or over {SLACK_LIMIT:.0f} s")

            health, cpt, opened = _under_stall(port, secret, bodies[0], stalled, probes)
            lines.append(f"3. {stalled} stalled connections (headers and half a body; {opened} opened as the "
                         f"server closed them): {probes} probes on fresh connections\n   /healthz p50 "
                         f"{_ms(health, 50)}   slowest {_ms(health, 100)}   /cpt p50 {_ms(cpt, 50)}   slowest "
                         f"{_ms(cpt, 100)}")
        finally:
            proc.terminate()
            proc.wait(30)
    return "\n".join(lines)
