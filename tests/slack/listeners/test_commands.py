"""`/cpt`: a signed, form-encoded slash command answered privately in the acknowledgement itself."""

from __future__ import annotations

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
