"""`/cpt`: a signed, form-encoded slash command answered privately in the acknowledgement itself."""

from __future__ import annotations

import json

from bot.ask import ask
from bot.render.blocks import escape
from bot.slack.messages import SHARE_ACTION
from tests.slack import slack_requests as sr
from tests.slack.block_kit import check_message

USER = "W111"  # the user_id in the shared slash command payload


def buttons(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_cpt_answers_privately_in_the_ack_with_the_code_its_numbers_and_the_source(slack, engine):
    question = "what's the wRVU for LEEP"
    expected = ask(engine, question, USER)
    code = expected.codes[0]
    work = engine.kb.years[expected.year].rvus[(code, "")].work

    reply = slack.send(sr.slash_command(question, slack.response_url()))

    assert reply.status == 200 and reply.content_type.startswith("application/json")
    message = reply.json()
    check_message(message)
    assert message["response_type"] == "ephemeral"
    header, headline = message["blocks"][0], message["blocks"][1]
    assert header["type"] == "header" and header["text"]["text"] == escape(expected.title)
    assert header["text"]["text"].startswith(code)
    assert f"{work:.2f}" in headline["text"]["text"]
    fields = [f["text"] for b in message["blocks"] if b["type"] == "section" for f in b.get("fields", [])]
    assert any("Work RVU" in f and f"{work:.2f}" in f for f in fields)
    context = [e["text"] for b in message["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert any(f"CY{expected.year}" in c and "conversion factor" in c for c in context)
    assert code in message["text"] and f"{work:.2f}" in message["text"]
    # Nothing was posted anywhere: the answer is only in the ack, for the person who asked.
    assert slack.quiet_calls() == []


def test_cpt_answer_has_a_share_button_carrying_the_question(slack):
    reply = slack.send(sr.slash_command("57461 global period", slack.response_url()))
    share = [b for b in buttons(reply.json()["blocks"]) if b["action_id"] == SHARE_ACTION]
    assert len(share) == 1
    assert share[0]["value"] == "57461 global period"
    assert share[0]["text"]["text"] == "Share in channel"


def test_cpt_alone_and_cpt_help_show_the_help(slack, engine):
    help_headline = escape(ask(engine, "help", USER).headline)
    for text in ("", "help"):
        message = slack.send(sr.slash_command(text, slack.response_url())).json()
        check_message(message)
        assert message["response_type"] == "ephemeral"
        assert help_headline in sr.texts(message["blocks"])


def test_cpt_that_fits_several_codes_offers_one_button_per_code(slack, engine):
    expected = ask(engine, "cryo", USER)
    assert expected.status == "clarify"
    message = slack.send(sr.slash_command("cryo", slack.response_url())).json()
    check_message(message)
    choices = [b for b in buttons(message["blocks"]) if b["action_id"] != SHARE_ACTION]
    assert [b["value"] for b in choices] == [c.question for c in expected.choices]
    for button, choice in zip(choices, expected.choices, strict=True):
        assert button["text"]["text"].startswith(choice.code)


def test_cpt_with_slack_markup_matches_like_the_plain_question_and_shows_no_raw_markup(slack, engine):
    plain = ask(engine, "compare 57461 & 57520", USER)
    message = slack.send(sr.slash_command("compare 57461 &amp; 57520 <!channel>", slack.response_url())).json()
    check_message(message)
    assert "<!channel>" not in reply_text(message)
    for code in plain.codes:
        assert code in message["text"]


def reply_text(message: dict) -> str:
    return message["text"] + "\n" + sr.texts(message["blocks"])


def test_cpt_over_http_answers_exactly_as_bolts_own_listener_does(slack, engine, standin):
    """HTTP answers /cpt without Bolt's dispatch (bot.slack.wsgi); Socket Mode goes through Bolt: same reply."""
    from slack_bolt.adapter.socket_mode.internals import run_bolt_app
    from slack_sdk.socket_mode.request import SocketModeRequest

    from bot.slack.app import build_app
    from bot.slack.settings import Settings

    bolt = build_app(Settings(bot_token=sr.BOT_TOKEN, app_token=sr.APP_TOKEN, api_url=standin.api_url), engine)
    for text in ("57461", "cryo", "compare 57461 &amp; 57520 <!channel>", "", "what is the payload of 57520"):
        over_http = slack.send(sr.slash_command(text, slack.response_url()))
        envelope = sr.payload("socket_mode.slash_commands.envelope.json")
        envelope["payload"].update(command="/cpt", text=text, user_id=USER)
        through_bolt = run_bolt_app(bolt, SocketModeRequest.from_dict(envelope))
        assert over_http.status == through_bolt.status == 200
        assert over_http.json() == json.loads(through_bolt.body)


def test_slacks_ssl_check_of_the_command_url_is_acknowledged_without_an_answer(slack):
    reply = slack.send("ssl_check=1&token=unused")
    assert reply.status == 200 and "blocks" not in reply.body
    assert slack.quiet_calls() == []
