"""Socket Mode: the shared envelopes go through Bolt's Socket Mode adapter into the same app and listeners.

Only the WebSocket itself is left out (it needs Slack): `run_bolt_app` is what the adapter calls for each
envelope it receives, retry headers included.
"""

from __future__ import annotations

import json

from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.slack.app import build_app
from bot.slack.settings import Settings
from tests.slack import slack_requests as sr
from tests.slack.block_kit import check_message


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
