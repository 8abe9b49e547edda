"""From Slack text to a question, and from an Answer to a Slack message: the delivery half of the layer.

Reading: a mention's own `<@BOT>` is removed; everything else (Slack's `&amp;`/`&lt;`/`&gt;`, links, other
mentions) is undone by the engine's `clean`, the one place that reads Slack markup for every caller.
Writing: the engine's Answer goes through `bot.render.blocks`, which escapes and cuts to Slack's limits;
this module only adds what depends on where the answer is shown (the Share button, who asked).
"""

from __future__ import annotations

import functools
import html
import logging
import re
import time
from collections.abc import Callable

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError

from bot.answer import Answer
from bot.ask import ask
from bot.engine import Engine
from bot.render.blocks import MAX_BLOCKS, button, fallback_text, fit, render_blocks
from bot.slack.gate import ENGINE_GATE
from bot.understanding.words import MAX_CHARS

SHARE_ACTION = "cpt_share"
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
MAX_ECHO = 300
MAX_MESSAGE_CHARS = 4 * MAX_CHARS  # room for mentions and markup before the engine's own cut
MAX_LABEL = 100

log = logging.getLogger("bot.slack")


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """The message without the bot's own mention(s), e.g. `<@U0BOT> wRVU for LEEP` -> `wRVU for LEEP`.

    Linear in the text, and only its first MAX_MESSAGE_CHARS are read at all (the engine reads 2,000):
    a mention's label is at most MAX_LABEL characters, so an unclosed `<@U0BOT|` cannot make the pattern
    rescan the rest of a long message for every occurrence (the old pattern was quadratic).
    """
    text = text[:MAX_MESSAGE_CHARS]
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]{{0,{MAX_LABEL}}})?>", " ", text)
    else:
        text = re.sub(rf"^\s*<@[A-Z0-9]{{1,{MAX_LABEL}}}(?:\|[^>]{{0,{MAX_LABEL}}})?>", " ", text)
    return " ".join(text.split())


def as_typed(text: str) -> str:
    """Slack's escaping undone (`&amp;` -> `&`), for showing a question back (it is escaped again on output)."""
    return html.unescape(text) if "&" in text else text


def answer_question(engine: Engine, question: str, user_id: str | None, kind: str) -> Answer:
    """`ask` with a log line of kind, outcome and time (never the question), and a polite reply on a bug.

    A listener that raises leaves the person with Slack's "dispatch_failed" or with silence; an apology
    tells them to try again, and the traceback still reaches the log.
    """
    start = time.perf_counter()
    try:
        with ENGINE_GATE:
            answer = ask(engine, question, user_id)
    except Exception:
        log.exception("%s: the engine failed", kind)
        return Answer(status="not_found", intent="error",
                      headline="Sorry, something went wrong while answering that. Please try again.")
    log.info("%s: %s/%s in %.1f ms", kind, answer.status, answer.intent, (time.perf_counter() - start) * 1000)
    return answer


def share_button(question: str) -> dict:
    return button("Share in channel", SHARE_ACTION, question)


def private_message(answer: Answer, question: str, full: bool = False) -> dict:
    """An ephemeral `/cpt` answer: the answer plus a "Share in channel" button that re-asks `question`
    (and a "Details" button for the full card, unless this is it)."""
    return {"text": fallback_text(answer, full=full),
            "blocks": render_blocks(answer, extra_buttons=[share_button(question)], full=full, question=question)}


def public_message(answer: Answer, asked_by: str | None = None, question: str | None = None,
                   full: bool = False, details_for: str | None = None) -> dict:
    """A visible answer; when shared from `/cpt`, a context line says who asked what (escaped).

    `details_for` is the question a "Details" button asks again for the full card (`full`: this is it).
    """
    if not asked_by or question is None:
        return {"text": fallback_text(answer, full=full),
                "blocks": render_blocks(answer, full=full, question=details_for)}
    who = f"<@{asked_by}>" if _USER_ID.fullmatch(asked_by) else "Someone"
    asked = {"type": "context", "elements": [
        {"type": "mrkdwn", "text": f"{who} asked: /cpt {fit(as_typed(question), MAX_ECHO)}"}]}
    return {"text": fallback_text(answer, full=full),
            "blocks": [*render_blocks(answer, max_blocks=MAX_BLOCKS - 1, full=full, question=details_for), asked]}


def acknowledge(ack: Ack) -> None:
    """The ack of a listener whose work (a Web API call) runs after Slack has its 200 (a lazy listener)."""
    ack()


def log_failure(kind: str, error: Exception) -> None:
    """A failed delivery, logged by kind and cause only: never the request (it holds the question).

    Called once the client's retries (rate limits, 5xx, connection errors) are spent: the answer is lost.
    """
    if isinstance(error, SlackApiError):
        log.warning("%s: answer not delivered: Slack Web API said %s", kind,
                    error.response.get("error", "unknown error"))
    elif isinstance(error, OSError):
        log.warning("%s: answer not delivered: Slack Web API unreachable (%s)", kind, type(error).__name__)
    else:
        log.error("%s: listener failed", kind, exc_info=error)


def reported(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorate a lazy listener so that its failure is logged by `log_failure` (Bolt would log the error text)."""

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(func)  # Bolt reads the wrapped function's argument names to inject them
        def wrapper(**kwargs) -> None:
            try:
                func(**kwargs)
            except Exception as error:
                log_failure(kind, error)

        return wrapper

    return decorate
