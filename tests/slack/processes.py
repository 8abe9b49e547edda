"""Running the app as users and the Procfile run it: a subprocess on a free port, stopped at the end."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import ROOT
from tests.slack import slack_requests as sr

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT", "CPTBOT_SLACK_API_URL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(api_url: str, port: int, **values: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in SLACK_VARS}
    out.update({"SLACK_BOT_TOKEN": sr.BOT_TOKEN, "SLACK_SIGNING_SECRET": sr.SIGNING_SECRET, "PORT": str(port),
                "CPTBOT_SLACK_API_URL": api_url, **values})
    return out


def procfile_command(kind: str) -> list[str]:
    """The Procfile's `kind:` line as argv, with `gunicorn`/`cptbot` run by this interpreter."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith(f"{kind}:"))
    argv = shlex.split(line.split(":", 1)[1])
    head = {"gunicorn": [sys.executable, "-m", "gunicorn"], "cptbot": [sys.executable, "-m", "bot.cli"]}
    return head[argv[0]] + argv[1:]


def expand_port(argv: list[str], port: int) -> list[str]:
    return [a.replace("${PORT:-3000}", str(port)).replace("$PORT", str(port)) for a in argv]


@contextmanager
def running(argv: list[str], environment: dict[str, str], port: int, timeout: float = 60) -> Iterator[dict]:
    """Start `argv`, wait until GET /healthz answers, yield; on exit stop it and fill `["stderr"]` (its output).

    Output goes to a file: a pipe read only at the end could fill up and stall the server.
    """
    result: dict = {"base": f"http://127.0.0.1:{port}", "stderr": ""}
    with tempfile.TemporaryFile() as log:

        def output() -> str:
            log.seek(0)
            return log.read().decode("utf-8", errors="replace")

        proc = subprocess.Popen(argv, env=environment, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            _wait_healthy(proc, result["base"], timeout, output)
            yield result
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            result["stderr"] = output()
            result["returncode"] = proc.returncode


def _wait_healthy(proc: subprocess.Popen, base: str, timeout: float, output) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}: {output()}")
        try:
            if sr.get(base + "/healthz").status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("server did not become healthy")
        time.sleep(0.1)
