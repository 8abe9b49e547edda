"""gunicorn settings for the HTTP app, shared by the Procfile, `cptbot serve --http` and the benchmark.

`preload_app` loads the engine once in the master and lets workers share it (and a bad setting stops the
master with its one-sentence message instead of a crash loop of workers). One worker per core.

Slow clients: gthread workers hand each connection to a thread only once it has sent something (an idle
connection waits in the worker's poller and is closed after `keepalive` seconds), a body that stalls
frees its thread within bot.slack.verify.READ_TIMEOUT seconds (408, connection closed), and an unread
body is never drained. Threads are many because a stalled or slow client holds one for up to a few
seconds while costing no CPU: with 96 per worker, 64 stalled connections landing on one worker still
leave it threads for `/healthz` and `/cpt`. (An async worker such as gevent would make stalled sockets
cheaper still, at the price of monkey-patching; the engine is CPU-bound, so threads serve it as well.)
Many threads must not mean many answers computed at once: they would fight over the GIL, so the engine
answers one request at a time per worker, in arrival order (bot.slack.gate).
"""

from __future__ import annotations

import os
import time

# Every process in UTC: slack_sdk's installation and OAuth state stores keep times without a zone.
os.environ["TZ"] = "UTC"
time.tzset()

workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
threads = 96
worker_class = "gthread"
worker_connections = 1000  # per worker: open connections, kept-alive and stalled ones included
preload_app = True
keepalive = 75  # Slack's edge reuses connections; an idle one costs a poller entry, not a thread
timeout = 30
graceful_timeout = 10
accesslog = None
loglevel = "warning"
logger_class = "bot.slack.logs.GunicornLogger"  # one line per record, no request data (see bot.slack.logs)
