"""The message shortcut "Look up CPT codes" (private, one line per code) and the Home tab's search box.

Payloads are Slack's: the shortcut in its documented `message_action` shape, the Home interactions from
the shared real Home-tab `block_actions` payload with our own action in it.
"""

from __future__ import annotations

import copy
import logging

from bot.ask import ask
from bot.render.blocks import DETAILS_ACTION, escape
from bot.slack.listeners.shortcuts import LOOKUP_CALLBACK, NONE_FOUND
from bot.slack.listeners.views import SEARCH_ACTION
from tests.slack import slack_requests as sr
from tests.slack.block_kit import check_message, home_view_text

SECRET_WORD = "Zyzzogeton"  # stands for patient details in the message: must reach no log line


def message_shortcut(text: str, response_url: str) -> str:
    """A `message_action` as Slack posts it when someone picks our shortcut on a message."""
    return sr.form_payload({
        "type": "message_action", "token": "legacy-fixed-value", "action_ts": "1700000000.000100",
        "callback_id": LOOKUP_CALLBACK, "trigger_id": "111.222.abc", "response_url": response_url,
        "team": {"id": "T111", "domain": "workspace-domain", "enterprise_id": "E111"},
        "user": {"id": "W111", "name": "primary-owner", "team_id": "T111"},
        "channel": {"id": "C111", "name": "random"}, "is_enterprise_install": False,
        "enterprise": {"id": "E111", "name": "Sandbox Org"}, "message_ts": "1700000000.000050",
        "message": {"type": "message", "user": "W222", "ts": "1700000000.000050", "text": text}})


def home_action(action_id: str, value: str, user: str = "W333") -> str:
    """The shared real Home-tab click, carrying our action (the search box's Enter, or a button)."""
    body = sr.payload("block_actions.home_tab.real.json")
    body["user"] = {**body["user"], "id": user}
    action = copy.deepcopy(body["actions"][0])
    action.update(action_id=action_id, value=value, block_id=action_id)
    if action_id == SEARCH_ACTION:
        action = {"type": "plain_text_input", "action_id": action_id, "block_id": action_id, "value": value,
                  "action_ts": action["action_ts"]}
    body["actions"] = [action]
    return sr.form_payload(body)


def test_the_shortcut_answers_privately_with_one_line_per_code(slack, engine, caplog):
    text = f"Can we bill 57461 with 99213-25 for {SECRET_WORD}? And 58558, and again 57461."
    with caplog.at_level(logging.DEBUG):
        reply = slack.send(message_shortcut(text, slack.response_url("actions/T111/1/lookup")))
        assert reply.status == 200
        [response] = slack.responses("actions/T111/1/lookup")
    assert response.body["response_type"] == "ephemeral"
    check_message(response.body)
    shown = sr.texts(response.body["blocks"])
    lines = [line for line in shown.splitlines() if line.startswith("• ")]
    assert [line.split("`")[1] for line in lines] == ["57461", "99213", "58558"]
    for line, code in zip(lines, ("57461", "99213", "58558"), strict=True):
        answer = ask(engine, code, "W111")
        work = engine.kb.years[answer.year].rvus[(code, "")].work
        assert escape(answer.title.split(" · ", 1)[1]) in line and f"{work:.2f}" in line
    assert f"CY{answer.year}" in shown
    assert [c.method for c in slack.quiet_calls() if not c.method.startswith("/")] == []  # nothing public
    assert SECRET_WORD not in caplog.text and SECRET_WORD.lower() not in caplog.text.lower()


def test_the_shortcut_on_a_message_without_codes_says_so(slack):
    slack.send(message_shortcut("lunch at noon? &lt;!channel&gt;", slack.response_url("actions/T111/1/none")))
    [response] = slack.responses("actions/T111/1/none")
    assert response.body["response_type"] == "ephemeral"
    assert escape(NONE_FOUND) in sr.texts(response.body["blocks"])


def test_an_unknown_number_is_named_not_dropped(slack):
    slack.send(message_shortcut("is 99999 a code?", slack.response_url("actions/T111/1/unknown")))
    [response] = slack.responses("actions/T111/1/unknown")
    [line] = [line for line in sr.texts(response.body["blocks"]).splitlines() if line.startswith("• ")]
    assert line.startswith("• `99999`") and "don't have 99999" in line


def test_the_home_tab_has_a_search_box_that_sends_on_enter(slack):
    from tests.slack.listeners.test_views import home_opened

    slack.send(home_opened())
    [call] = slack.standin.wait_for("views.publish")
    [box] = [b for b in call.body["view"]["blocks"] if b["type"] == "input"]
    assert box["dispatch_action"] is True and box["element"]["action_id"] == SEARCH_ACTION
    assert box["element"]["dispatch_action_config"]["trigger_actions_on"] == ["on_enter_pressed"]


def test_a_search_in_the_home_tab_answers_in_the_home_view(slack, engine):
    assert slack.send(home_action(SEARCH_ACTION, "wRVU for LEEP")).status == 200
    [call] = slack.standin.wait_for("views.publish")
    text = home_view_text(call, "W333")
    answer = ask(engine, "wRVU for LEEP", "W333")
    work = engine.kb.years[answer.year].rvus[(answer.codes[0], "")].work
    assert escape(answer.title) in text and f"{work:.2f}" in text
    assert escape(ask(engine, "help").headline) in text  # the rest of the tab is still there
    [box] = [b for b in call.body["view"]["blocks"] if b["type"] == "input"]
    assert box["element"]["initial_value"] == "wRVU for LEEP"
    assert [c.method for c in slack.quiet_calls()] == ["views.publish"]  # nothing posted anywhere else


def test_buttons_of_an_answer_in_the_home_view_answer_there_too(slack, engine):
    clarify = ask(engine, "cryo", "W333")
    choice = clarify.choices[0]
    slack.send(home_action("cpt_choice_0", choice.question))
    [call] = slack.standin.wait_for("views.publish")
    assert escape(ask(engine, choice.question, "W333").title) in sr.texts(call.body["view"]["blocks"])

    slack.standin.clear()
    slack.send(home_action(DETAILS_ACTION, "payment for 58558"))
    [call] = slack.standin.wait_for("views.publish")
    full = ask(engine, "payment for 58558", "W333")
    detail_titles = [s.title for s in full.details if s.title]
    assert detail_titles and escape(detail_titles[0]) in sr.texts(call.body["view"]["blocks"])
    assert [c.method for c in slack.quiet_calls()] == ["views.publish"]
