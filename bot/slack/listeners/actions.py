"""Button clicks: "Share in channel" and a code chosen when the engine asked back.

Both buttons carry a question in their value and the click asks it again: the engine is deterministic,
so the shared or chosen answer is exactly what the person would get by typing it. The click is
acknowledged at once; the answer is delivered after, by a lazy listener.
- Share: the answer is posted visibly where `/cpt` was used (with who asked), and the private copy goes.
- Choice in a private message: the private message is replaced by the answer for that code.
- Choice in a channel or DM message: the answer is posted in the same thread.
- Details: the short reply is replaced, in place, by the full card for the same question.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import App
from slack_sdk import WebClient

from bot.engine import Engine
from bot.render.blocks import CHOICE_ACTION_PREFIX, DETAILS_ACTION
from bot.slack.messages import (
    SHARE_ACTION,
    acknowledge,
    answer_question,
    private_message,
    public_message,
    reported,
)
from bot.slack.webapi import post_to_response_url

log = logging.getLogger("bot.slack")


def _where(body: dict) -> tuple[str | None, str | None]:
    """(channel, thread_ts) of the message that held the button."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    thread_ts = message.get("thread_ts") or container.get("thread_ts")
    if not thread_ts and channel and not channel.startswith("D"):
        thread_ts = container.get("message_ts") or message.get("ts")
    return channel, thread_ts


def register(app: App, engine: Engine) -> None:
    @reported("share")
    def share(body: dict, action: dict, client: WebClient) -> None:
        question = action.get("value") or ""
        user = (body.get("user") or {}).get("id")
        message = public_message(answer_question(engine, question, user, "share"), asked_by=user, question=question)
        url = body.get("response_url")
        if url:
            shared = post_to_response_url("share", url, {"response_type": "in_channel", "replace_original": False,
                                                         **message})
            if shared and (body.get("container") or {}).get("is_ephemeral"):
                post_to_response_url("share", url, {"delete_original": True})
            return
        channel, _ = _where(body)
        if channel:
            client.chat_postMessage(channel=channel, **message)

    @reported("choice")
    def choose(body: dict, action: dict, client: WebClient) -> None:
        question = action.get("value") or ""
        user = (body.get("user") or {}).get("id")
        answer = answer_question(engine, question, user, "choice")
        container = body.get("container") or {}
        if container.get("is_ephemeral") and body.get("response_url"):
            post_to_response_url("choice", body["response_url"], {
                "replace_original": True, "response_type": "ephemeral", **private_message(answer, question)})
            return
        channel, thread_ts = _where(body)
        if not channel:
            log.warning("choice: no channel to answer in (container %s)", container.get("type"))
            return
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, **public_message(answer))

    @reported("details")
    def details(body: dict, action: dict, client: WebClient) -> None:
        question = action.get("value") or ""
        user = (body.get("user") or {}).get("id")
        answer = answer_question(engine, question, user, "details")
        container = body.get("container") or {}
        if container.get("is_ephemeral") and body.get("response_url"):
            post_to_response_url("details", body["response_url"], {
                "replace_original": True, "response_type": "ephemeral", **private_message(answer, question, full=True)})
            return
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        if channel and ts:
            client.chat_update(channel=channel, ts=ts, **public_message(answer, full=True))
        elif body.get("response_url"):
            post_to_response_url("details", body["response_url"], {"replace_original": True,
                                                                    **public_message(answer, full=True)})

    app.action(SHARE_ACTION)(ack=acknowledge, lazy=[share])
    app.action(DETAILS_ACTION)(ack=acknowledge, lazy=[details])
    app.action(re.compile(rf"^{CHOICE_ACTION_PREFIX}\d+$"))(ack=acknowledge, lazy=[choose])
