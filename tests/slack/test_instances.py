"""Several instances behind a load balancer: two real `cptbot serve --http` processes share one PostgreSQL.

Each instance is a separate gunicorn (its own master, workers, memory), as on two machines; only
DATABASE_URL joins them. What users would notice: a retried event that lands on the other instance is
answered once; a locality saved through one instance is used by the other; a workspace installed through
one instance (its OAuth `state` issued there, Slack's redirect landing on the other) is answered by both,
and uninstalling it through one stops both.
"""

from __future__ import annotations

import contextlib
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from bot.slack.oauth import INSTALL_PATH, REDIRECT_PATH
from bot.slack.standin import BOT_USER_ID, StandIn
from tests.slack import processes
from tests.slack import slack_requests as sr
from tests.slack.test_oauth import CLIENT_ID, CLIENT_SECRET, Browser, state_in

SERVE_HTTP = [sys.executable, "-m", "bot.cli", "serve", "--http"]


@contextlib.contextmanager
def two_instances(standin: StandIn, database_url: str, **values: str) -> Iterator[tuple[str, str]]:
    """Two `cptbot serve --http` processes (one gunicorn worker each, to spare the CI's two cores)."""
    with contextlib.ExitStack() as stack:
        bases, servers = [], []
        for _ in range(2):
            port = processes.free_port()
            env = processes.env(standin.api_url, port, DATABASE_URL=database_url, WEB_CONCURRENCY="1", **values)
            for name, value in values.items():
                if value == "":
                    env.pop(name)
            server = stack.enter_context(processes.running(SERVE_HTTP, env, port))
            servers.append(server)
            bases.append(server["base"])
        yield bases[0], bases[1]
    for server in servers:
        assert server["returncode"] == 0, server["stderr"]
        for secret in (sr.BOT_TOKEN, CLIENT_SECRET, *standin.issued, database_url.split("@")[0]):
            assert secret not in server["stderr"]


def test_two_instances_answer_a_retried_event_once_and_share_what_a_person_saved(postgres_url, engine):
    with StandIn() as standin, two_instances(standin, postgres_url) as (a, b):
        body = sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}> 57461")
        body["event_id"] = f"Ev{uuid.uuid4().hex[:12].upper()}"
        for attempt, base in enumerate((a, b, a, b)):  # Slack retries; the load balancer alternates
            headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"} if attempt else {}
            assert sr.post(base + "/slack/events", body, headers=headers).status == 200
        assert standin.wait_for("chat.postMessage")
        assert len([c for c in standin.settle(quiet=0.5) if c.method == "chat.postMessage"]) == 1

        def cpt(base: str, question: str) -> str:
            reply = sr.post(base + "/slack/events", sr.slash_command(question, standin.url("commands/1")))
            assert reply.status == 200
            return reply.json()["text"]

        national = cpt(b, "medicare payment for 99213")
        assert "Manhattan" not in national
        assert "Manhattan" in cpt(a, "set locality manhattan")
        assert "Manhattan" in cpt(b, "medicare payment for 99213")
        cpt(b, "clear my settings")
        assert cpt(a, "medicare payment for 99213") == national


def test_a_workspace_installed_through_one_instance_is_answered_by_both(postgres_url):
    oauth = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET}
    with StandIn() as standin, two_instances(standin, postgres_url, **oauth) as (a, b):
        browser = Browser()
        state = state_in(browser.get(a + INSTALL_PATH).body)
        done = browser.get(b + REDIRECT_PATH + "?" + urlencode({"code": "code-T111", "state": state}))
        assert done.status == 200
        [token] = standin.issued
        for n, base in enumerate((a, b)):
            standin.clear()
            body = sr.event_callback("message.im.event_callback.json", text="57461")
            body["event_id"] = f"Ev{uuid.uuid4().hex[:12].upper()}"
            assert sr.post(base + "/slack/events", body).status == 200
            [post] = standin.wait_for("chat.postMessage")
            assert post.headers["authorization"] == f"Bearer {token}", n
        assert not [c for c in standin.calls if c.method == "auth.test"]

        uninstall = sr.event_callback("message.im.event_callback.json")
        uninstall.update(event_id=f"Ev{uuid.uuid4().hex[:12].upper()}",
                         event={"type": "app_uninstalled", "event_ts": "1700000000.000100"})
        assert sr.post(b + "/slack/events", uninstall).status == 200
        standin.clear()
        body = sr.event_callback("message.im.event_callback.json", text="57461")
        body["event_id"] = f"Ev{uuid.uuid4().hex[:12].upper()}"
        sr.post(a + "/slack/events", body)
        assert standin.wait_for("chat.postMessage", timeout=1.0) == []


@pytest.mark.parametrize("value", ["mysql://u:pw-s3cret@db/app", "postgresql://u:pw-s3cret@127.0.0.1:1/app"])
def test_a_database_that_cannot_be_used_stops_the_server_in_one_sentence(value):
    import subprocess

    from tests.conftest import ROOT

    port = processes.free_port()
    env = processes.env("http://127.0.0.1:9/api/", port, DATABASE_URL=value)
    run = subprocess.run(SERVE_HTTP, env=env, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode in (1, 2)
    assert "DATABASE_URL" in run.stderr and "Traceback" not in run.stderr
    assert "pw-s3cret" not in run.stderr
