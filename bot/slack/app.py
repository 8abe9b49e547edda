"""The Bolt app: settings and an engine in, a Slack app with its middleware and listeners out.

The same `build_app` serves Socket Mode (`cptbot serve`) and HTTP (gunicorn on `bot.slack.wsgi`), so both
answer alike. It makes no network call at start-up: the bot's identity (`auth.test`, needed to recognise
its own messages and mention) is fetched on the first request and kept for the life of the process.
"""

from __future__ import annotations

from slack_bolt import App

from bot.engine import Engine
from bot.slack import listeners
from bot.slack.dedup import SeenEvents
from bot.slack.messages import log_failure
from bot.slack.middleware import dedupe_events, ignore_bots_and_subtypes
from bot.slack.settings import Settings

WEB_API_TIMEOUT = 10  # seconds; Slack's Web API answers in well under a second


def _kind(body: dict) -> str:
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    return str(event.get("type") or body.get("type") or body.get("command") or "request")


def log_error(error: Exception, body: dict) -> None:
    """Bolt's error hook for ack functions and middleware: kind and cause, never the body."""
    log_failure(_kind(body), error)


def build_app(settings: Settings, engine: Engine, seen: SeenEvents | None = None) -> App:
    """A ready Bolt app. `seen` defaults to an in-memory ledger (right for one process).

    With a client id (`settings.oauth`) the app is installed per workspace (bot.slack.oauth) and each
    request finds its workspace's token in the installation store; otherwise it has one bot token.
    """
    oauth: dict = {}
    if settings.oauth:
        from bot.slack.oauth import oauth_app_options

        oauth = oauth_app_options(settings)
    app = App(
        name="cptbot",
        token=None if oauth else settings.bot_token,
        **oauth,
        signing_secret=settings.signing_secret or "",
        token_verification_enabled=False,
        request_verification_enabled=not settings.socket_mode,
        ssl_check_enabled=not settings.socket_mode,
        # Listeners run in the request's thread: `/cpt` answers inside its ack with no wait (Bolt's other
        # mode polls for the ack every 10 ms). Web API work goes to lazy listeners, after Slack has its 200.
        process_before_response=True,
    )
    # Bolt reads SLACK_BOT_TOKEN itself and warns when a `client` is passed too, so the client it built is
    # pointed at the configured Web API instead (every per-request client copies these).
    app.client.base_url = settings.api_url
    app.client.timeout = WEB_API_TIMEOUT
    if oauth:
        app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked: delete from the store
    app.use(ignore_bots_and_subtypes)
    app.use(dedupe_events(seen or SeenEvents()))
    app.error(log_error)
    listeners.register(app, engine)
    return app
