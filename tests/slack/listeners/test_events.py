"""Mentions and DMs: event callbacks acknowledged at once, answered by one chat.postMessage in the right place.

Also what must post nothing (other bots, our own messages, edits, subtypes, channel chatter) and a retried
event, which must post once.
"""

from __future__ import annotations

import pytest

from bot.ask import ask
from bot.render.blocks import escape, fallback_text
from bot.slack.standin import BOT_ID, BOT_USER_ID
from tests.slack import slack_requests as sr
from tests.slack.block_kit import check_message


def test_a_mention_is_answered_in_a_thread_under_it_with_the_mention_stripped(slack, engine):
    event = sr.payload("app_mention.event_callback.json")["event"]
    question = "what's the wRVU for LEEP"
    expected = ask(engine, question, event["user"])
    code = expected.codes[0]
    work = engine.kb.years[expected.year].rvus[(code, "")].work

    reply = slack.send(sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}> {question}"))

    assert reply.status == 200
    [post] = slack.posts()
    check_message(post.body)
    assert post.body["channel"] == event["channel"]
    assert post.body["thread_ts"] == event["ts"]
    assert post.body["text"].startswith(escape(expected.title))
    assert f"{work:.2f}" in post.body["text"]
    assert post.headers["authorization"] == f"Bearer {sr.BOT_TOKEN}"


def test_a_mention_inside_a_thread_is_answered_in_that_thread(slack):
    slack.send(sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}> 57461",
                                 thread_ts="1595926000.000100"))
    [post] = slack.posts()
    assert post.body["thread_ts"] == "1595926000.000100"


def test_a_mention_alone_gets_the_help(slack, engine):
    slack.send(sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}>"))
    [post] = slack.posts()
    assert escape(ask(engine, "help").headline) in sr.texts(post.body["blocks"])


def test_a_mention_inside_the_bots_dm_is_left_to_the_dm_event_so_it_is_answered_once(slack):
    assert slack.send(sr.event_callback("app_mention.event_callback.json", channel="D111",
                                        text=f"<@{BOT_USER_ID}> 57461")).status == 200
    assert slack.quiet_calls() == []


def test_a_direct_message_is_answered_in_the_dm_and_in_its_thread(slack, engine):
    body = sr.event_callback("message.im.event_callback.json", text="cone biopsy wrvu")
    expected = ask(engine, "cone biopsy wrvu", body["event"]["user"])
    slack.send(body)
    [post] = slack.posts()
    check_message(post.body)
    assert post.body["channel"] == body["event"]["channel"]
    assert post.body["thread_ts"] == body["event"]["thread_ts"]
    assert post.body["text"] == fallback_text(expected)


def test_a_top_level_direct_message_is_answered_top_level(slack):
    event = sr.payload("message.im.inner_event.json")
    event["text"] = "57461 global"
    slack.send(sr.wrap_event(event))
    [post] = slack.posts()
    assert post.body["channel"] == event["channel"]
    assert "thread_ts" not in post.body
    assert "57461" in post.body["text"]


def test_a_retried_event_is_answered_once(slack):
    body = sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}> 57461")
    assert slack.send(body).status == 200
    slack.posts()
    for attempt in (1, 2):
        reply = slack.send(body, headers={"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"})
        assert reply.status == 200
    assert len([c for c in slack.quiet_calls() if c.method == "chat.postMessage"]) == 1


def test_two_different_events_are_both_answered(slack):
    first = sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}> 57461")
    second = sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}> 57520")
    second["event_id"] = "Ev112"
    slack.send(first)
    slack.send(second)
    assert len(slack.posts(2)) == 2


@pytest.mark.parametrize("name", ["message.bot_other_app.event_callback.json",
                                  "message.bot_message_subtype.event_callback.json",
                                  "message.message_changed.event_callback.json"])
@pytest.mark.parametrize("where", ["as sent", "in a DM"])
def test_bot_messages_edits_and_subtypes_post_nothing(slack, name, where):
    body = sr.payload(name)
    body["event"]["text"] = "57461 wrvu"
    if where == "in a DM":
        body["event"].update(channel="D111", channel_type="im")
    assert slack.send(body).status == 200
    assert slack.quiet_calls() == []


def test_an_edited_mention_posts_nothing(slack):
    body = sr.event_callback("app_mention.event_callback.json", text=f"<@{BOT_USER_ID}> 57461",
                             edited={"user": "W222", "ts": "1595926300.000000"})
    assert slack.send(body).status == 200
    assert slack.quiet_calls() == []


def test_our_own_dm_answer_coming_back_posts_nothing(slack):
    body = sr.event_callback("message.im.event_callback.json", text="57461", user=BOT_USER_ID, bot_id=BOT_ID)
    assert slack.send(body).status == 200
    assert slack.quiet_calls() == []


def test_a_plain_channel_message_posts_nothing(slack):
    # Only mentions are answered in channels; a channel message reaching us anyway is left alone.
    assert slack.send(sr.event_callback("message.channels.event_callback.json", text="57461")).status == 200
    assert slack.quiet_calls() == []


def test_user_markup_in_a_dm_comes_back_escaped(slack):
    slack.send(sr.event_callback("message.im.event_callback.json",
                                 text="wrvu for <!channel> zqxjv &amp; <@W999> &lt;b&gt;"))
    [post] = slack.posts()
    check_message(post.body)
    everything = post.body["text"] + sr.texts(post.body["blocks"])
    assert "<!channel>" not in everything and "<@W999>" not in everything and "<b>" not in everything
