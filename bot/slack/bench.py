"""`cptbot bench-slack`: a signed `/cpt` round trip through the production server, timed on loopback.

It runs what the Procfile's `web:` line runs (gunicorn with bot.slack.gunicorn_conf on bot.slack.wsgi),
pointed at a local stand-in for Slack's Web API, and sends signed, form-encoded slash commands from a
few client threads over keep-alive connections, as Slack's edge would. Reported: p50/p99 latency of the
whole round trip (signature check, engine, Block Kit, JSON) and requests per second. A benchmark, not a
test: the numbers depend on the machine, and nothing asserts on them.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import os
import secrets
import socket
import statistics
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
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.secret = secret.encode()

    def cpt(self, body: str) -> float:
        ts = str(int(time.time()))
        signature = "v0=" + hmac.new(self.secret, f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        start = time.perf_counter()
        self.conn.request("POST", "/slack/events", body=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature})
        response = self.conn.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200 or b'"ephemeral"' not in payload:
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


def run(requests: int = 3000, clients: int = 4, workers: int = 2, threads: int = 4) -> str:
    """Run the benchmark and return the report."""
    secret = secrets.token_hex(16)
    port = _free_port()
    with StandIn() as standin, tempfile.TemporaryFile() as log:
        proc = _start_server(port, standin.api_url, secret, workers, threads, log)
        try:
            response_url = standin.url("commands/T111/1/bench")
            bodies = [_slash_body(q, response_url) for q in QUESTIONS]
            warm = _Client(port, secret)
            for i in range(WARMUP):
                warm.cpt(bodies[i % len(bodies)])
            latencies: list[float] = []
            lock = threading.Lock()
            per_client = max(1, requests // clients)

            def client(offset: int) -> None:
                c = _Client(port, secret)
                mine = [c.cpt(bodies[(offset + i) % len(bodies)]) for i in range(per_client)]
                with lock:
                    latencies.extend(mine)

            pool = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
            start = time.perf_counter()
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            wall = time.perf_counter() - start
        finally:
            proc.terminate()
            proc.wait(30)
    return (f"signed /cpt round trips through gunicorn ({workers} workers x {threads} threads, gthread), "
            f"{clients} keep-alive clients, {len(latencies)} requests, {os.cpu_count()} CPUs\n"
            f"  p50 {percentile(latencies, 50) * 1000:.2f} ms   p99 {percentile(latencies, 99) * 1000:.2f} ms   "
            f"mean {statistics.fmean(latencies) * 1000:.2f} ms   max {max(latencies) * 1000:.2f} ms\n"
            f"  {len(latencies) / wall:.0f} requests per second")
