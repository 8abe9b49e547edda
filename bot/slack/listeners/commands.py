"""`/cpt <question or code>`: answered privately, straight in the acknowledgement.

The engine answers in milliseconds, so the answer rides in the ack itself (no second request, no
"dispatch_failed" race against Slack's three seconds). `/cpt` alone or `/cpt help` is the engine's help.
The "Share in channel" button carries the question; a click answers it again, visibly (see actions).
"""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.engine import Engine
from bot.slack.messages import answer_question, private_message

COMMAND = "/cpt"


def register(app: App, engine: Engine) -> None:
    @app.command(COMMAND)
    def cpt(ack: Ack, command: dict) -> None:
        question = command.get("text") or ""
        answer = answer_question(engine, question, command.get("user_id"), "command")
        ack(response_type="ephemeral", **private_message(answer, question))
