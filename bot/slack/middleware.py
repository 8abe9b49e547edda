"""Global middleware: what never reaches a listener.

Bolt's own chain already checks the signature, answers `url_verification` and drops our own bot's
events. These add what a Q&A bot needs on top: other bots, edits and every other message subtype are
not questions, and an event Slack retries must be answered once. `event_guard` runs them as one
middleware (what the app installs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt.response import BoltResponse

from bot.slack.dedup import SeenEvents
from bot.slack.identity import bot_user_from_body

log = logging.getLogger("bot.slack")


def _event(body: dict) -> dict:
    if body.get("type") != "event_callback":
        return {}
    event = body.get("event")
    return event if isinstance(event, dict) else {}


def ignore_bots_and_subtypes(body: dict, next: Callable[[], None]) -> BoltResponse | None:
    """Acknowledge and drop events from any bot, edits (a subtype, or an edited mention), and other subtypes."""
    event = _event(body)
    if event and any(event.get(key) for key in ("bot_id", "bot_profile", "subtype", "edited")):
        log.debug("ignored %s event (bot or subtype %s)", event.get("type"), event.get("subtype"))
        return BoltResponse(status=200, body="")
    next()
    return None


def dedupe_events(seen: SeenEvents) -> Callable[..., BoltResponse | None]:
    """Middleware that acknowledges a repeated `event_id` without running any listener again."""

    def dedupe(body: dict, request, next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and not seen.first_time(event_id):
            retry = request.headers.get("x-slack-retry-num", ["-"])[0] if request.headers else "-"
            log.info("duplicate event ignored (retry %s, reason %s)", retry,
                     (request.headers.get("x-slack-retry-reason") or ["-"])[0])
            return BoltResponse(status=200, body="")
        next()
        return None

    return dedupe


def event_guard(seen: SeenEvents) -> Callable[..., BoltResponse | None]:
    """The global middleware in one function: Bolt builds the injected arguments of every middleware on every
    request (a slash command too), so one middleware instead of three keeps `/cpt` cheaper.

    For events only: the bot's user id from `authorizations` when not known yet (bot.slack.identity), then
    bots, edits and subtypes dropped, then a repeated `event_id` acknowledged without running a listener.
    """
    dedupe = dedupe_events(seen)

    def guard(body: dict, context, request, next: Callable[[], None]) -> BoltResponse | None:
        if body.get("type") != "event_callback":
            next()
            return None
        bot_user_from_body(body, context, lambda: None)
        dropped = ignore_bots_and_subtypes(body, lambda: None)
        if dropped is not None:
            return dropped
        return dedupe(body, request, next)

    return guard
