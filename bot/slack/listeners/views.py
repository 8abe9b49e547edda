"""The App Home tab: what the bot answers, how to ask, example questions, and the data it holds.

Its content comes from the engine (the help answer and the loaded fee schedule releases), so the Home
tab, `/cpt help` and `cptbot ask help` never disagree. It is published whenever someone opens the tab.
"""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.engine import Engine
from bot.render.blocks import header_block, render_blocks, text_block
from bot.slack.messages import acknowledge, answer_question, reported

MAX_VIEW_BLOCKS = 100
HOW_TO_ASK = ("• `/cpt <question or code>` answers privately, with a button to share the answer in the channel.\n"
              "• Mention the bot in a channel (`@cptbot what's the wRVU for LEEP`): it answers in a thread.\n"
              "• Send it a direct message: it answers in the conversation.\n"
              "• When a question fits several codes, it asks back with one button per code.")


def home_view(engine: Engine, user_id: str | None = None) -> dict:
    """The Home tab as a `views.publish` view."""
    help_answer = answer_question(engine, "help", user_id, "home")
    blocks = [header_block("cptbot: CPT coding answers from the CMS fee schedule"),
              *render_blocks(help_answer, max_blocks=MAX_VIEW_BLOCKS - 4),
              {"type": "divider"}, text_block(HOW_TO_ASK, "How to ask")]
    releases = engine.releases()
    if releases:
        blocks.append(text_block("\n".join(f"• {line}" for line in releases), "Fee schedules loaded"))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def register(app: App, engine: Engine) -> None:
    @reported("home")
    def publish_home(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        client.views_publish(user_id=event["user"], view=home_view(engine, event["user"]))

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])
