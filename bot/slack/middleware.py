"""Global middleware: what never reaches a listener.

Bolt's own chain already checks the signature, answers `url_verification` and drops our own bot's
events. These two add what a Q&A bot needs on top: other bots, edits and every other message subtype are
not questions, and an event Slack retries must be answered once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt.response import BoltResponse

from bot.slack.dedup import SeenEvents

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
