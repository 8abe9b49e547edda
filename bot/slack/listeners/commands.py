"""`/cpt <question or code>`: answered privately, straight in the acknowledgement.

The engine answers in milliseconds, so the answer rides in the ack itself (no second request, no
"dispatch_failed" race against Slack's three seconds). `/cpt` alone or `/cpt help` is the engine's help.
The "Share in channel" button carries the question; a click answers it again, visibly (see actions).

`command_reply` is the whole answer; Bolt's listener acks with it (Socket Mode, and HTTP with many
workspaces, where Bolt first finds the workspace's installation), and bot.slack.wsgi returns it itself
to a signed `/cpt` in single-workspace HTTP mode, where Bolt's dispatch would add nothing but CPU.
"""

from __future__ import annotations

from collections.abc import Mapping

from slack_bolt import Ack, App

from bot.engine import Engine
from bot.slack.messages import answer_question, private_message

COMMAND = "/cpt"


def command_reply(engine: Engine, command: Mapping[str, str]) -> dict:
    """The ephemeral reply to a slash command's fields (`text`, `user_id`): the answer and its buttons."""
    question = command.get("text") or ""
    answer = answer_question(engine, question, command.get("user_id"), "command")
    return {"response_type": "ephemeral", **private_message(answer, question)}


def register(app: App, engine: Engine) -> None:
    @app.command(COMMAND)
    def cpt(ack: Ack, command: dict) -> None:
        ack(**command_reply(engine, command))
