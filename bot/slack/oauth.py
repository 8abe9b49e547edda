"""Installing cptbot in many workspaces: Slack's OAuth flow through Bolt, with stores in a database.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set (instead of SLACK_BOT_TOKEN), a workspace admin opens
`https://YOUR-HOST/slack/install`, presses **Add to Slack**, approves the scopes, and Slack sends the browser
back to `/slack/oauth_redirect` with a one-use code. Bolt checks the `state` (kept in the database, so the
redirect may land on another instance than the install page) and exchanges the code at `oauth.v2.access`
for the workspace's bot token, which goes into the installation store.

Token rotation is on (manifest `token_rotation_enabled: true`): bot tokens expire after 12 hours and are
refreshed with their refresh token shortly before (see `StoredBotAuthorize`). `app_uninstalled` deletes
every installation of the workspace; `tokens_revoked` deletes the revoked bot or user tokens (Bolt's
default listeners, run against our store).

Where: `DATABASE_URL` when set (several instances share it), else `slack.sqlite3` in the data directory.
"""

from __future__ import annotations

from pathlib import Path

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.exc import SQLAlchemyError

from bot.database import SQLITE_FILENAME, Database, DatabaseError, shared_database, sqlite_url
from bot.slack.installations import (
    ROTATE_MINUTES_BEFORE_EXPIRY,
    STATE_EXPIRATION_SECONDS,
    InstallationStore,
    OAuthStateStore,
    StoredBotAuthorize,
)
from bot.slack.settings import Settings

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes; manifest.yml lists the same (a test compares them).
SCOPES = ("commands", "app_mentions:read", "chat:write", "im:history", "im:read", "im:write")
WEB_API_TIMEOUT = 10


def installation_database(settings: Settings, data_dir: Path | None = None) -> Database:
    """The shared database, or the SQLite file in the data directory for a single server."""
    if settings.database_url:
        return shared_database(settings.database_url)
    if data_dir is None:
        from bot.store import default_data_dir

        data_dir = default_data_dir()
    return shared_database(sqlite_url(Path(data_dir) / SQLITE_FILENAME))


def oauth_app_options(settings: Settings, data_dir: Path | None = None) -> dict:
    """Keyword arguments for Bolt's `App` in OAuth mode: settings, stores and the no-`auth.test` authorize.

    The tables are created here (once, at start-up, under the database's lock), so a request never does.
    """
    assert settings.client_id and settings.client_secret, "OAuth mode needs the client id and secret"
    database = installation_database(settings, data_dir)
    installations = InstallationStore(settings.client_id, database)
    states = OAuthStateStore(database, STATE_EXPIRATION_SECONDS)
    try:
        database.create_tables(installations.metadata.create_all, states.metadata.create_all)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot use the installation database ({database.safe_url}): "
                            f"{type(exc).__name__}; check that it is reachable and writable.") from None
    # A refresh that Slack rate-limits (429: not processed) or that never reached it is tried again; a 5xx
    # is not, since the refresh may have happened and its refresh token been used.
    refresh_client = WebClient(base_url=settings.api_url, timeout=WEB_API_TIMEOUT,
                               retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2),
                                               ConnectionErrorRetryHandler(max_retry_count=1)])
    rotator = TokenRotator(client_id=settings.client_id, client_secret=settings.client_secret,
                           client=refresh_client)
    oauth_settings = OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(SCOPES),
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installations,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE_EXPIRY,
        state_store=states,
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
    )
    return {"oauth_settings": oauth_settings, "installation_store": installations,
            "authorize": StoredBotAuthorize(installations, rotator, ROTATE_MINUTES_BEFORE_EXPIRY)}
