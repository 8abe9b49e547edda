"""What a deployment runs: the Procfile's gunicorn line, and the manifest that creates the Slack app."""

from __future__ import annotations

import subprocess
import uuid

import yaml

from bot.slack.standin import BOT_USER_ID, StandIn
from tests.conftest import ROOT
from tests.slack import processes
from tests.slack import slack_requests as sr


def test_the_procfile_web_line_serves_slack_with_gunicorn_and_answers_a_retried_event_once():
    web = processes.procfile_command("web")
    assert web[:3][-1] == "gunicorn" and "bot.slack.wsgi:application" in web
    with StandIn() as standin:
        port = processes.free_port()
        argv = processes.expand_port(web, port)
        with processes.running(argv, processes.env(standin.api_url, port), port) as server:
            url = server["base"] + "/slack/events"
            reply = sr.post(url, sr.slash_command("57461", standin.url("commands/1")))
            assert reply.status == 200 and reply.json()["response_type"] == "ephemeral"
            assert "57461" in reply.json()["text"]

            # The ledger of seen events outlives a restart, so this run's event gets an id of its own.
            body = sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}> 57461")
            body["event_id"] = f"Ev{uuid.uuid4().hex[:12].upper()}"
            for attempt in range(4):  # fresh connections: the retries may reach either worker
                headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"} if attempt else {}
                assert sr.post(url, body, headers=headers).status == 200
            assert standin.wait_for("chat.postMessage")
            posts = [c for c in standin.settle(quiet=0.5) if c.method == "chat.postMessage"]
            assert len(posts) == 1
    assert server["returncode"] == 0, server["stderr"]


def test_the_procfile_web_line_stops_on_a_bad_setting_with_status_2():
    port = processes.free_port()
    env = processes.env("http://127.0.0.1:9/api/", port, SLACK_SIGNING_SECRET="")
    run = subprocess.run(processes.expand_port(processes.procfile_command("web"), port), env=env,
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in run.stderr
    assert sr.BOT_TOKEN not in run.stderr


def test_the_procfile_worker_line_is_socket_mode_serve():
    assert processes.procfile_command("worker")[-1:] == ["serve"]


def test_the_manifest_creates_the_app_in_one_step():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"commands", "app_mentions:read", "chat:write", "im:history", "im:read", "im:write"}
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im", "app_home_opened"}
    assert settings["interactivity"]["is_enabled"] is True
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/cpt"
    urls = {command["url"], settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]}
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_stalled_bodies_are_answered_408_and_closed_while_healthz_keeps_answering():
    import socket

    with StandIn() as standin:
        port = processes.free_port()
        argv = processes.expand_port(processes.procfile_command("web"), port)
        with processes.running(argv, processes.env(standin.api_url, port), port) as server:
            body = sr.slash_command("57461", standin.url("commands/1")).encode()
            head = "".join(f"{k}: {v}\r\n" for k, v in sr.sign(body.decode()).items())
            stalled = []
            for _ in range(64):  # headers and half the body, then nothing
                s = socket.create_connection(("127.0.0.1", port), timeout=30)
                s.sendall(f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {sr.FORM}\r\n{head}"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body[: len(body) // 2])
                stalled.append(s)
            try:
                assert sr.get(server["base"] + "/healthz").status == 200
                reply = sr.post(server["base"] + "/slack/events", sr.slash_command("57461", standin.url("c/2")))
                assert reply.status == 200 and "57461" in reply.json()["text"]
                answers = [_until_closed(s) for s in stalled]  # the server gives up on each and closes it
                assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:3]
            finally:
                for s in stalled:
                    s.close()
    assert "Traceback" not in server["stderr"], server["stderr"]


def _until_closed(sock) -> bytes:
    """Everything the server sends until it closes the connection (a socket timeout fails the test)."""
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data
