"""Loggers made when they first log.

Importing `logging` (with the `traceback`, `string` and `threading` it brings) is a noticeable part of a
one-question `cptbot ask`, and a question answered without trouble logs nothing; the engine's modules log
through a `LazyLogger`, which hands each record to `logging.getLogger(name)` like a module logger would.
"""

from __future__ import annotations


class LazyLogger:
    """Stands in for `logging.getLogger(name)` until a message is logged (the same logger then receives it)."""

    def __init__(self, name: str):
        self.name = name

    def _logger(self):
        import logging

        return logging.getLogger(self.name)

    def info(self, msg: str, *args: object) -> None:
        self._logger().info(msg, *args)

    def warning(self, msg: str, *args: object) -> None:
        self._logger().warning(msg, *args)
