"""Logs: event kinds and timings, never a question, never a token, even when Slack's API fails."""

from __future__ import annotations

import logging
import sys
import uuid

import pytest

from bot.slack.logs import REDACTED, RedactSecrets
from bot.slack.standin import StandIn
from tests.slack import processes
from tests.slack import slack_requests as sr

QUESTION = "wrvu for LEEP for patient Jane Roe"


def test_the_filter_redacts_token_shapes_and_configured_secrets_in_messages_args_and_tracebacks():
    redactor = RedactSecrets([sr.SIGNING_SECRET])
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "call failed: %s / %s", (
        {"echo": f"Bearer {sr.BOT_TOKEN}"}, sr.SIGNING_SECRET), None)
    try:
        raise RuntimeError(f"boom {sr.APP_TOKEN} xoxp-1-2-user xoxa-2-x xoxr-refresh")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert redactor.filter(record) is True
    line = logging.Formatter().format(record)
    for secret in (sr.BOT_TOKEN, sr.SIGNING_SECRET, sr.APP_TOKEN, "xoxp-1-2-user", "xoxa-2-x", "xoxr-refresh"):
        assert secret not in line
    assert REDACTED in line and "call failed" in line and "RuntimeError: boom" in line


@pytest.mark.parametrize(("failing", "expected"), [
    ({"chat.postMessage": "invalid_auth"}, "invalid_auth"),
    ({"*": "token_revoked"}, "token_revoked"),
])
def test_a_failing_web_api_call_is_logged_without_the_token_or_the_question(failing, expected):
    with StandIn() as standin:
        standin.failing = failing  # and it echoes the Authorization header, like a careless server
        port = processes.free_port()
        argv = [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1"]
        with processes.running(argv, processes.env(standin.api_url, port), port) as server:
            body = sr.event_callback("message.im.event_callback.json", text=QUESTION)
            body["event_id"] = f"Ev{uuid.uuid4().hex[:12].upper()}"  # the server's ledger outlives a run
            assert sr.post(server["base"] + "/slack/events", body).status == 200
            method = "chat.postMessage" if "*" not in failing else "auth.test"
            assert standin.wait_for(method, timeout=10)
            standin.settle()
    log = server["stderr"]
    assert expected in log, log
    for secret in (sr.BOT_TOKEN, sr.SIGNING_SECRET, "TestBotTokenValue"):
        assert secret not in log
    assert "Jane Roe" not in log and QUESTION not in log


def test_hostile_requests_to_the_production_server_leave_no_body_and_no_forged_line_in_its_log():
    with StandIn() as standin:
        port = processes.free_port()
        argv = processes.expand_port(processes.procfile_command("web"), port)
        with processes.running(argv, processes.env(standin.api_url, port), port) as server:
            url = server["base"] + "/slack/events"
            forged = "wrvu for LEEP for patient Jane Roe\n2026-01-01 00:00:00,000 ERROR bot.slack: FORGED"
            for body, headers in [
                (sr.slash_command(forged, standin.url("c/1")), {}),  # unsigned
                (sr.slash_command(forged, standin.url("c/1")), {"X-Slack-Request-Timestamp": "soon",
                                                                 "X-Slack-Signature": "v0=00"}),
                ('{"type": "event_callback", "event": {"text": "Jane Roe\\r\\nFORGED"}}', {}),
                ("payload=%7Bx", {}),
            ]:
                assert sr.post(url, body, headers=headers, signed=False).status == 401
            reply = sr.post(url, sr.slash_command(forged, standin.url("c/2")))  # signed: answered, not logged
            assert reply.status == 200 and reply.json()["response_type"] == "ephemeral"
    log = server["stderr"]
    assert "refused requests to /slack/events" in log
    assert "Jane" not in log and "FORGED" not in log and "Traceback" not in log
