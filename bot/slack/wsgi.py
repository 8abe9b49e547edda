"""The HTTP entry point for production: `gunicorn --preload ... bot.slack.wsgi:application`.

`application` is built from the environment the first time it is looked up (gunicorn does so once, in
the master process with `--preload`, before forking workers), so importing this module is free and
tests can build the very same WSGI app with `create_application(settings, engine)`.

Routes: `POST /slack/events` (events, `/cpt`, and interactivity all arrive here; the signature is checked
by bot.slack.verify.SignedOnly before anything parses the body, then again by Bolt), `GET /healthz` (200
once the engine is loaded: a load balancer's readiness check). Anything else is a 404.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.engine import Engine
from bot.slack.dedup import SeenEvents
from bot.slack.settings import Settings, SettingsError, load_settings

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def create_application(settings: Settings, engine: Engine, seen: SeenEvents | None = None) -> WsgiApp:
    """The WSGI callable: Bolt's WSGI adapter on /slack/events, plus /healthz."""
    from bot.slack.app import build_app
    from bot.slack.verify import SignedOnly

    bolt = SignedOnly(SlackRequestHandler(build_app(settings, engine, seen), path=EVENTS_PATH),
                      settings.signing_secret or "", EVENTS_PATH)
    health = b'{"ok": true}\n'

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", [("content-type", "application/json"), ("content-length", str(len(health)))])
            return [health] if environ["REQUEST_METHOD"] == "GET" else [b""]
        return bolt(environ, start_response)

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
