"""Settings: a missing or malformed variable stops `cptbot serve` with one sentence naming it, exit status 2,
and never the value itself."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.slack.settings import DEFAULT_API_URL, SettingsError, load_settings
from tests.conftest import ROOT
from tests.slack import slack_requests as sr

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT", "CPTBOT_SLACK_API_URL")
GOOD_HTTP = {"SLACK_BOT_TOKEN": sr.BOT_TOKEN, "SLACK_SIGNING_SECRET": sr.SIGNING_SECRET}


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SLACK_VARS}
    env.update(values)
    return env


def serve(*args: str, **values: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", "serve", *args], env=clean_env(**values),
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


BAD = [
    # (variables, args, the variable the sentence must name, a value that must not be shown)
    ({}, (), "SLACK_BOT_TOKEN", None),
    ({"SLACK_BOT_TOKEN": "xoxp-1234-5678-UserTokenNotBot"}, (), "SLACK_BOT_TOKEN", "UserTokenNotBot"),
    ({"SLACK_BOT_TOKEN": "  "}, ("--http",), "SLACK_BOT_TOKEN", None),
    ({"SLACK_BOT_TOKEN": sr.BOT_TOKEN}, (), "SLACK_SIGNING_SECRET", sr.BOT_TOKEN),
    ({**GOOD_HTTP, "SLACK_SIGNING_SECRET": "not a hex secret xoxb-9999"}, ("--http",), "SLACK_SIGNING_SECRET",
     "not a hex secret"),
    ({"SLACK_BOT_TOKEN": sr.BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-1111-2222-WrongKindOfToken"}, (), "SLACK_APP_TOKEN",
     "WrongKindOfToken"),
    ({**GOOD_HTTP, "PORT": "eighty"}, ("--http",), "PORT", "eighty"),
    ({**GOOD_HTTP, "PORT": "70000"}, ("--http",), "PORT", "70000"),
    ({**GOOD_HTTP}, ("--http", "--port", "0"), "--port", None),
    ({**GOOD_HTTP, "CPTBOT_SLACK_API_URL": "ftp://files.example/secret-path"}, ("--http",), "CPTBOT_SLACK_API_URL",
     "secret-path"),
]


@pytest.mark.parametrize(("values", "args", "variable", "hidden"), BAD)
def test_a_bad_setting_stops_serve_with_one_sentence_and_status_2(values, args, variable, hidden):
    run = serve(*args, **values)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert variable in lines[0] and lines[0].endswith(".")
    assert "Traceback" not in run.stderr and run.stdout == ""
    for secret in filter(None, (hidden, sr.BOT_TOKEN, sr.SIGNING_SECRET)):
        assert secret not in run.stderr


def test_settings_errors_name_the_variable_but_not_the_value():
    with pytest.raises(SettingsError) as caught:
        load_settings({"SLACK_BOT_TOKEN": "xoxb-has spaces-SECRETPART"})
    assert caught.value.variable == "SLACK_BOT_TOKEN"
    assert "SECRETPART" not in str(caught.value)


def test_socket_mode_when_an_app_token_is_set_and_http_otherwise():
    socket = load_settings({"SLACK_BOT_TOKEN": sr.BOT_TOKEN, "SLACK_APP_TOKEN": sr.APP_TOKEN})
    assert socket.socket_mode and socket.app_token == sr.APP_TOKEN
    http = load_settings({**GOOD_HTTP, "SLACK_APP_TOKEN": sr.APP_TOKEN}, http=True)
    assert not http.socket_mode and http.port == 3000 and http.api_url == DEFAULT_API_URL
    assert load_settings({**GOOD_HTTP, "PORT": "8080"}).port == 8080
    assert load_settings({**GOOD_HTTP}, port=9000).port == 9000


def test_the_api_url_gets_its_trailing_slash_and_secrets_stay_out_of_repr():
    settings = load_settings({**GOOD_HTTP, "CPTBOT_SLACK_API_URL": "http://127.0.0.1:9/api"})
    assert settings.api_url == "http://127.0.0.1:9/api/"
    assert sr.BOT_TOKEN not in repr(settings) and sr.SIGNING_SECRET not in repr(settings)
