"""Hostile and oversized requests against the real app: each gets a clear answer or a 401, never a 500.

No timing assertions here (the speed of these cases is measured by `cptbot bench-slack`); what a user or an
operator would notice is asserted: the answer arrives, the reply status, what reaches the log.
"""

from __future__ import annotations

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
