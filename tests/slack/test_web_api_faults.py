"""Slack's Web API failing or slow: `/cpt` never waits for it, and posts are retried, or logged as lost.

The stand-in answers `auth.test` with 500s, 429s, `invalid_auth` or not for 30 seconds, and
`chat.postMessage` or a `response_url` with 429 (Retry-After) and 500 before it succeeds.
"""

from __future__ import annotations

import logging
import time

import pytest

from bot.slack.messages import SHARE_ACTION
from bot.slack.standin import BOT_USER_ID
from tests.slack import slack_requests as sr

QUESTION = "wrvu for LEEP for patient Jane Roe"


@pytest.mark.parametrize("fault", ["500", "429", "invalid_auth", "30 s"])
def test_cpt_answers_in_the_ack_whatever_auth_test_does(slack, fault):
    standin = slack.standin
    if fault == "invalid_auth":
        standin.failing = {"auth.test": "invalid_auth"}
    elif fault == "30 s":
        standin.delays = {"auth.test": 30.0}  # longer than the test client waits (10 s)
    else:
        standin.statuses = {"auth.test": [int(fault)] * 20}
    for _ in range(3):
        reply = slack.send(sr.slash_command("57461", slack.response_url()))
        assert reply.status == 200
        message = reply.json()
        assert message["response_type"] == "ephemeral" and message["blocks"][0]["text"]["text"].startswith("57461")
    assert standin.wait_for("auth.test")  # it was asked, off the request's path
    slack.send(sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}> 57461"))
    assert any("57461" in p.body["text"] for p in standin.wait_for("chat.postMessage", timeout=10))


def test_a_post_answered_429_then_500_is_retried_and_delivered_once(slack):
    slack.standin.statuses = {"chat.postMessage": [429, 500]}
    slack.send(sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}> 57461"))
    calls = slack.standin.wait_for("chat.postMessage", count=3, timeout=15)
    assert len(calls) == 3 and all("57461" in c.body["text"] for c in calls)
    assert len([c for c in slack.quiet_calls() if c.method == "chat.postMessage"]) == 3


def test_a_share_whose_response_url_answers_429_is_retried(slack):
    url = "actions/T111/111/random-value"
    slack.standin.statuses = {f"/{url}": [429]}
    slack.send(sr.block_actions(SHARE_ACTION, "57461", slack.response_url(url)))
    posted = slack.responses(url, count=3, timeout=15)
    assert [p.body.get("response_type") for p in posted[:2]] == ["in_channel", "in_channel"]


def test_an_answer_that_cannot_be_delivered_is_logged_without_its_text(slack, caplog):
    slack.standin.statuses = {"chat.postMessage": [500] * 10}
    with caplog.at_level(logging.INFO):
        body = sr.event_callback("message.im.event_callback.json", text=QUESTION)
        assert slack.send(body).status == 200
        assert len(slack.standin.wait_for("chat.postMessage", count=3, timeout=15)) == 3
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any("not delivered" in r.getMessage() for r in caplog.records):
            time.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("dm: answer not delivered") for line in lines), lines
    assert not any("Jane" in line or "LEEP" in line for line in lines)
