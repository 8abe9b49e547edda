"""The App Home tab: a search box, what the bot answers, how to ask, examples, and the data it holds.

Its content comes from the engine (the help answer and the loaded fee schedule releases), so the Home
tab, `/cpt help` and `cptbot ask help` never disagree. It is published whenever someone opens the tab.

The search box is an input block with `dispatch_action`: pressing Enter sends the question at once (no
submit button, which a Home tab does not have). The answer is shown in the Home view itself, under the
box, by publishing the view again for that person; its buttons (a code to choose, Details) answer there
too, not in some channel.
"""

from __future__ import annotations

import re

from slack_bolt import App
from slack_sdk import WebClient

from bot.answer import Answer
from bot.engine import Engine
from bot.render.blocks import CHOICE_ACTION_PREFIX, DETAILS_ACTION, header_block, plain, render_blocks, text_block
from bot.slack.messages import acknowledge, answer_question, reported

MAX_VIEW_BLOCKS = 100
SEARCH_ACTION = "cpt_home_search"
MAX_QUESTION = 500
MAX_BLOCKS_FOR_ANSWER = 50  # as in a message; the help and the rest of the tab follow it  # the search box's max_length
SEARCH_PLACEHOLDER = "wRVU for LEEP, 57461 global, 99213 payment in Manhattan"
HOW_TO_ASK = ("• `/cpt <question or code>` answers privately, with a button to share the answer in the channel.\n"
              "• Mention the bot in a channel (`@cptbot what's the wRVU for LEEP`): it answers in a thread.\n"
              "• Send it a direct message: it answers in the conversation.\n"
              "• When a question fits several codes, it asks back with one button per code.")


def search_block(question: str | None = None) -> dict:
    """The search box: Enter sends the question (a `block_actions` with SEARCH_ACTION and its value)."""
    element = {"type": "plain_text_input", "action_id": SEARCH_ACTION, "max_length": MAX_QUESTION,
               "placeholder": plain(SEARCH_PLACEHOLDER, 150),
               "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]}}
    if question:
        element["initial_value"] = question[:MAX_QUESTION]
    return {"type": "input", "block_id": SEARCH_ACTION, "dispatch_action": True, "optional": True,
            "label": plain("Ask about a CPT code (press Enter)", 2000), "element": element}


def home_view(engine: Engine, user_id: str | None = None, question: str | None = None,
              answer: Answer | None = None, full: bool = False) -> dict:
    """The Home tab as a `views.publish` view; with `answer`, that answer under the search box."""
    blocks = [header_block("cptbot: CPT coding answers from the CMS fee schedule"), search_block(question)]
    if answer is not None:
        blocks += [*render_blocks(answer, max_blocks=MAX_BLOCKS_FOR_ANSWER, full=full, question=question),
                   {"type": "divider"}]
    help_answer = answer_question(engine, "help", user_id, "home")
    blocks += [*render_blocks(help_answer, max_blocks=MAX_VIEW_BLOCKS - len(blocks) - 3),
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

    def answer_in_home(body: dict, client: WebClient, question: str, kind: str, full: bool = False) -> None:
        user = (body.get("user") or {}).get("id")
        if not user:
            return
        answer = answer_question(engine, question, user, kind)
        client.views_publish(user_id=user, view=home_view(engine, user, question, answer, full=full))

    @reported("home_search")
    def search(body: dict, action: dict, client: WebClient) -> None:
        answer_in_home(body, client, (action.get("value") or "")[:MAX_QUESTION], "home_search")

    @reported("home_choice")
    def choose(body: dict, action: dict, client: WebClient) -> None:
        full = action.get("action_id") == DETAILS_ACTION
        answer_in_home(body, client, action.get("value") or "", "home_details" if full else "home_choice", full)

    def in_home(body: dict) -> bool:
        return (body.get("view") or {}).get("type") == "home"

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])
    app.action(SEARCH_ACTION)(ack=acknowledge, lazy=[search])
    # Registered before the message buttons' listeners (bot.slack.listeners), which answer in a channel.
    app.action(re.compile(rf"^(?:{CHOICE_ACTION_PREFIX}\d+|{DETAILS_ACTION})$"), matchers=[in_home])(
        ack=acknowledge, lazy=[choose])
