"""Many workspaces: the OAuth install flow, answers with each workspace's own token, rotation, uninstall.

The real app behind its real HTTP endpoint (as gunicorn serves it), with SLACK_CLIENT_ID/SECRET instead
of a bot token, its installations in a database (a SQLite file, and a real PostgreSQL server when one is
given), and the stand-in playing Slack's `oauth.v2.access`. A browser's part (the install page, the
cookie, Slack's redirect back) is played with plain HTTP requests.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import make_server

import pytest
import sqlalchemy

from bot.database import Database
from bot.slack.oauth import INSTALL_PATH, REDIRECT_PATH, SCOPES
from bot.slack.settings import Settings, SettingsError, load_settings
from bot.slack.standin import BOT_USER_ID, StandIn
from bot.slack.wsgi import create_application
from tests.conftest import ROOT
from tests.slack import slack_requests as sr
from tests.slack.conftest import SlackApp, _QuietHandler, _ThreadingWSGIServer

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "0123456789abcdef0123456789abcdef"


@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, str]


class Browser:
    """Follows no redirects (Slack's authorize page is not here) and keeps cookies, like the installer's.

    The state cookie is `Secure` (production is behind HTTPS); this browser sends it back over the test's
    plain HTTP as a browser would over HTTPS.
    """

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self._opener = urllib.request.build_opener(_NoRedirect)

    def get(self, url: str) -> Page:
        request = urllib.request.Request(url)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            with self._opener.open(request, timeout=10) as resp:
                page = Page(resp.status, resp.read().decode(), {k.lower(): v for k, v in resp.headers.items()})
                cookies = resp.headers.get_all("set-cookie") or []
        except urllib.error.HTTPError as err:
            page = Page(err.code, err.read().decode(), {k.lower(): v for k, v in err.headers.items()})
            cookies = err.headers.get_all("set-cookie") or []
        for cookie in cookies:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return page


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class OAuthApp(SlackApp):
    database_url: str = ""

    def install(self, browser: Browser | None = None, team: str = "T111") -> Page:
        """An admin's install: the install page, then Slack sending the browser back with a code."""
        browser = browser or Browser()
        page = browser.get(self.base + INSTALL_PATH)
        assert page.status == 200, page.body
        state = state_in(page.body)
        return browser.get(self.base + REDIRECT_PATH + "?" + urlencode({"code": f"code-{team}", "state": state}))

    def rows(self, table: str) -> list[dict]:
        with Database(self.database_url).engine.connect() as conn:
            return [dict(r) for r in conn.execute(sqlalchemy.text(f"SELECT * FROM {table}")).mappings()]

    def dm(self, text: str, event_id: str, team: str = "T111") -> sr.Reply:
        body = sr.event_callback("message.im.event_callback.json", text=text)
        body.update(event_id=event_id, team_id=team)
        body["authorizations"][0]["team_id"] = team
        return self.send(body)


def state_in(html: str) -> str:
    start = html.index("https://slack.com/oauth/v2/authorize?")
    url = html[start:html.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"][0].split(",") == list(SCOPES)
    return query["state"][0]


def oauth_settings(api_url: str, database_url: str) -> Settings:
    return Settings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, signing_secret=sr.SIGNING_SECRET,
                    api_url=api_url, database_url=database_url)


@pytest.fixture
def oauth(engine, standin: StandIn, database_url: str) -> Iterator[OAuthApp]:
    application = create_application(oauth_settings(standin.api_url, database_url), engine)
    server = make_server("127.0.0.1", 0, application, server_class=_ThreadingWSGIServer,
                         handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield OAuthApp(f"http://127.0.0.1:{server.server_address[1]}", standin, database_url)
    finally:
        server.shutdown()
        server.server_close()


def test_an_install_stores_the_workspace_token_and_answers_with_it_without_auth_test(oauth):
    page = oauth.install()
    assert page.status == 200 and "error" not in page.body.lower()
    [exchange] = oauth.standin.wait_for("oauth.v2.access")
    assert exchange.body["code"] == "code-T111"
    [bot] = oauth.rows("slack_bots")
    assert (bot["team_id"], bot["bot_user_id"], bot["bot_token"]) == ("T111", BOT_USER_ID, oauth.standin.issued[0])
    assert bot["bot_refresh_token"] and bot["bot_token_expires_at"] is not None

    oauth.standin.clear()
    assert oauth.dm("57461 wrvu", "EvOAuth1").status == 200
    [post] = oauth.posts()
    assert post.headers["authorization"] == f"Bearer {oauth.standin.issued[0]}"
    reply = oauth.send(sr.slash_command("57461", oauth.response_url()), content_type=sr.FORM)
    assert reply.status == 200 and "57461" in reply.body
    assert [c for c in oauth.standin.settle() if c.method in ("auth.test", "oauth.v2.access")] == []


def test_an_install_without_the_state_the_app_issued_is_refused(oauth):
    browser = Browser()
    browser.get(oauth.base + INSTALL_PATH)  # a real state exists, but the redirect brings another
    page = browser.get(oauth.base + REDIRECT_PATH + "?" + urlencode({"code": "code-T111", "state": "forged"}))
    assert page.status >= 400
    assert oauth.standin.wait_for("oauth.v2.access", timeout=0.5) == []
    assert oauth.rows("slack_bots") == []
    second = Browser()  # a state is used once: replaying a finished install does nothing
    assert oauth.install(second).status == 200
    state = state_in(second.get(oauth.base + INSTALL_PATH).body)
    replay = Browser().get(oauth.base + REDIRECT_PATH + "?" + urlencode({"code": "code-T222", "state": state}))
    assert replay.status >= 400 and {b["team_id"] for b in oauth.rows("slack_bots")} == {"T111"}


def test_a_workspace_that_did_not_install_gets_no_answer(oauth):
    oauth.install(team="T111")
    oauth.standin.clear()
    assert oauth.dm("57461", "EvOther", team="T999").status == 200
    assert oauth.posts(timeout=0.5) == []


def test_an_expiring_token_is_refreshed_once_and_the_new_one_is_used(oauth):
    oauth.standin.token_lifetime = 60  # expires within the two hours before which tokens are refreshed
    oauth.install()
    oauth.standin.token_lifetime = 43200
    oauth.standin.clear()
    oauth.dm("57461", "EvRotate1")
    [refresh] = oauth.standin.wait_for("oauth.v2.access")
    assert refresh.body["grant_type"] == "refresh_token" and refresh.body["refresh_token"].startswith("xoxe-1-")
    [post] = oauth.posts()
    assert post.headers["authorization"] == f"Bearer {oauth.standin.issued[1]}"
    oauth.dm("57520", "EvRotate2")
    posts = oauth.posts(2)
    assert posts[1].headers["authorization"] == f"Bearer {oauth.standin.issued[1]}"
    assert len(oauth.standin.wait_for("oauth.v2.access", timeout=0.3)) == 1
    assert {b["bot_token"] for b in oauth.rows("slack_bots")} >= {oauth.standin.issued[1]}


def test_uninstalling_deletes_the_workspace_and_its_tokens(oauth):
    oauth.install(team="T111")
    oauth.install(team="T222")
    body = sr.event_callback("message.im.event_callback.json")
    body.update(event_id="EvUninstall", event={"type": "app_uninstalled", "event_ts": "1700000000.000100"})
    assert oauth.send(body).status == 200
    assert {b["team_id"] for b in oauth.rows("slack_bots")} == {"T222"}
    assert {i["team_id"] for i in oauth.rows("slack_installations")} == {"T222"}
    oauth.standin.clear()
    oauth.dm("57461", "EvAfterUninstall", team="T111")
    assert oauth.posts(timeout=0.5) == []


def test_revoked_bot_tokens_are_deleted(oauth):
    oauth.install(team="T111")
    body = sr.event_callback("message.im.event_callback.json")
    body.update(event_id="EvRevoked", event={"type": "tokens_revoked", "event_ts": "1700000000.000200",
                                             "tokens": {"bot": [BOT_USER_ID]}})
    assert oauth.send(body).status == 200
    assert oauth.rows("slack_bots") == []


def test_oauth_settings_come_from_the_environment_and_are_checked():
    env = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
           "SLACK_SIGNING_SECRET": sr.SIGNING_SECRET, "DATABASE_URL": "postgres://u:pw-s3cret@db/app"}
    settings = load_settings(env)
    assert settings.oauth and not settings.socket_mode and settings.bot_token is None
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert CLIENT_SECRET in settings.secrets() and "pw-s3cret" in settings.secrets()
    assert CLIENT_SECRET not in repr(settings) and "pw-s3cret" not in repr(settings)
    bad = [({**env, "SLACK_BOT_TOKEN": sr.BOT_TOKEN}, "SLACK_BOT_TOKEN"),
           ({**env, "SLACK_CLIENT_SECRET": ""}, "SLACK_CLIENT_SECRET"),
           ({**env, "SLACK_CLIENT_ID": "xoxb-not-an-id"}, "SLACK_CLIENT_ID"),
           ({**env, "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
           ({**env, "SLACK_APP_TOKEN": sr.APP_TOKEN}, "SLACK_APP_TOKEN"),
           ({**env, "DATABASE_URL": "mongodb://u:pw-s3cret@db/app"}, "DATABASE_URL")]
    for values, variable in bad:
        with pytest.raises(SettingsError) as err:
            load_settings(values)
        assert err.value.variable == variable and variable in str(err.value)
        assert "pw-s3cret" not in str(err.value) and CLIENT_SECRET not in str(err.value)


def test_the_manifest_asks_for_the_scopes_the_install_page_asks_for_and_redirects_back():
    import yaml

    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert manifest["oauth_config"]["scopes"]["bot"] == list(SCOPES)
    assert [urlsplit(u).path for u in manifest["oauth_config"]["redirect_urls"]] == [REDIRECT_PATH]
    assert isinstance(manifest["settings"]["token_rotation_enabled"], bool)  # true for many workspaces


def test_rotating_and_refresh_tokens_never_reach_a_log_line():
    from bot.slack.logs import RedactSecrets

    line = RedactSecrets([CLIENT_SECRET]).redact(
        f"saved xoxe.xoxb-1-OAuthBotToken0001 refresh xoxe-1-RefreshToken0001 secret {CLIENT_SECRET}")
    assert "OAuthBotToken" not in line and "RefreshToken" not in line and CLIENT_SECRET not in line


def test_a_failed_refresh_still_answers_with_the_unexpired_token_and_says_why(oauth, caplog):
    oauth.standin.token_lifetime = 60
    oauth.install()
    oauth.standin.failing["oauth.v2.access"] = "invalid_refresh_token"
    oauth.standin.clear()
    with caplog.at_level("WARNING", logger="bot.slack"):
        oauth.dm("57461", "EvRefreshFails")
        [post] = oauth.posts()
    assert post.headers["authorization"] == f"Bearer {oauth.standin.issued[0]}"
    assert "bot token refresh failed" in caplog.text and "invalid_refresh_token" in caplog.text
    assert "RefreshToken" not in caplog.text and "OAuthBotToken" not in caplog.text
