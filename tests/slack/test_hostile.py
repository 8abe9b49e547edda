"""Hostile and oversized requests against the real app: each gets a clear answer or a 401, never a 500.

No timing assertions here (the speed of these cases is measured by `cptbot bench-slack`); what a user or an
operator would notice is asserted: the answer arrives, the reply status, what reaches the log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import sys
import time
import urllib.error
import urllib.request

import pytest

from bot.slack.logs import OneLineFormatter, QuietLibraries
from bot.slack.messages import strip_mention
from bot.slack.standin import BOT_USER_ID
from tests.slack import slack_requests as sr


def test_strip_mention_removes_our_mentions_with_or_without_a_label_and_keeps_the_rest():
    assert strip_mention(f"<@{BOT_USER_ID}> wRVU <@{BOT_USER_ID}|cptbot> for <@U999> LEEP", BOT_USER_ID) == (
        "wRVU for <@U999> LEEP")
    assert strip_mention("  <@U0BOT|bot> 57461", None) == "57461"
    assert strip_mention(f"<@{BOT_USER_ID}|" * 50_000, BOT_USER_ID).startswith(f"<@{BOT_USER_ID}|")


def test_a_one_megabyte_direct_message_is_answered_and_says_it_read_only_the_start(slack):
    text = "wrvu for 57461 " + "x" * 1_000_000
    assert slack.send(sr.event_callback("message.im.event_callback.json", text=text)).status == 200
    [post] = slack.posts(timeout=30)
    assert "57461" in post.body["text"]
    assert "2,000 characters" in sr.texts(post.body["blocks"]) + post.body["text"]


def test_a_mention_of_unclosed_mention_markup_is_answered(slack):
    text = f"<@{BOT_USER_ID}> 57461 " + f"<@{BOT_USER_ID}|" * 20_000
    assert slack.send(sr.event_callback("app_mention.event_callback.json", text=text)).status == 200
    [post] = slack.posts(timeout=30)
    assert "57461" in post.body["text"]


def _raw_post(url: str, body: bytes, headers: dict[str, str]) -> sr.Reply:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return sr.Reply(resp.status, resp.read().decode(errors="replace"), resp.headers.get("content-type", ""))
    except urllib.error.HTTPError as err:
        return sr.Reply(err.code, err.read().decode(errors="replace"), err.headers.get("content-type", ""))


MALFORMED = [b"{bad", b"[1]", b"\xff\xfe\xfa not utf-8", b"payload=%7Bx", b"payload=%5B1%5D", b"", b"\x00" * 10,
             b"text=" + b"wrvu for LEEP for Jane Roe\r\n2026-01-01 00:00:00 ERROR forged"]


@pytest.mark.parametrize("body", MALFORMED)
@pytest.mark.parametrize("content_type", [sr.JSON, sr.FORM])
@pytest.mark.parametrize("headers", [
    {},  # no signature at all
    {"X-Slack-Request-Timestamp": "now", "X-Slack-Signature": "v0=" + "0" * 64},  # non-numeric timestamp
    {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=abc"},
    {"X-Slack-Request-Timestamp": "99999999999999999999999", "X-Slack-Signature": "v0=" + "0" * 64},
    "wrong secret", "stale",
])
def test_every_unsigned_or_malformed_request_gets_401_and_nothing_is_sent(slack, body, content_type, headers):
    if headers == "wrong secret":
        headers = sr.sign(body.decode("latin-1"), secret="0" * 32)
    elif headers == "stale":
        headers = sr.sign(body.decode("latin-1"), timestamp=int(time.time()) - 600)
    reply = _raw_post(slack.url, body, {"Content-Type": content_type, **headers})
    assert reply.status == 401
    assert "Traceback" not in reply.body and "Jane" not in reply.body


@pytest.mark.parametrize("body", [b"{bad", b"[1]", b"\xff\xfe not utf-8", b"payload=%7Bx", b"payload=%5B1%5D"])
def test_a_correctly_signed_but_unreadable_body_gets_400_not_a_500(slack, body):
    signed = hmac.new(sr.SIGNING_SECRET.encode(), b"v0:%d:" % int(time.time()) + body, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": f"v0={signed}"}
    content_type = sr.JSON if body[:1] in (b"{", b"[") else sr.FORM
    reply = _raw_post(slack.url, body, {"Content-Type": content_type, **headers})
    assert reply.status == 400
    assert slack.quiet_calls() == []


def test_refusals_are_logged_as_one_summary_without_anything_the_request_carried(slack, caplog):
    with caplog.at_level(logging.DEBUG):
        for _ in range(20):
            _raw_post(slack.url, b"text=wrvu+for+Jane+Roe%0A2026-01-01+FORGED", {"Content-Type": sr.FORM,
                      "X-Slack-Request-Timestamp": "1 FORGED", "X-Slack-Signature": "v0=x"})
    lines = [r.getMessage() for r in caplog.records]
    assert len([line for line in lines if "refused" in line]) <= 1
    assert not any("Jane" in line or "FORGED" in line for line in lines), lines


def test_a_log_line_cannot_be_split_or_carry_a_body_whoever_writes_it():
    formatter = OneLineFormatter()
    quiet = QuietLibraries()
    bolt = logging.LogRecord("slack_bolt.App", logging.INFO, __file__, 1, "Invalid request signature detected "
                             "(signature: x, timestamp: 1, body: text=Jane%20Roe)", None, None)
    assert quiet.filter(bolt) and formatter.format(bolt).endswith("Invalid request signature detected")
    ours = logging.LogRecord("bot.slack", logging.WARNING, __file__, 1, "kind %s", ("a\r\n2026 FORGED\x1b[2J",), None)
    question = "".join(("Ja", "ne Roe"))  # the traceback shows source lines: keep the name out of them
    try:
        int(question)
    except ValueError:
        ours.exc_info = sys.exc_info()
    text = formatter.format(ours)
    assert "\r" not in text and "\x1b" not in text and "Jane" not in text
    first, *rest = text.split("\n")
    assert "FORGED" in first and all(line.startswith("  | ") for line in rest)
