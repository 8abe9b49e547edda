"""The HTTP entry point for production: `gunicorn --preload ... bot.slack.wsgi:application`.

`application` is built from the environment the first time it is looked up (gunicorn does so once, in
the master process with `--preload`, before forking workers), so importing this module is free and
tests can build the very same WSGI app with `create_application(settings, engine)`.

Routes: `POST /slack/events` (events, `/cpt`, and interactivity all arrive here; the signature is checked
by bot.slack.verify.SignedOnly before anything parses the body, then again by Bolt), `GET /healthz` (200
once the engine is loaded: a load balancer's readiness check). Anything else is a 404.

`/cpt` is most of the traffic and is answered in its ack, so with one bot token it skips Bolt: SignedOnly
has checked the signature and parsed the form, and Bolt's dispatch (its second signature check, its
middleware chain, the argument injection of each step: as much CPU as the engine's answer to an everyday
question) would change nothing in the reply, which comes from the same `command_reply` Bolt's listener
uses. With many workspaces (OAuth) Bolt keeps it, to refuse a workspace that has not installed the app.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.engine import Engine, keep_loaded
from bot.slack.dedup import SeenEvents
from bot.slack.identity import BotIdentity
from bot.slack.settings import Settings, SettingsError, load_settings

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def create_application(settings: Settings, engine: Engine, seen: SeenEvents | None = None) -> WsgiApp:
    """The WSGI callable: Bolt's WSGI adapter on /slack/events, plus /healthz."""
    from bot.slack.app import bot_identity, build_app
    from bot.slack.verify import SignedOnly

    identity = bot_identity(settings)
    bolt = SlackRequestHandler(build_app(settings, engine, seen, identity), path=EVENTS_PATH)
    signed = SignedOnly(bolt if identity is None else answering_commands(bolt, engine, identity),
                        settings.signing_secret or "", EVENTS_PATH)
    health = b'{"ok": true}\n'

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", [("content-type", "application/json"), ("content-length", str(len(health)))])
            return [health] if environ["REQUEST_METHOD"] == "GET" else [b""]
        return signed(environ, start_response)

    return application


def answering_commands(bolt: WsgiApp, engine: Engine, identity: BotIdentity) -> WsgiApp:
    """`/cpt` answered from the fields SignedOnly parsed (see the module docstring); the rest goes to Bolt.

    Only a plain slash command qualifies: Slack's `ssl_check` pings and anything else keep Bolt's handling.
    Like Bolt's `authorize`, the first `/cpt` of a process starts the background `auth.test` (the ids serve
    the mentions and DMs that follow; the command itself needs none).
    """
    from bot.slack.listeners.commands import COMMAND, command_reply
    from bot.slack.messages import log_failure
    from bot.slack.verify import FORM_FIELDS

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        fields = environ.get(FORM_FIELDS)
        if not fields or fields.get("command") != COMMAND or "ssl_check" in fields:
            return bolt(environ, start_response)
        identity.learn_in_background()
        try:
            body = json.dumps(command_reply(engine, fields)).encode()
        except Exception as error:  # a rendering bug: logged without the request, as Bolt's error hook does
            log_failure("command", error)
            start_response("500 Internal Server Error", [("content-length", "0")])
            return [b""]
        start_response("200 OK", [("content-type", "application/json;charset=utf-8"),
                                  ("content-length", str(len(body)))])
        return [body]

    return application


def application_from_env() -> WsgiApp:
    """Settings from the environment, the shipped knowledge base, and a ledger shared by all workers.

    A bad setting or knowledge base ends the process with a clear message (status 2 or 1): under
    `--preload` this happens in gunicorn's master, before any worker starts.
    """
    from bot.slack.logs import configure_logging
    from bot.yamlfile import KnowledgeError

    try:
        settings = load_settings(http=True)
    except SettingsError as exc:
        print(f"cptbot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.secrets())
    try:
        engine = Engine.load()
    except KnowledgeError as exc:
        print("cptbot: the knowledge base has problems:", *exc.problems, sep="\n  ", file=sys.stderr)
        raise SystemExit(1) from None
    keep_loaded(engine)
    return create_application_or_exit(settings, engine)


def create_application_or_exit(settings: Settings, engine: Engine) -> WsgiApp:
    """`create_application` with the server's event ledger; a database it cannot use ends the process (1)."""
    from bot.database import DatabaseError
    from bot.slack.ledger import ledger_for

    try:
        return create_application(settings, engine, ledger_for(settings.database_url, settings.port))
    except DatabaseError as exc:
        print(f"cptbot: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


_built: WsgiApp | None = None


def __getattr__(name: str) -> WsgiApp:
    global _built
    if name != "application":
        raise AttributeError(name)
    if _built is None:
        _built = application_from_env()
    return _built
