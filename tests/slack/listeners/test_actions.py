"""Button clicks (`block_actions`, a form with one `payload` field): share, and choosing a code."""

from __future__ import annotations

import json

from bot.ask import ask
from bot.render.blocks import CHOICE_ACTION_PREFIX, DETAILS_ACTION, fallback_text
from bot.slack.messages import SHARE_ACTION
from tests.slack import slack_requests as sr
from tests.slack.block_kit import check_message

ACTIONS_URL = "actions/T111/111/random-value"  # the shared block_actions payload's response_url path
USER = "W111"


def test_share_posts_the_same_answer_visibly_and_removes_the_private_copy(slack, engine):
    question = "what's the wRVU for LEEP"
    private = slack.send(sr.slash_command(question, slack.response_url())).json()
    share = next(e for b in private["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == SHARE_ACTION)

    reply = slack.send(sr.block_actions(SHARE_ACTION, share["value"], slack.response_url(ACTIONS_URL)))

    assert reply.status == 200
    posted, deleted = slack.responses(ACTIONS_URL, count=2)
    check_message(posted.body)
    assert posted.body["response_type"] == "in_channel"
    assert posted.body.get("replace_original") is False
    assert posted.body["text"] == private["text"] == fallback_text(ask(engine, question, USER))
    assert f"<@{USER}> asked: /cpt {question}" in sr.texts(posted.body["blocks"])
    assert deleted.body.get("delete_original") is True
    assert [c for c in slack.quiet_calls() if c.method == "chat.postMessage"] == []


def test_a_shared_question_with_channel_and_ampersand_comes_back_escaped(slack):
    typed = "57461 &amp; 57520 <!channel> <@W999>"  # what Slack sends for: 57461 & 57520 @channel @someone
    slack.send(sr.block_actions(SHARE_ACTION, typed, slack.response_url(ACTIONS_URL)))
    posted = slack.responses(ACTIONS_URL)[0]
    check_message(posted.body)
    asked = sr.texts(posted.body["blocks"]).split("asked: /cpt ", 1)[1]
    assert asked.startswith("57461 &amp; 57520 &lt;!channel&gt; &lt;@W999&gt;")
    assert "<!channel>" not in json.dumps(posted.body)


def test_choosing_a_code_in_a_private_answer_replaces_it(slack, engine):
    clarify = ask(engine, "cryo", USER)
    choice = clarify.choices[1]
    expected = ask(engine, choice.question, USER)

    reply = slack.send(sr.block_actions(f"{CHOICE_ACTION_PREFIX}1", choice.question, slack.response_url(ACTIONS_URL)))

    assert reply.status == 200
    [replaced] = slack.responses(ACTIONS_URL)
    check_message(replaced.body)
    assert replaced.body["replace_original"] is True
    assert replaced.body["response_type"] == "ephemeral"
    assert replaced.body["text"] == fallback_text(expected)
    assert expected.codes[0] == choice.code
    assert replaced.body["blocks"][0]["text"]["text"].startswith(choice.code)
    share = [e for b in replaced.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["value"] for e in share if e["action_id"] == SHARE_ACTION] == [choice.question]
    assert slack.quiet_calls() == [replaced]


def test_choosing_a_code_under_a_mention_answers_in_the_same_thread(slack, engine):
    clarify = ask(engine, "cryo", USER)
    choice = clarify.choices[0]
    message = {"type": "message", "user": "UBOT0001", "ts": "1595926231.000100", "thread_ts": "1595926230.009600",
               "text": "fits several codes"}
    body = sr.block_actions(f"{CHOICE_ACTION_PREFIX}0", choice.question, slack.response_url(ACTIONS_URL),
                            container={"type": "message", "message_ts": message["ts"], "channel_id": "C111",
                                       "is_ephemeral": False, "thread_ts": message["thread_ts"]},
                            message=message)

    slack.send(body)

    [post] = slack.posts()
    check_message(post.body)
    assert post.body["channel"] == "C111"
    assert post.body["thread_ts"] == message["thread_ts"]
    assert post.body["text"] == fallback_text(ask(engine, choice.question, USER))
    assert [c for c in slack.quiet_calls() if c.method != "chat.postMessage"] == []


def test_a_click_on_a_button_that_is_not_ours_is_refused_and_posts_nothing(slack):
    # A Home tab click from another app's view: no listener of ours matches, so Bolt answers 404.
    assert slack.send(sr.form_payload(sr.payload("block_actions.home_tab.real.json"))).status == 404
    assert slack.quiet_calls() == []


def _details_button(blocks: list[dict]) -> dict:
    return next(e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == DETAILS_ACTION)


def test_details_replaces_a_private_short_answer_with_the_full_card(slack, engine):
    question = "what's the wRVU for LEEP"
    private = slack.send(sr.slash_command(question, slack.response_url())).json()
    check_message(private)
    assert "Global period" not in sr.texts(private["blocks"])  # the short reply keeps to the RVUs asked
    button = _details_button(private["blocks"])

    slack.send(sr.block_actions(DETAILS_ACTION, button["value"], slack.response_url(ACTIONS_URL)))

    [replaced] = slack.responses(ACTIONS_URL)
    check_message(replaced.body)
    assert replaced.body["replace_original"] is True and replaced.body["response_type"] == "ephemeral"
    full = sr.texts(replaced.body["blocks"])
    assert "Global period" in full and "Billing indicators" in full
    assert replaced.body["text"] == fallback_text(ask(engine, question, USER), full=True)
    buttons = [e["action_id"] for b in replaced.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert DETAILS_ACTION not in buttons and SHARE_ACTION in buttons


def test_details_under_a_mention_updates_the_same_message(slack, engine):
    question = "global period for 57520"
    message = {"type": "message", "user": "UBOT0001", "ts": "1595926231.000100", "thread_ts": "1595926230.009600",
               "text": "57520 has a 090 global period"}
    body = sr.block_actions(DETAILS_ACTION, question, slack.response_url(ACTIONS_URL),
                            container={"type": "message", "message_ts": message["ts"], "channel_id": "C111",
                                       "is_ephemeral": False, "thread_ts": message["thread_ts"]},
                            message=message)

    slack.send(body)

    [update] = slack.standin.wait_for("chat.update")
    check_message(update.body)
    assert update.body["channel"] == "C111" and update.body["ts"] == message["ts"]
    assert update.body["text"] == fallback_text(ask(engine, question, USER), full=True)
    assert [c.method for c in slack.quiet_calls()] == ["chat.update"]
