"""Slack settings from the environment, checked before anything connects.

A wrong setting is the most common way a new install fails, so each problem is reported as one sentence
that names the variable and says what it should look like. The value itself is never repeated: a
token pasted into the wrong variable must not end up in a terminal, a log or a CI transcript.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from bot.record import Record

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
_BOT_TOKEN = re.compile(r"xoxb-[A-Za-z0-9-]{8,}")
_APP_TOKEN = re.compile(r"xapp-[A-Za-z0-9-]{8,}")
_SIGNING_SECRET = re.compile(r"[0-9a-fA-F]{16,128}")
_CLIENT_ID = re.compile(r"[0-9]{4,}\.[0-9]{4,}")
_CLIENT_SECRET = re.compile(r"[0-9a-fA-F]{16,128}")


class SettingsError(Exception):
    """A missing or malformed setting; `str(error)` is one sentence naming the variable, never its value."""

    def __init__(self, variable: str, sentence: str):
        super().__init__(sentence)
        self.variable = variable


_SECRET_FIELDS = frozenset({"bot_token", "signing_secret", "app_token", "client_secret", "database_url"})


class Settings(Record, frozen=True):
    """What the Slack app needs; secrets are left out of `repr` so a stray print cannot leak them."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    port: int = DEFAULT_PORT
    api_url: str = DEFAULT_API_URL
    # Installing in many workspaces (OAuth) instead of one bot token: the app's client id and secret.
    client_id: str | None = None
    client_secret: str | None = None
    # DATABASE_URL, normalized (postgresql+psycopg://...): shared installations, event ledger, preferences.
    database_url: str | None = None

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_fields__
                          if name not in _SECRET_FIELDS)
        return f"Settings({shown})"

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is given (no public URL needed), HTTP otherwise."""
        return self.app_token is not None

    @property
    def oauth(self) -> bool:
        """Many workspaces: each installs the app through /slack/install and gets its own bot token."""
        return self.client_id is not None

    def secrets(self) -> tuple[str, ...]:
        """The secret values, for the log filter that keeps them out of every line."""
        values = [self.bot_token, self.signing_secret, self.app_token, self.client_secret, self.database_url]
        if self.database_url:
            from sqlalchemy.engine import make_url

            values.append(make_url(self.database_url).password)  # type: ignore[arg-type]
        return tuple(s for s in values if isinstance(s, str) and s)


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _bot_token(env: Mapping[str, str]) -> str:
    value = _get(env, "SLACK_BOT_TOKEN")
    if value is None:
        raise SettingsError("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token "
                            "(xoxb-...) from your Slack app's OAuth & Permissions page.")
    if not _BOT_TOKEN.fullmatch(value):
        raise SettingsError("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN does not look like a bot token: it should "
                            "start with xoxb- (the Bot User OAuth Token, not a user or app-level token).")
    return value


def _app_token(env: Mapping[str, str]) -> str | None:
    value = _get(env, "SLACK_APP_TOKEN")
    if value is not None and not _APP_TOKEN.fullmatch(value):
        raise SettingsError("SLACK_APP_TOKEN", "SLACK_APP_TOKEN does not look like an app-level token: it "
                            "should start with xapp- (Basic Information > App-Level Tokens, scope "
                            "connections:write).")
    return value


def _signing_secret(env: Mapping[str, str]) -> str:
    value = _get(env, "SLACK_SIGNING_SECRET")
    if value is None:
        raise SettingsError("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to "
                            "check that requests come from Slack (Basic Information > App Credentials), "
                            "or set SLACK_APP_TOKEN to use Socket Mode instead.")
    if not _SIGNING_SECRET.fullmatch(value):
        raise SettingsError("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET does not look like a signing "
                            "secret: it should be the hexadecimal string shown under Basic Information > "
                            "App Credentials.")
    return value


def _port(env: Mapping[str, str], port: int | None) -> int:
    if port is not None:
        text = str(port)
        name = "--port"
    else:
        text = _get(env, "PORT") or str(DEFAULT_PORT)
        name = "PORT"
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise SettingsError(name, f"{name} must be a whole number from 1 to 65535.")
    return int(text)


def _api_url(env: Mapping[str, str]) -> str:
    value = _get(env, "CPTBOT_SLACK_API_URL") or DEFAULT_API_URL
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingsError("CPTBOT_SLACK_API_URL", "CPTBOT_SLACK_API_URL must be the http(s) base URL of "
                            f"Slack's Web API, such as {DEFAULT_API_URL} (or leave it unset).")
    return value if value.endswith("/") else value + "/"


def _client(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(client id, client secret) when the app installs through OAuth, None for one bot token."""
    client_id, secret = _get(env, "SLACK_CLIENT_ID"), _get(env, "SLACK_CLIENT_SECRET")
    if client_id is None and secret is None:
        return None
    if _get(env, "SLACK_BOT_TOKEN") is not None:
        raise SettingsError("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: set "
                            "SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to be "
                            "installed in many workspaces, not both.")
    if client_id is None or not _CLIENT_ID.fullmatch(client_id):
        raise SettingsError("SLACK_CLIENT_ID", "SLACK_CLIENT_ID is " + ("not set" if client_id is None else
                            "not a client id") + ": copy the Client ID (digits.digits) from Basic Information > "
                            "App Credentials.")
    if secret is None or not _CLIENT_SECRET.fullmatch(secret):
        raise SettingsError("SLACK_CLIENT_SECRET", "SLACK_CLIENT_SECRET is " + ("not set" if secret is None else
                            "not a client secret") + ": copy the Client Secret (hexadecimal) from Basic "
                            "Information > App Credentials.")
    return client_id, secret


def _database_url(env: Mapping[str, str]) -> str | None:
    if _get(env, "DATABASE_URL") is None:
        return None
    from bot.database import DatabaseError, url_from_env

    try:
        return url_from_env(env)
    except DatabaseError as exc:
        raise SettingsError("DATABASE_URL", str(exc)) from None


def load_settings(env: Mapping[str, str] | None = None, *, http: bool = False, port: int | None = None) -> Settings:
    """Read and check the settings for one way of running.

    Socket Mode (the default when SLACK_APP_TOKEN is set) needs the bot and app tokens; HTTP (`http=True`,
    or no app token) needs the bot token and the signing secret. Raises SettingsError on the first problem.
    """
    env = os.environ if env is None else env
    database_url = _database_url(env)
    client = _client(env)
    if client is not None:
        if not http and _get(env, "SLACK_APP_TOKEN") is not None:
            raise SettingsError("SLACK_APP_TOKEN", "SLACK_APP_TOKEN is set with SLACK_CLIENT_ID: installing in "
                                "many workspaces needs HTTP (the /slack/install page); unset SLACK_APP_TOKEN or "
                                "use `cptbot serve --http`.")
        return Settings(client_id=client[0], client_secret=client[1], signing_secret=_signing_secret(env),
                        port=_port(env, port), api_url=_api_url(env), database_url=database_url)
    bot_token = _bot_token(env)
    api_url = _api_url(env)
    app_token = None if http else _app_token(env)
    if app_token is not None:
        return Settings(bot_token=bot_token, app_token=app_token, api_url=api_url,
                        signing_secret=_get(env, "SLACK_SIGNING_SECRET"), port=DEFAULT_PORT,
                        database_url=database_url)
    return Settings(bot_token=bot_token, signing_secret=_signing_secret(env), port=_port(env, port),
                    api_url=api_url, database_url=database_url)
