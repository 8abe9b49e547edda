"""Logging for the Slack app: event kinds and timings only, and never a token.

The listeners log what happened (kind, status, milliseconds), never what was asked: a question can hold
patient details. `RedactSecrets` is the belt to those braces: whatever a library puts in a log line or a
traceback (an error body, a request dump), anything shaped like a Slack token and the configured secret
values are replaced before the line is written.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

REDACTED = "[redacted]"
TOKEN_SHAPE = re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+")  # xoxe-: refresh tokens
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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


def configure_logging(secrets: Iterable[str] = (), level: int = logging.INFO) -> RedactSecrets:
    """One stderr handler on the root logger, filtered; safe to call more than once (it replaces its own)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_cptbot", False):
            root.removeHandler(handler)
    redactor = RedactSecrets(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler._cptbot = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(redactor)
    root.addHandler(handler)
    root.setLevel(level)
    for handler in root.handlers:
        if redactor not in handler.filters:
            handler.addFilter(redactor)
    # The SDK's debug lines carry request bodies (questions); keep its chatter at warnings and above.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("slack_bolt").setLevel(max(level, logging.INFO))
    return redactor
