"""The real app behind its real HTTP endpoint, and a stand-in for Slack's Web API that records every call.

`slack` runs `bot.slack.wsgi.create_application` (what gunicorn serves as `bot.slack.wsgi:application`)
in a threaded WSGI server on 127.0.0.1, with settings pointing its Web API calls at the stand-in. Each
test gets a fresh app (its own memory of seen events) and a fresh stand-in.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bot.engine import Engine
from bot.slack.settings import Settings
from bot.slack.standin import StandIn
from bot.slack.wsgi import create_application
from tests.slack import slack_requests as sr


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


@dataclass
class SlackApp:
    """The running app: `url` is its /slack/events endpoint; `standin` is the Web API it calls."""

    base: str
    standin: StandIn

    @property
    def url(self) -> str:
        return self.base + "/slack/events"

    def send(self, body: str | dict, **kwargs) -> sr.Reply:
        return sr.post(self.url, body, **kwargs)

    def posts(self, count: int = 1, timeout: float = 5.0) -> list:
        return self.standin.wait_for("chat.postMessage", count, timeout)

    def response_url(self, name: str = "commands/T111/111/xxxxx") -> str:
        return self.standin.url(name)

    def responses(self, name: str = "commands/T111/111/xxxxx", count: int = 1, timeout: float = 5.0) -> list:
        return self.standin.wait_for("/" + name, count, timeout)

    def quiet_calls(self) -> list:
        """Every call except the bot's one-time identity check, once the app has gone quiet."""
        return [c for c in self.standin.settle() if c.method != "auth.test"]


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


@pytest.fixture
def slack(engine: Engine, standin: StandIn) -> Iterator[SlackApp]:
    settings = Settings(bot_token=sr.BOT_TOKEN, signing_secret=sr.SIGNING_SECRET, api_url=standin.api_url)
    server = make_server("127.0.0.1", 0, create_application(settings, engine),
                         server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield SlackApp(f"http://127.0.0.1:{server.server_address[1]}", standin)
    finally:
        server.shutdown()
        server.server_close()
