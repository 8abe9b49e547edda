"""How the app calls Slack: retried on rate limits, server errors and dropped connections, never on a request's path.

Every Web API client the app uses (Bolt's, the per-request copies Bolt makes of it, and the webhook client
for `response_url` posts) carries slack_sdk's retry handlers, so a `chat.postMessage` answered with 429
waits the `Retry-After` Slack asks for and tries again, and a 500 or a reset connection is retried with
backoff. The calls run in lazy listeners on `FOLLOW_UP_THREADS` threads per process, after Slack has its
200: a slow or rate-limited Web API holds those threads (seconds each), never the ack. An answer that
still cannot be delivered is logged by kind and Slack's error code (`answer not delivered`), never with
its text.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient, WebhookResponse

WEB_API_TIMEOUT = 10  # seconds for one attempt; Slack's Web API answers in well under a second
RETRIES = 2  # per kind of failure: a 429 waits Retry-After, a 5xx or reset connection backs off
# Follow-up posts (mentions, DMs, button clicks, the Home tab) per process. Each may wait out a Retry-After
# or two timeouts, so there are many more than cores: they sleep on the network, not on the CPU.
FOLLOW_UP_THREADS = 32

log = logging.getLogger("bot.slack")


def retry_handlers() -> list[RetryHandler]:
    """Fresh handlers for one client: rate limits (honouring Retry-After), 5xx, and connection errors."""
    return [RateLimitErrorRetryHandler(max_retry_count=RETRIES), ServerErrorRetryHandler(max_retry_count=RETRIES),
            ConnectionErrorRetryHandler(max_retry_count=RETRIES)]


def follow_up_executor() -> ThreadPoolExecutor:
    """The pool Bolt runs lazy listeners on (Bolt's default is 5 threads)."""
    return ThreadPoolExecutor(max_workers=FOLLOW_UP_THREADS, thread_name_prefix="cptbot-follow-up")


def post_to_response_url(kind: str, url: str, message: dict) -> bool:
    """Post to a `response_url` with retries; False (and one log line, no text) when it was not delivered.

    Bolt's own `respond` builds a webhook client without rate-limit or server-error retries.
    """
    client = WebhookClient(url=url, timeout=WEB_API_TIMEOUT, retry_handlers=retry_handlers())
    try:
        response: WebhookResponse = client.send_dict(message)
    except OSError as exc:
        log.warning("%s: answer not delivered: response_url unreachable (%s)", kind, type(exc).__name__)
        return False
    if response.status_code != 200:
        log.warning("%s: answer not delivered: response_url refused it (HTTP %s)", kind, response.status_code)
        return False
    return True
