"""Security headers, the trusted-proxy setting, the idle timeout and security logging."""
from __future__ import annotations

import inspect
import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import create_app
from lms.auth import views as auth_views
from lms.people import views as people_views
from lms.security.sessions import log_failed_login
from tests.conftest import Config, csrf_from
from tests.factories import PASSWORD, make_user

EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
IDLE_MESSAGE = "Sesi Anda berakhir karena tidak aktif. Silakan masuk lagi."


def _csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# --- headers --------------------------------------------------------------------------------

@pytest.mark.parametrize("path, status, mimetype", [
    ("/login", 200, "text/html"),                 # an HTML page
    ("/api/v1/me", 401, "application/json"),       # a JSON API error
    ("/no-such-page", 404, "text/html"),           # a 404 page
    ("/static/css/app.css", 200, "text/css"),      # a static file
    ("/", 302, None),                              # a redirect (to the login page)
])
def test_security_headers_on_every_kind_of_response(client, path, status, mimetype):
    response = client.get(path)
    try:
        assert response.status_code == status
        if mimetype:
            assert response.mimetype == mimetype
        for name, value in EXPECTED_HEADERS.items():
            assert response.headers.get(name) == value, name
        csp = _csp(response)
        assert csp["script-src"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["default-src"] == ["'self'"]
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests
    finally:
        response.close()


def test_csp_allows_no_inline_script(client):
    csp = _csp(client.get("/login"))
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp["default-src"]
    assert "'unsafe-inline'" in csp["style-src"]  # style attributes of the server-rendered SVG charts


def test_hsts_only_when_cookies_are_secure(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"
    assert client.get("/no-such-page").headers["Strict-Transport-Security"] == "max-age=31536000"


# --- trusted proxies ------------------------------------------------------------------------

def _app_with_hops(hops: int):
    class ProxyConfig(Config):
        PROXY_HOPS = hops

    app = create_app(ProxyConfig)
    app.add_url_rule("/_test/whoami", "whoami", lambda: {"addr": request.remote_addr, "scheme": request.scheme})
    return app


@pytest.mark.parametrize("hops, addr, scheme", [(0, "10.0.0.5", "http"), (1, "198.51.100.7", "https")])
def test_forwarded_headers_are_trusted_only_for_configured_hops(hops, addr, scheme):
    app = _app_with_hops(hops)
    assert isinstance(app.wsgi_app, ProxyFix) is (hops > 0)
    response = app.test_client().get(
        "/_test/whoami", environ_base={"REMOTE_ADDR": "10.0.0.5"},
        headers={"X-Forwarded-For": "203.0.113.66, 198.51.100.7", "X-Forwarded-Proto": "https"})
    assert response.get_json() == {"addr": addr, "scheme": scheme}


# --- idle timeout ---------------------------------------------------------------------------

def _signed_in(client, web):
    user = make_user()
    assert web.login(user.username).status_code == 302
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        assert abs(sess["last_seen"] - time.time()) < 60
    return user


def test_idle_session_is_ended_and_old_cookie_stops_working(app, client, web):
    _signed_in(client, web)
    with client.session_transaction() as sess:
        sess["last_seen"] = int(time.time()) - 9 * 3600  # IDLE_TIMEOUT_MINUTES is 8 hours
    stale_cookie = client.get_cookie("session").value

    response = client.get("/courses/?pillar=aman")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/courses/?pillar=aman"]
    assert IDLE_MESSAGE in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/").status_code == 302  # signed out

    client.set_cookie("session", stale_cookie)  # a copy of the old cookie is refused the same way
    replay = client.get("/")
    assert replay.status_code == 302 and urlsplit(replay.headers["Location"]).path == "/login"
    assert client.get("/").status_code == 302


def test_recent_activity_keeps_the_session(client, web):
    _signed_in(client, web)
    with client.session_transaction() as sess:
        sess["last_seen"] = int(time.time()) - 7 * 3600
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        assert abs(sess["last_seen"] - time.time()) < 60  # the clock restarts on every request
    assert client.get("/courses/").status_code == 200


def test_idle_timeout_does_not_touch_the_api(client, web, api):
    user = _signed_in(client, web)
    headers = api.as_user(user)
    with client.session_transaction() as sess:
        sess["last_seen"] = int(time.time()) - 9 * 3600
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/").status_code == 302  # the page request still ends the idle session


def test_remember_me_is_never_used():
    for module in (auth_views, people_views):
        assert "remember=True" not in inspect.getsource(module)


# --- security log ---------------------------------------------------------------------------

def _security_messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "lms.security"]


def test_log_failed_login_records_address_not_secrets(app, caplog):
    caplog.set_level(logging.INFO, logger="lms.security")
    with app.test_request_context("/login", method="POST", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        log_failed_login("budi\nforged line", request.remote_addr)
    (message,) = _security_messages(caplog)
    assert "203.0.113.9" in message and "budi" in message
    assert "\n" not in message  # a username cannot forge a second log line




def test_failed_web_login_is_logged_without_password(client, caplog):
    caplog.set_level(logging.INFO, logger="lms.security")
    user = make_user()
    page = client.get("/login")
    wrong = "Salah-Sekali-Rahasia-99"
    response = client.post("/login", environ_base={"REMOTE_ADDR": "203.0.113.7"},
                           data={"username": user.username, "password": wrong,
                                 "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 200
    messages = _security_messages(caplog)
    assert any("203.0.113.7" in m and user.username in m for m in messages), messages
    assert wrong not in caplog.text and PASSWORD not in caplog.text


def test_failed_api_login_is_logged_without_password(client, caplog):
    caplog.set_level(logging.INFO, logger="lms.security")
    user = make_user()
    wrong = "Salah-Sekali-Rahasia-99"
    response = client.post("/api/v1/auth/token", environ_base={"REMOTE_ADDR": "203.0.113.8"},
                           json={"username": user.username, "password": wrong})
    assert response.status_code == 401
    messages = _security_messages(caplog)
    assert any("203.0.113.8" in m and user.username in m for m in messages), messages
    assert wrong not in caplog.text


def test_permission_denied_is_logged(client, web, caplog):
    caplog.set_level(logging.INFO, logger="lms.security")
    user = make_user("learner")
    client.environ_base["REMOTE_ADDR"] = "203.0.113.10"  # the same address throughout ("strong" sessions)
    web.login(user.username)
    caplog.clear()
    response = client.get("/people/audit")
    assert response.status_code == 403
    (message,) = _security_messages(caplog)
    assert f"user={user.id}" in message and "203.0.113.10" in message and "/people/audit" in message
    assert PASSWORD not in caplog.text and "session=" not in caplog.text


def test_api_permission_denied_is_logged_without_token(client, api, caplog):
    caplog.set_level(logging.INFO, logger="lms.security")
    user = make_user("learner")
    headers = api.as_user(user)
    caplog.clear()
    response = client.post("/api/v1/users", json={}, headers=headers, environ_base={"REMOTE_ADDR": "203.0.113.11"})
    assert response.status_code == 403
    (message,) = _security_messages(caplog)
    assert f"user={user.id}" in message and "203.0.113.11" in message and "/api/v1/users" in message
    assert headers["Authorization"].split()[1] not in caplog.text
