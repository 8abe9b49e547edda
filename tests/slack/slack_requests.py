"""Requests as Slack sends them: the shared payloads, signed with the signing secret, over real HTTP.

Payloads are read from ../shared/slack/payloads at test time and changed only in what a test is about
(the question, the response_url pointing at the stand-in, a button's action). Signing is Slack's scheme:
`v0=` + HMAC-SHA256(secret, `v0:{timestamp}:{body}`), in `X-Slack-Signature` with
`X-Slack-Request-Timestamp`.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qsl, urlencode

from tests.conftest import SHARED

PAYLOADS = SHARED / "slack" / "payloads"
BOT_TOKEN = "xoxb-1234567890-0987654321-TestBotTokenValue"
APP_TOKEN = "xapp-1-A111-1234567890-TestAppTokenValue"
SIGNING_SECRET = "8f742231b10e8888abcd990123456789"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@cache
def _raw(name: str) -> str:
    return (PAYLOADS / name).read_text(encoding="utf-8")


def payload(name: str) -> dict:
    """A fresh copy of a shared JSON payload."""
    return copy.deepcopy(json.loads(_raw(name)))


def event_callback(name: str, **event_changes) -> dict:
    """An Events API body from the shared file `name`, with the inner event's fields changed."""
    body = payload(name)
    body["event"].update(event_changes)
    return body


def wrap_event(event: dict, event_id: str = "Ev900") -> dict:
    """An inner event (no envelope) put in the shared message.im envelope, under its own event_id."""
    body = payload("message.im.event_callback.json")
    body["event"] = event
    body["event_id"] = event_id
    return body


def slash_command(text: str, response_url: str, command: str = "/cpt") -> str:
    """The shared form-encoded slash command body, asking `text` through `command`."""
    fields = dict(parse_qsl(_raw("slash_command.form.txt").strip(), keep_blank_values=True))
    fields.update(command=command, text=text, response_url=response_url)
    return urlencode(fields)


def block_actions(action_id: str, value: str, response_url: str | None, **changes) -> str:
    """The shared `payload=` form body of a button click, for our button (`action_id`, `value`)."""
    fields = dict(parse_qsl(_raw("block_actions.form.txt").strip()))
    body = json.loads(fields["payload"])
    body["actions"][0].update(action_id=action_id, value=value)
    if response_url is None:
        body.pop("response_url", None)
    else:
        body["response_url"] = response_url
    body.update(changes)
    return form_payload(body)


def form_payload(body: dict) -> str:
    """An interactivity body as Slack posts it: form-encoded, one `payload` field holding the JSON."""
    return urlencode({"payload": json.dumps(body)})


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Reply:
    status: int
    body: str
    content_type: str

    def json(self) -> dict:
        return json.loads(self.body)


def post(url: str, body: str | dict, *, content_type: str | None = None, headers: dict[str, str] | None = None,
         timestamp: int | None = None, secret: str = SIGNING_SECRET, signed: bool = True) -> Reply:
    """POST `body` (a dict is sent as JSON) to `url`, signed as Slack signs it unless `signed=False`."""
    if isinstance(body, dict):
        body, content_type = json.dumps(body), content_type or JSON
    all_headers = {"Content-Type": content_type or FORM, **(sign(body, timestamp, secret) if signed else {}),
                   **(headers or {})}
    request = urllib.request.Request(url, data=body.encode(), headers=all_headers, method="POST")
    return _send(request)


def get(url: str) -> Reply:
    return _send(urllib.request.Request(url, method="GET"))


def _send(request: urllib.request.Request) -> Reply:
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return Reply(resp.status, resp.read().decode(), resp.headers.get("content-type", ""))
    except urllib.error.HTTPError as err:
        return Reply(err.code, err.read().decode(), err.headers.get("content-type", ""))


def texts(blocks: list[dict]) -> str:
    """Every text string in a list of blocks, joined: what a person can read in the message."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)
