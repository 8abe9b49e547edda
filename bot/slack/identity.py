"""Who the bot is, learnt without ever making a request wait for Slack's Web API.

Bolt's single-workspace mode calls `auth.test` on the first request to learn the bot's ids, and when that
call fails (500, 429, `invalid_auth`) or is slow, `/cpt` gets Bolt's "installation is no longer available"
or misses Slack's three seconds. Here Bolt gets an `authorize` function that answers at once from what is
known: the configured bot token, and the bot's ids when a background `auth.test` (started by the first
request of each process, retried at most once a minute while it fails) has returned them. Until then the
ids come from the request itself (`authorizations[0]` of an event names the bot user) or stay unknown,
which the listeners do not need: a mention is stripped by shape, and other bots' and our own messages
are dropped by their `bot_id` (see middleware).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

RETRY_AFTER = 60.0  # seconds between two background auth.test attempts while it fails

log = logging.getLogger("bot.slack")


class BotIdentity:
    """The bot token and, once known, the bot's user id, bot id and team id."""

    def __init__(self, client: WebClient, token: str, clock: Callable[[], float] = time.monotonic):
        self.client = client
        self.token = token
        self.user_id: str | None = None
        self.bot_id: str | None = None
        self.team_id: str | None = None
        self._clock = clock
        self._lock = threading.Lock()
        self._running_in: int | None = None  # pid of the process whose thread is looking it up
        self._tried_at = float("-inf")
        self._warned = False

    def learn_in_background(self) -> None:
        """Start one `auth.test` in a daemon thread unless the ids are known or a lookup is under way.

        Called per request and cheap: a thread is started at most once a minute per process (a thread does
        not survive gunicorn's fork, so each worker starts its own).
        """
        if self.user_id is not None:
            return
        with self._lock:
            now = self._clock()
            if self._running_in == os.getpid() or now - self._tried_at < RETRY_AFTER:
                return
            self._running_in, self._tried_at = os.getpid(), now
        threading.Thread(target=self._look_up, name="cptbot-auth-test", daemon=True).start()

    def _look_up(self) -> None:
        try:
            reply = self.client.auth_test(token=self.token)
            self.bot_id, self.team_id = reply.get("bot_id"), reply.get("team_id")
            self.user_id = reply.get("user_id")
            if self._warned:
                log.info("auth.test answered: the bot's identity is known")
        except SlackApiError as exc:
            self._warn(str(exc.response.get("error", "unknown error")))
        except Exception as exc:  # a connection error after retries: the next request tries again later
            self._warn(type(exc).__name__)
        finally:
            self._running_in = None

    def _warn(self, reason: str) -> None:
        if not self._warned:
            log.warning("auth.test failed (%s): answering without the bot's ids; check SLACK_BOT_TOKEN if "
                        "posts fail too", reason)
        self._warned = True

    def authorizer(self) -> Callable[..., AuthorizeResult]:
        """Bolt's `authorize`: the configured token and the known ids, with no Web API call.

        A plain function, because Bolt injects arguments by the parameter names it sees (`self` is not one).
        """

        def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            self.learn_in_background()
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id or self.team_id,
                                   bot_token=self.token, bot_id=self.bot_id, bot_user_id=self.user_id)

        return authorize


def bot_user_from_body(body: dict, context: BoltContext, next: Callable[[], None]) -> None:
    """Middleware: when the bot's user id is not known yet, take it from the event's `authorizations`."""
    if not context.bot_user_id:
        authorizations = body.get("authorizations")
        first = authorizations[0] if isinstance(authorizations, list) and authorizations else None
        if isinstance(first, dict) and first.get("is_bot") and isinstance(first.get("user_id"), str):
            context["bot_user_id"] = first["user_id"]
    next()
