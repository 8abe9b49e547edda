"""The HTTP endpoint itself: Slack's signature and freshness checks, URL verification, health, routing."""

from __future__ import annotations

import time

from tests.slack import slack_requests as sr


def test_url_verification_echoes_the_challenge(slack):
    body = sr.payload("url_verification.json")
    reply = slack.send(body)
    assert reply.status == 200
    assert reply.json() == {"challenge": body["challenge"]}


def test_a_request_signed_with_another_secret_is_refused_and_not_answered(slack):
    reply = slack.send(sr.slash_command("57461", slack.response_url()), secret="0" * 32)
    assert reply.status == 401
    assert "blocks" not in reply.body
    assert slack.quiet_calls() == []


def test_a_request_without_a_signature_is_refused(slack):
    reply = slack.send(sr.payload("url_verification.json"), signed=False)
    assert reply.status == 401
    assert "challenge" not in reply.body


def test_a_body_changed_after_signing_is_refused(slack):
    body = sr.slash_command("57461", slack.response_url())
    headers = sr.sign(body)
    reply = slack.send(body.replace("57461", "57520"), signed=False, headers=headers)
    assert reply.status == 401


def test_a_timestamp_older_than_five_minutes_is_refused_even_when_signed_correctly(slack):
    stale = int(time.time()) - 6 * 60
    reply = slack.send(sr.event_callback("app_mention.event_callback.json"), timestamp=stale)
    assert reply.status == 401
    assert slack.quiet_calls() == []


def test_healthz_answers_ok(slack):
    reply = sr.get(slack.base + "/healthz")
    assert reply.status == 200
    assert reply.json() == {"ok": True}


def test_other_paths_are_not_found(slack):
    assert sr.get(slack.base + "/").status == 404
    assert sr.get(slack.url).status == 404
    assert sr.post(slack.base + "/slack/other", sr.payload("url_verification.json")).status == 404
