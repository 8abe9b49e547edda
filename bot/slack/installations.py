"""Where each workspace's installation lives, and how a request finds its bot token without a Web API call.

slack_sdk's SQLAlchemy stores keep the installations (one row per install, bot token, refresh token and
expiry) and the OAuth `state` values of installs in progress. They go in the shared database
(`DATABASE_URL`), or in `slack.sqlite3` in the data directory for a single server.

`StoredBotAuthorize` is how a request is tied to its workspace: it reads the workspace's bot from the
store and builds Bolt's `AuthorizeResult` from the ids saved at install time. Bolt's own
`InstallationStoreAuthorize` calls `auth.test` for that, which puts Slack's Web API on the path of every
`/cpt` answer (a slow or failing `auth.test` would break Slack's three seconds). The only Web API call left
here is the token refresh (`oauth.v2.access`), when a rotating token is within two hours of expiry.
"""

from __future__ import annotations

import logging

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.database import Database

log = logging.getLogger("bot.slack")
STATE_EXPIRATION_SECONDS = 600  # an install started and not finished within ten minutes starts again
ROTATE_MINUTES_BEFORE_EXPIRY = 120


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, with its engine taken from `Database` on every use (so never across a fork)."""

    def __init__(self, client_id: str, database: Database):
        self.database = database
        super().__init__(client_id=client_id, engine=None, logger=log)  # type: ignore[arg-type]

    @property  # type: ignore[override]
    def engine(self):
        return self.database.engine

    @engine.setter
    def engine(self, value) -> None:
        pass  # the base class assigns its constructor argument; the database decides

    def create_tables(self) -> None:
        self.database.create_tables(self.metadata.create_all)


class OAuthStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's OAuth state store (one-use `state` values), per-process engine like `InstallationStore`."""

    def __init__(self, database: Database, expiration_seconds: int = STATE_EXPIRATION_SECONDS):
        self.database = database
        super().__init__(expiration_seconds=expiration_seconds, engine=None, logger=log)  # type: ignore[arg-type]

    @property  # type: ignore[override]
    def engine(self):
        return self.database.engine

    @engine.setter
    def engine(self, value) -> None:
        pass

    def create_tables(self) -> None:
        self.database.create_tables(self.metadata.create_all)


class StoredBotAuthorize(Authorize):
    """The workspace's bot from the installation store; its token refreshed when it is about to expire."""

    def __init__(self, store: InstallationStore, rotator: TokenRotator | None,
                 token_rotation_expiration_minutes: int = ROTATE_MINUTES_BEFORE_EXPIRY):
        super().__init__()
        self.store = store
        self.rotator = rotator
        # Bolt assigns this from OAuthSettings after construction.
        self.token_rotation_expiration_minutes = token_rotation_expiration_minutes

    def __call__(self, *, context: BoltContext, enterprise_id: str | None, team_id: str | None,
                 user_id: str | None, **_actor) -> AuthorizeResult | None:
        bot = self.store.find_bot(enterprise_id=enterprise_id, team_id=team_id,
                                  is_enterprise_install=bool(context.is_enterprise_install))
        if bot is None:
            log.warning("no installation for this workspace (team %s): it must install the app again", team_id)
            return None
        if self.rotator is not None and bot.bot_refresh_token:
            try:
                refreshed = self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=self.token_rotation_expiration_minutes)
            except SlackTokenRotationError as exc:
                log.warning("bot token refresh failed for team %s: %s", team_id,
                            exc.api_error.response.get("error", "unknown error"))
                refreshed = None
            if refreshed is not None:
                self.store.save_bot(refreshed)
                bot = refreshed
        return AuthorizeResult(enterprise_id=bot.enterprise_id, team_id=bot.team_id, team=bot.team_name,
                               bot_user_id=bot.bot_user_id, bot_id=bot.bot_id, bot_token=bot.bot_token,
                               bot_scopes=bot.bot_scopes)
