"""The Bolt app: settings and an engine in, a Slack app with its middleware and listeners out.

The same `build_app` serves Socket Mode (`cptbot serve`) and HTTP (gunicorn on `bot.slack.wsgi`), so both
answer alike. No request ever waits on the Web API: Bolt's authorization is `BotIdentity.authorizer()`
(the configured token at once; the bot's ids from a background `auth.test`, see bot.slack.identity), and
every Web API client retries rate limits, server and connection errors (bot.slack.webapi) on a pool of
follow-up threads sized for slow calls.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.logger.messages import warning_token_skipped
from slack_sdk import WebClient

from bot.engine import Engine
from bot.slack import listeners
from bot.slack.dedup import SeenEvents
from bot.slack.identity import BotIdentity
from bot.slack.messages import log_failure
from bot.slack.middleware import event_guard
from bot.slack.settings import Settings
from bot.slack.webapi import WEB_API_TIMEOUT, follow_up_executor, retry_handlers


def _kind(body: dict) -> str:
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    return str(event.get("type") or body.get("type") or body.get("command") or "request")


def log_error(error: Exception, body: dict) -> None:
    """Bolt's error hook for ack functions and middleware: kind and cause, never the body."""
    log_failure(_kind(body), error)


class _NoTokenSkippedWarning(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN "will be ignored" whenever `authorize` is given and the variable is
    set; here the token is used (by `authorize`), so the warning would only mislead whoever reads the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_token_skipped()


def web_client(settings: Settings) -> WebClient:
    """The app's Web API client: the bot token (none with OAuth: each workspace has its own), the API's base
    URL, a timeout and the retry handlers. Every per-request client Bolt makes copies these."""
    return WebClient(token=None if settings.oauth else settings.bot_token, base_url=settings.api_url,
                     timeout=WEB_API_TIMEOUT, retry_handlers=retry_handlers())


def bot_identity(settings: Settings) -> BotIdentity | None:
    """The single-workspace bot's identity (None with OAuth), to share between Bolt and bot.slack.wsgi."""
    return None if settings.oauth else BotIdentity(web_client(settings), settings.bot_token or "")


def build_app(settings: Settings, engine: Engine, seen: SeenEvents | None = None,
              identity: BotIdentity | None = None) -> App:
    """A ready Bolt app. `seen` defaults to an in-memory ledger (right for one process).

    With a client id (`settings.oauth`) the app is installed per workspace (bot.slack.oauth) and each
    request finds its workspace's token in the installation store; otherwise it has one bot token, and
    its ids are learnt off the request path (bot.slack.identity; `identity` defaults to a new one).
    """
    options: dict = {}
    if settings.oauth:
        from bot.slack.oauth import oauth_app_options

        options = oauth_app_options(settings)
    oauth = bool(options)
    if not oauth:
        identity = identity or bot_identity(settings)
        assert identity is not None
        client = identity.client
        options = {"authorize": identity.authorizer()}  # no auth.test on a request
    else:
        client = web_client(settings)
    bolt_log = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _NoTokenSkippedWarning) for f in bolt_log.filters):
        bolt_log.addFilter(_NoTokenSkippedWarning())
    app = App(
        name="cptbot",
        client=client,
        **options,
        signing_secret=settings.signing_secret or "",
        # HTTP requests are verified before Bolt sees them (bot.slack.verify.SignedOnly, which never logs a
        # body); Bolt checks again, and its refusal line is cut to its first sentence (bot.slack.logs).
        request_verification_enabled=not settings.socket_mode,
        ssl_check_enabled=not settings.socket_mode,
        # Listeners run in the request's thread: `/cpt` answers inside its ack with no wait (Bolt's other
        # mode polls for the ack every 10 ms). Web API work goes to lazy listeners, after Slack has its 200.
        process_before_response=True,
        listener_executor=follow_up_executor(),
    )
    if oauth:
        app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked: delete from the store
    app.use(event_guard(seen or SeenEvents()))
    app.error(log_error)
    listeners.register(app, engine)
    return app
