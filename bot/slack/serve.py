"""`cptbot serve`: run the Slack app over Socket Mode or HTTP.

Socket Mode (SLACK_APP_TOKEN set, no `--http`) opens an outgoing WebSocket to Slack: no public URL, one
process, right for a laptop or a `worker:` dyno. HTTP (`--http`, or no app token) runs gunicorn, the
same production server as the Procfile's `web:` line, with the app loaded once before the workers fork.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable

from bot.engine import Engine
from bot.slack.logs import configure_logging
from bot.slack.settings import Settings

log = logging.getLogger("bot.slack")
GUNICORN_SETTINGS = ("workers", "threads", "worker_class", "worker_connections", "preload_app", "keepalive",
                     "timeout", "graceful_timeout", "accesslog", "loglevel", "logger_class")


def serve(settings: Settings, engine: Engine, host: str = "0.0.0.0") -> int:
    use_utc()
    configure_logging(settings.secrets())
    if settings.socket_mode:
        return serve_socket_mode(settings, engine)
    return serve_http(settings, engine, host)


def use_utc() -> None:
    """Run in UTC: token expiry and OAuth state times are stored without a zone (slack_sdk's SQLAlchemy
    stores), so every instance must read them in the same one."""
    os.environ["TZ"] = "UTC"
    if hasattr(time, "tzset"):
        time.tzset()


def serve_socket_mode(settings: Settings, engine: Engine) -> int:
    """Connect and serve until interrupted; 1, with the reason logged, when Slack refuses the connection."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.slack.app import build_app

    log.info("connecting to Slack over Socket Mode")
    handler = SocketModeHandler(build_app(settings, engine), app_token=settings.app_token)
    try:
        handler.connect()
    except SlackApiError as err:
        log.error("Slack refused the Socket Mode connection: %s (check SLACK_APP_TOKEN and that Socket Mode "
                  "is on)", err.response.get("error", "unknown error"))
        return 1
    except (SlackClientError, OSError) as err:
        log.error("cannot connect to Slack over Socket Mode: %s", type(err).__name__)
        return 1
    log.info("connected to Slack over Socket Mode; Ctrl-C stops")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # a platform stopping the worker: close cleanly
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()
        log.info("disconnected from Slack")
    return 0


def gunicorn_options(bind: str) -> dict:
    """The Procfile's gunicorn settings (bot.slack.gunicorn_conf) with the address to listen on."""
    from bot.slack import gunicorn_conf

    return {**{key: getattr(gunicorn_conf, key) for key in GUNICORN_SETTINGS}, "bind": bind}


def serve_http(settings: Settings, engine: Engine, host: str = "0.0.0.0") -> int:
    from bot.slack.wsgi import create_application_or_exit

    app = create_application_or_exit(settings, engine)
    log.info("serving HTTP on %s:%d (POST /slack/events, GET /healthz)", host, settings.port)
    run_gunicorn(app, gunicorn_options(f"{host}:{settings.port}"))
    return 0


def run_gunicorn(app: Callable, options: dict) -> None:
    """gunicorn with an already-built WSGI app (the master loads it once; workers inherit it)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Callable:
            return app

    Server().run()
