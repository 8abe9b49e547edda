"""Slack's request signature, checked at the WSGI edge before anything parses the body.

Bolt checks the signature too, but only after its adapter has decoded and parsed the body: an unsigned
`{bad`, `[1]`, invalid UTF-8 or `payload=%7Bx` then ends in a 500 with a traceback, a non-numeric
`X-Slack-Request-Timestamp` raises, and Bolt's refusal line logs the whole body. `SignedOnly` wraps the
WSGI app and, for a POST to the events path, in this order:

1. the two headers must be there and well formed (`v0=` and 64 hex digits; a timestamp of digits within
   five minutes of now) - else 401, and the body is never read;
2. the body is read (at most MAX_BODY bytes, with a read timeout on the socket, so a client that sends the
   headers and then stalls frees its thread within READ_TIMEOUT seconds: 408 and the connection closed);
3. HMAC-SHA256 over `v0:{timestamp}:{raw bytes}`, compared in constant time - else 401;
4. only a correctly signed body is looked at: it must be UTF-8 and, as JSON or as a form's `payload`
   field, a JSON object - else 400 (only Slack, or someone holding the secret, gets that far).

Then the app gets the same bytes, and a form without a `payload` (a slash command) also as its fields,
parsed once here: `environ[FORM_FIELDS]` (bot.slack.wsgi answers `/cpt` from them). Refusals are logged
as counts and fixed reasons, at most one line a minute (an attacker cannot grow the log or forge lines);
nothing the request carried is ever logged.
"""

from __future__ import annotations

import contextlib
import hmac
import io
import json
import logging
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

MAX_BODY = 2 * 1024 * 1024  # bytes; Slack's largest payloads (views, long messages) are far below this
MAX_AGE = 5 * 60  # seconds, Slack's own rule for the request timestamp
READ_TIMEOUT = 2.0  # seconds a body read may wait for the next bytes (Slack sends a body at once)
LOG_EVERY = 60.0  # seconds between two refusal summaries
FORM_FIELDS = "cptbot.form_fields"  # the environ key of a signed form's fields
_SIGNATURE = re.compile(rb"v0=[0-9a-f]{64}")
_TIMESTAMP = re.compile(rb"[0-9]{1,12}")

log = logging.getLogger("bot.slack")
WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class _Refusals:
    """Counts refusals by reason and logs a summary at most once per LOG_EVERY seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._counts: Counter[str] = Counter()
        self._logged_at = float("-inf")
        self._lock = threading.Lock()

    def add(self, reason: str) -> None:
        with self._lock:
            self._counts[reason] += 1
            now = self._clock()
            if now - self._logged_at < LOG_EVERY:
                return
            summary = ", ".join(f"{n} {why}" for why, n in sorted(self._counts.items()))
            self._counts.clear()
            self._logged_at = now
        log.warning("refused requests to /slack/events: %s", summary)


def _header(environ: dict, name: str) -> bytes | None:
    value = environ.get(name)
    if not isinstance(value, str):
        return None
    return value.strip().encode("latin-1", errors="replace")


def signature_ok(secret: bytes, timestamp: bytes, body: bytes, signature: bytes) -> bool:
    """Slack's scheme: `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{body}`)."""
    expected = b"v0=" + hmac.digest(secret, b"v0:" + timestamp + b":" + body, "sha256").hex().encode()
    return hmac.compare_digest(expected, signature)


_UNREADABLE = object()


def _parsed(body: bytes, content_type: str) -> dict[str, str] | object | None:
    """A signed body Bolt can parse without raising: UTF-8, and a JSON object where JSON is expected.

    The fields of a form that is not a JSON `payload` (a slash command; the last of repeated fields, as
    Bolt reads them), None for other bodies Bolt can read, `_UNREADABLE` for the rest.
    """
    try:
        text = body.decode("utf-8")
        if "json" in content_type or text.startswith("{"):  # Bolt reads either as JSON
            return None if isinstance(json.loads(text), dict) else _UNREADABLE
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in fields:
            return None if isinstance(json.loads(fields["payload"]), dict) else _UNREADABLE
        return fields
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _UNREADABLE


class SignedOnly:
    """WSGI middleware: POSTs to `path` reach `app` only when Slack signed them (see the module docstring)."""

    def __init__(self, app: WsgiApp, signing_secret: str, path: str, clock: Callable[[], float] = time.time):
        self.app = app
        self.secret = signing_secret.encode()
        self.path = path
        self.clock = clock
        self.refusals = _Refusals()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        timestamp = _header(environ, "HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = _header(environ, "HTTP_X_SLACK_SIGNATURE")
        if not timestamp or not signature:
            return self._refuse(environ, start_response, 401, "without a signature")
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return self._refuse(environ, start_response, 401, "with a malformed signature or timestamp")
        if abs(self.clock() - int(timestamp)) > MAX_AGE:
            return self._refuse(environ, start_response, 401, "with a stale timestamp")
        length_text = environ.get("CONTENT_LENGTH") or ""
        if length_text and (not length_text.isdigit() or int(length_text) > MAX_BODY):
            return self._refuse(environ, start_response, 413, "too large")
        body = self._read(environ, int(length_text) if length_text else None)
        if body is None:
            return self._refuse(environ, start_response, 408, "stalled or cut off")
        if len(body) > MAX_BODY:
            return self._refuse(environ, start_response, 413, "too large")
        if not signature_ok(self.secret, timestamp, body, signature):
            return self._refuse(environ, start_response, 401, "with a wrong signature")
        fields = _parsed(body, environ.get("CONTENT_TYPE") or "")
        if fields is _UNREADABLE:
            return self._refuse(environ, start_response, 400, "signed but unreadable")
        if fields is not None:
            environ[FORM_FIELDS] = fields
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    @staticmethod
    def _read(environ: dict, length: int | None) -> bytes | None:
        """The body, or None when the client stalls past READ_TIMEOUT or disconnects mid-body."""
        stream = environ.get("wsgi.input")
        if stream is None:
            return b""
        sock = environ.get("gunicorn.socket")
        if isinstance(sock, socket.socket):
            try:
                sock.settimeout(READ_TIMEOUT)
            except OSError:
                return None
        try:
            body = stream.read(length if length is not None else MAX_BODY + 1)
        except (OSError, ValueError):  # socket.timeout is an OSError; gunicorn's reader raises on a cut body
            return None
        except Exception as exc:  # gunicorn's NoMoreData and friends: the client went away
            if type(exc).__module__.startswith("gunicorn"):
                return None
            raise
        finally:
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.settimeout(None)  # gunicorn's own blocking mode, for writing the reply
        if length is not None and len(body) < length:
            return None
        return body

    def _refuse(self, environ: dict, start_response: Callable, status: int, reason: str) -> list[bytes]:
        """The refusal, and under gunicorn the connection closed: an unread body is not drained (a stalled
        one would hold the thread), and a client sending garbage keeps no connection. (PEP 3333 forbids the
        hop-by-hop `Connection` header; gunicorn honours it, other servers get none.)"""
        self.refusals.add(reason)
        text = {400: "400 Bad Request", 401: "401 Unauthorized", 408: "408 Request Timeout",
                413: "413 Payload Too Large"}[status]
        body = json.dumps({"error": text[4:].lower()}).encode()
        headers = [("content-type", "application/json"), ("content-length", str(len(body)))]
        if "gunicorn.socket" in environ:
            headers.append(("connection", "close"))
        start_response(text, headers)
        return [body]
