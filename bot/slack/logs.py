"""Logging for the Slack app: event kinds and timings only, one line per record, and never a token.

The listeners log what happened (kind, status, milliseconds), never what was asked: a question can hold
patient details. Three guards hold for every line, whoever logs it:
- `RedactSecrets`: anything shaped like a Slack token and the configured secret values are replaced.
- `QuietLibraries`: Bolt and slack_sdk put request bodies in some lines (a refused signature, an unhandled
  request: "... (body: {...})"); of their records only the sentence before the first " (" is kept.
- `OneLineFormatter`: control characters (CR, LF, ESC, U+2028...) in a message are written as escapes, so
  nothing a request carries can start a new log line; a traceback's lines are indented under a `|`, and an
  exception's own message (a ValueError can quote the question) is withheld except for network and
  database errors.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import sys
import traceback
from collections.abc import Iterable

REDACTED = "[redacted]"
TOKEN_SHAPE = re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+")  # xoxe-: refresh tokens
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_QUIET = ("slack_bolt", "slack_sdk")
_TELLING = (OSError, sqlite3.Error)  # their messages name a host, a file or a lock, never a question


def one_line(text: str) -> str:
    """`text` with every control character escaped (`\\n`, `\\x1b`, `\\u2028`): it cannot break a line."""
    return _CONTROL.sub(lambda m: _ESCAPES.get(m.group(0)) or (
        f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}"), text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and traceback text with secrets removed (it never drops a record)."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class QuietLibraries(logging.Filter):
    """Keeps only the first sentence of Bolt's and slack_sdk's records: their details can hold a body."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(_QUIET):
            message = record.getMessage()
            first = message.split("\n", 1)[0].split(" (", 1)[0].strip()
            if first != message:
                record.msg, record.args = first, None
        return True


class OneLineFormatter(logging.Formatter):
    """A record as one line (control characters escaped), a traceback as indented lines below it."""

    def __init__(self, fmt: str = _FORMAT):
        super().__init__(fmt)

    def format(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.getMessage())
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        details: list[str] = []
        if record.exc_info and record.exc_info[1] is not None:
            details += exception_lines(record.exc_info[1])
        if record.stack_info:
            details += record.stack_info.splitlines()
        return "\n".join([line, *(f"  | {one_line(d)}" for d in details)])


def exception_lines(error: BaseException) -> list[str]:
    """Where `error` was raised (file, line, code) and its type; its message only for network/database errors."""
    lines: list[str] = []
    for frame in traceback.format_tb(error.__traceback__):
        lines += frame.rstrip("\n").split("\n")
    told = one_line(str(error))[:300] if isinstance(error, _TELLING) else "(message withheld)"
    lines.append(f"{type(error).__module__}.{type(error).__qualname__}: {told}")
    cause = error.__cause__ or error.__context__
    if cause is not None:
        lines.append(f"(while handling {type(cause).__qualname__})")
    return lines


def _guard(handler: logging.Handler, redactor: RedactSecrets) -> None:
    """Our formatter and filters on a handler (idempotent)."""
    handler.setFormatter(OneLineFormatter())
    for kind in (QuietLibraries, RedactSecrets):
        for old in [f for f in handler.filters if isinstance(f, kind)]:
            handler.removeFilter(old)
    handler.addFilter(QuietLibraries())
    handler.addFilter(redactor)


def configure_logging(secrets: Iterable[str] = (), level: int = logging.INFO) -> RedactSecrets:
    """One stderr handler on the root logger, filtered; safe to call more than once (it replaces its own)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_cptbot", False):
            root.removeHandler(handler)
    redactor = RedactSecrets(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler._cptbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for handler in root.handlers:
        _guard(handler, redactor)
    _configured[0] = redactor
    # The SDK's debug lines carry request bodies (questions); keep its chatter at warnings and above.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("slack_bolt").setLevel(max(level, logging.INFO))
    return redactor


_configured: list[RedactSecrets | None] = [None]


def _gunicorn_logger() -> type:
    from gunicorn.glogging import Logger

    class GunicornLogger(Logger):
        """gunicorn's own log (it does not propagate to the root) with the same guards as ours."""

        def setup(self, cfg) -> None:
            super().setup(cfg)
            redactor = _configured[0] or RedactSecrets()
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    _guard(handler, redactor)

    return GunicornLogger


def __getattr__(name: str) -> type:
    # gunicorn's `logger_class = "bot.slack.logs.GunicornLogger"`; built on first use so that importing this
    # module does not import gunicorn (Socket Mode and the CLI never need it).
    if name == "GunicornLogger":
        return _gunicorn_logger()
    raise AttributeError(name)
