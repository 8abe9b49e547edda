"""The App Home tab: published with views.publish when a person opens it."""

from __future__ import annotations

from bot.ask import ask
from bot.render.blocks import escape
from tests.slack import slack_requests as sr
from tests.slack.block_kit import home_view_text


def home_opened(tab: str = "home") -> dict:
    """The shared event envelope carrying an `app_home_opened` event (Slack's documented shape)."""
    body = sr.payload("app_mention.event_callback.json")
    body["event"] = {"type": "app_home_opened", "user": "W222", "channel": "D111", "tab": tab,
                     "event_ts": "1595926240.000100"}
    body["event_id"] = "Ev777"
    return body


def test_opening_the_home_tab_publishes_help_examples_and_loaded_releases(slack, engine):
    assert slack.send(home_opened()).status == 200
    [call] = slack.standin.wait_for("views.publish")
    text = home_view_text(call, "W222")
    help_answer = ask(engine, "help", "W222")
    assert escape(help_answer.headline) in text
    examples = next(s for s in help_answer.sections if s.title == "Try").body
    assert escape(examples.splitlines()[0]) in text
    for line in engine.releases():
        assert escape(line) in text
    assert "/cpt" in text


def test_opening_the_messages_tab_publishes_nothing(slack):
    assert slack.send(home_opened(tab="messages")).status == 200
    assert slack.quiet_calls() == []
