"""Slack listeners grouped by kind; each module exposes `register(app, engine)`.

commands: `/cpt`; events: mentions and direct messages; views: the App Home tab and its search box (and
the buttons of answers shown there); shortcuts: the "Look up CPT codes" message shortcut; actions: button
clicks in messages (share, choose a code, details). Bolt runs the first listener that matches, so views
come before actions.
"""

from __future__ import annotations

from slack_bolt import App

from bot.engine import Engine
from bot.slack.listeners import actions, commands, events, shortcuts, views


def register(app: App, engine: Engine) -> None:
    for module in (commands, events, views, shortcuts, actions):
        module.register(app, engine)
