"""Mentions and direct messages.

A mention is answered in a thread (the one it was in, or a new one under it) so a channel is not flooded;
a direct message is answered in the DM (in its thread when it was written in one). Only `app_mention` and
`message.im` are subscribed, so a mention is never answered twice; channel messages that reach us anyway
are left alone. Bots, edits and subtypes were already dropped by the middleware. Slack gets its 200 at
once; the answer is posted after, by a lazy listener.
"""

from __future__ import annotations

from slack_bolt import App, BoltContext, Say

from bot.engine import Engine
from bot.slack.messages import acknowledge, answer_question, public_message, reported, strip_mention


def register(app: App, engine: Engine) -> None:
    @reported("mention")
    def answer_mention(event: dict, say: Say, context: BoltContext) -> None:
        if str(event.get("channel", "")).startswith("D"):
            return  # a mention inside the bot's DM: the message.im event answers it
        question = strip_mention(event.get("text") or "", context.bot_user_id)
        answer = answer_question(engine, question, event.get("user"), "mention")
        say(thread_ts=event.get("thread_ts") or event.get("ts"), **public_message(answer, details_for=question))

    @reported("dm")
    def answer_direct_message(event: dict, say: Say, context: BoltContext) -> None:
        if event.get("channel_type") != "im":
            return
        question = strip_mention(event.get("text") or "", context.bot_user_id)
        answer = answer_question(engine, question, event.get("user"), "dm")
        say(thread_ts=event.get("thread_ts"), **public_message(answer, details_for=question))

    app.event("app_mention")(ack=acknowledge, lazy=[answer_mention])
    app.event("message")(ack=acknowledge, lazy=[answer_direct_message])
