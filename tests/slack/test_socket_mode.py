"""Socket Mode: the shared envelopes go through Bolt's Socket Mode adapter into the same app and listeners.

`run_bolt_app` is what the adapter calls for each envelope it receives, retry headers included; at the end
`cptbot serve` runs for real against a local WebSocket that stands in for Slack's Socket Mode endpoint.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.slack.app import build_app
from bot.slack.settings import Settings
from tests.conftest import ROOT
from tests.slack import processes
from tests.slack import slack_requests as sr
from tests.slack.block_kit import check_message
from tests.slack.socket_standin import SocketStandIn


def socket_app(engine, standin):
    settings = Settings(bot_token=sr.BOT_TOKEN, app_token=sr.APP_TOKEN, api_url=standin.api_url)
    return build_app(settings, engine)


def envelope(name: str, **payload_changes) -> SocketModeRequest:
    body = sr.payload(name)
    body["payload"].update(payload_changes)
    request = SocketModeRequest.from_dict(body)
    assert request is not None
    return request


def test_a_slash_command_envelope_is_answered_in_the_envelope_ack(engine, standin):
    app = socket_app(engine, standin)
    response = run_bolt_app(app, envelope("socket_mode.slash_commands.envelope.json", command="/cpt", text="57461"))
    assert response.status == 200
    message = json.loads(response.body)
    check_message(message)
    assert message["response_type"] == "ephemeral" and message["blocks"][0]["text"]["text"].startswith("57461")


def test_a_mention_envelope_is_answered_in_a_thread_and_its_retry_is_not(engine, standin):
    app = socket_app(engine, standin)
    first = envelope("socket_mode.app_mention.envelope.json")
    assert run_bolt_app(app, first).status == 200
    [post] = standin.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == first.payload["event"]["ts"]
    retry = sr.payload("socket_mode.app_mention.envelope.json")
    retry.update(retry_attempt=1, retry_reason="timeout")
    assert run_bolt_app(app, SocketModeRequest.from_dict(retry)).status == 200
    assert len([c for c in standin.settle() if c.method == "chat.postMessage"]) == 1


def test_a_channel_message_envelope_posts_nothing(engine, standin):
    app = socket_app(engine, standin)
    assert run_bolt_app(app, envelope("socket_mode.message.envelope.json")).status == 200
    assert [c for c in standin.settle() if c.method != "auth.test"] == []


def test_serve_connects_with_the_app_token_and_stops_with_a_clear_line_when_slack_refuses(standin):
    standin.failing = {"apps.connections.open": "invalid_auth"}
    env = processes.env(standin.api_url, 3000, SLACK_APP_TOKEN=sr.APP_TOKEN)
    run = subprocess.run([sys.executable, "-m", "bot.cli", "serve"], env=env, capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert run.returncode == 1
    [call] = standin.wait_for("apps.connections.open")
    assert call.headers["authorization"] == f"Bearer {sr.APP_TOKEN}"
    assert "Slack refused the Socket Mode connection: invalid_auth" in run.stderr
    assert "Traceback" not in run.stderr
    for secret in (sr.APP_TOKEN, sr.BOT_TOKEN, "TestAppTokenValue"):
        assert secret not in run.stderr


def test_cptbot_serve_in_socket_mode_answers_a_command_in_the_ack_and_a_mention_in_a_thread(standin):
    socket = SocketStandIn()
    standin.replies["apps.connections.open"] = {"ok": True, "url": socket.url}
    env = processes.env(standin.api_url, 3000, SLACK_APP_TOKEN=sr.APP_TOKEN)
    env.pop("SLACK_SIGNING_SECRET")
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            command = sr.payload("socket_mode.slash_commands.envelope.json")
            command["payload"].update(command="/cpt", text="57461")
            socket.send(command)
            ack = socket.wait_for_ack(command["envelope_id"])
            assert ack is not None, "no ack for the slash command envelope"
            check_message(ack["payload"])
            assert ack["payload"]["response_type"] == "ephemeral"
            assert ack["payload"]["blocks"][0]["text"]["text"].startswith("57461")

            mention = sr.payload("socket_mode.app_mention.envelope.json")
            mention["payload"]["event"]["text"] = "<@U111> 57461 global"
            socket.send(mention)
            assert socket.wait_for_ack(mention["envelope_id"]) is not None
            [post] = standin.wait_for("chat.postMessage")
            assert post.body["thread_ts"] == mention["payload"]["event"]["ts"]
            assert "57461" in post.body["text"]
        finally:
            proc.terminate()
            proc.wait(30)
            socket.close()
            log.seek(0)
            output = log.read().decode(errors="replace")
    assert proc.returncode == 0, output  # SIGTERM closes the connection and exits cleanly
    assert sr.APP_TOKEN not in output and sr.BOT_TOKEN not in output
