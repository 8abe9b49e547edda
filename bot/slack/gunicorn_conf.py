"""gunicorn settings for the HTTP app, shared by the Procfile, `cptbot serve --http` and the benchmark.

`preload_app` loads the engine once in the master and lets workers share it (and a bad setting stops the
master with its one-sentence message instead of a crash loop of workers). gthread workers keep Slack's
connections alive between requests; one worker per core, a few threads each for the Web API calls that
follow an event.
"""

from __future__ import annotations

import os
import time

# Every process in UTC: slack_sdk's installation and OAuth state stores keep times without a zone.
os.environ["TZ"] = "UTC"
time.tzset()

workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
threads = 4
worker_class = "gthread"
preload_app = True
keepalive = 75
timeout = 30
graceful_timeout = 10
accesslog = None
loglevel = "warning"
