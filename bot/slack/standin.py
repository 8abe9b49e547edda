"""A local stand-in for Slack's Web API and response URLs that records every call.

Tests and `cptbot bench-slack` point the app at it (CPTBOT_SLACK_API_URL, and `response_url`s rewritten
to it) so the real app makes real HTTP calls without a Slack account. It answers like Slack does in
shape: `{"ok": true, ...}` with a `ts` for chat.postMessage and the bot's identity for auth.test.
`oauth.v2.access` answers like Slack's OAuth: a code is exchanged for a new workspace installation (a
rotating bot token that lives `token_lifetime` seconds, and its refresh token), and a refresh token for a
new bot token; the tokens it handed out are in `issued`.
`failing` makes Web API methods fail (`{"chat.postMessage": "invalid_auth"}`, or `"*"` for all) and, like
a careless server, echo the Authorization header back: a test can prove the token never reaches a log.
`statuses` makes the next calls of a method answer with HTTP statuses (`{"chat.postMessage": [429, 500]}`:
a 429 carries `Retry-After: 1`), one per call, then normally; `delays` holds a method's answer back
(`{"auth.test": 5.0}` seconds; such a call is recorded when it arrives).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from bot.record import Record, field

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T111"
ENTERPRISE_ID = "E111"  # the org of the workspace in ../shared/slack/payloads


class Call(Record):
    """One request the app made: `method` is the Web API method or the path of a response URL."""

    path: str
    body: dict
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1] if self.path.startswith("/api/") else self.path


class StandIn:
    """The server; use as a context manager. `api_url` is its Web API base, `url(path)` any other URL."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failing: dict[str, str] = {}
        self.replies: dict[str, dict] = {}  # a method's whole reply, e.g. apps.connections.open's `url`
        self.token_lifetime = 43200  # seconds, as Slack's rotating tokens
        self.enterprise_id: str | None = ENTERPRISE_ID
        self.issued: list[str] = []  # bot tokens handed out by oauth.v2.access, oldest first
        self.statuses: dict[str, list[int]] = {}
        self.delays: dict[str, float] = {}
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def clear(self) -> None:
        with self._cond:
            self.calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """The calls to `method` once there are `count` of them (or whatever arrived by `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method]
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self._cond.wait(left)

    def settle(self, quiet: float = 0.3, timeout: float = 3.0) -> list[Call]:
        """Every call, once none has arrived for `quiet` seconds: for asserting that nothing was sent."""
        deadline = time.monotonic() + timeout
        with self._cond:
            seen = len(self.calls)
            while time.monotonic() < deadline:
                self._cond.wait(quiet)
                if len(self.calls) == seen:
                    break
                seen = len(self.calls)
            return list(self.calls)

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _reply(self, call: Call, headers: dict[str, str]) -> dict:
        if not call.path.startswith("/api/"):
            return {"ok": True}
        error = self.failing.get(call.method) or self.failing.get("*")
        if error:
            return {"ok": False, "error": error, "echo": headers.get("authorization", "")}
        if call.method in self.replies:
            return self.replies[call.method]
        if call.method == "auth.test":
            return {"ok": True, "url": "https://example.slack.com/", "team": "Example", "user": "cptbot",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}
        if call.method == "oauth.v2.access":
            return self._oauth_access(call.body)
        if call.method == "chat.postMessage":
            return {"ok": True, "channel": call.body.get("channel"), "ts": f"{time.time():.6f}",
                    "message": {"text": call.body.get("text"), "bot_id": BOT_ID}}
        return {"ok": True}

    def _oauth_access(self, body: dict) -> dict:
        with self._cond:
            n = len(self.issued) + 1
            token = f"xoxe.xoxb-1-OAuthBotToken{n:04d}"
            self.issued.append(token)
        team = body.get("code", "").partition("-")[2] or TEAM_ID  # code "anything-T222" installs in T222
        tokens = {"access_token": token, "refresh_token": f"xoxe-1-RefreshToken{n:04d}", "token_type": "bot",
                  "expires_in": self.token_lifetime}
        if body.get("grant_type") == "refresh_token":
            if not str(body.get("refresh_token", "")).startswith("xoxe-1-"):
                return {"ok": False, "error": "invalid_refresh_token"}
            return {"ok": True, **tokens}
        if not body.get("code"):
            return {"ok": False, "error": "invalid_code"}
        return {"ok": True, "app_id": "A0CPTBOT", "authed_user": {"id": "U0ADMIN"}, "bot_user_id": BOT_USER_ID,
                "scope": "commands,app_mentions:read,chat:write,im:history,im:read,im:write",
                "team": {"id": team, "name": "Example"}, "is_enterprise_install": False,
                "enterprise": {"id": self.enterprise_id, "name": "Example Org"} if self.enterprise_id else None,
                **tokens}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode("utf-8")
                kind = self.headers.get("content-type") or ""
                if "json" in kind:
                    body = json.loads(raw or "{}")
                else:
                    body = dict(parse_qsl(raw, keep_blank_values=True))
                    for key in ("blocks", "attachments", "view"):
                        if isinstance(body.get(key), str):
                            body[key] = json.loads(body[key])
                headers = {k.lower(): v for k, v in self.headers.items()}
                call = Call(path=self.path, body=body, headers=headers)
                delay = standin.delays.get(call.method, 0.0)
                if delay:  # a held-back call is recorded when it arrives
                    standin._record(call)
                    time.sleep(delay)
                with standin._cond:
                    scripted = standin.statuses.get(call.method) or []
                    status = scripted.pop(0) if scripted else 200
                if status == 200:
                    reply = json.dumps(standin._reply(call, headers)).encode()
                else:
                    reply = json.dumps({"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}
                                       ).encode()
                if not delay:
                    standin._record(call)
                try:
                    self.send_response(status)
                    if status == 429:
                        self.send_header("retry-after", "1")
                    self.send_header("content-type", "application/json; charset=utf-8")
                    self.send_header("content-length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the app gave up waiting (a held-back answer): nothing to tell it

            def log_message(self, format: str, *args) -> None:
                pass

        return Handler
