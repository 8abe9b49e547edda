"""Slack listeners grouped by kind; each module exposes `register(app, engine)`.

commands: `/cpt`; events: mentions and direct messages; actions: button clicks (share, choose a code);
views: the App Home tab.
"""

from __future__ import annotations

from slack_bolt import App

from bot.engine import Engine
from bot.slack.listeners import actions, commands, events, views


def register(app: App, engine: Engine) -> None:
    for module in (commands, events, actions, views):
        module.register(app, engine)
