"""Two app servers, one PostgreSQL and one Redis: what a learner starts on one continues on the other.

Production runs several stateless gunicorn servers behind nginx (docs/scaling.md), and nginx may
send each request to a different one. Here two real gunicorn processes (gunicorn.conf.py, one
worker each, on two free ports) share the test database and Redis, and one learner's requests
alternate between them: a web login, the login rate limit, a quiz attempt, and a logout.

PostgreSQL only (TEST_DATABASE_URL): two processes cannot share the SQLite file of the session
app the way production servers share a database.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import normalise_database_url

# Nothing from tests.conftest at import time: gunicorn imports this module for server_app().
ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LOGIN_RATE = "5 per minute"  # tight, so the shared count is visible within one test

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not normalise_database_url(os.environ.get("TEST_DATABASE_URL", "")).startswith("postgresql"),
                       reason="needs PostgreSQL (TEST_DATABASE_URL): two processes share one database"),
]


def server_app():
    """What each gunicorn serves: the production factory with this test's rate-limit settings.

    ``gunicorn -c gunicorn.conf.py 'tests.test_two_servers:server_app()'``; DATABASE_URL,
    REDIS_URL and SECRET_KEY come from the environment as in production.
    """
    from config import Config as ProductionConfig
    from lms import create_app

    class TwoServerConfig(ProductionConfig):
        RATELIMIT_ENABLED = True
        RATELIMIT_LOGIN = os.environ["TWO_SERVERS_LOGIN_RATE"]
        RATELIMIT_STORAGE_OPTIONS = {"key_prefix": os.environ["TWO_SERVERS_KEY_PREFIX"]}
        TOTP_REQUIRED_FOR_ADMINS = False

    return create_app(TwoServerConfig)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser: one cookie jar, whichever server answers (cookies do not depend on the port)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, method: str, url: str, *, form: dict | None = None, json_body=None,
                headers: dict | None = None) -> tuple[int, dict, str]:
        data, headers = None, dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=20) as resp:
                return resp.status, dict(resp.headers), resp.read().decode()
        except urllib.error.HTTPError as err:  # 3xx (not followed), 4xx, 5xx
            with err:
                return err.code, dict(err.headers), err.read().decode()

    def session_cookie(self) -> str | None:
        return next((c.value for c in self.jar if c.name == "session"), None)


def login_form(browser: Browser, base: str, username: str, password: str) -> tuple[int, dict]:
    from tests.conftest import csrf_from

    status, _h, page = browser.request("GET", f"{base}/login")
    assert status == 200, status
    status, headers, _body = browser.request("POST", f"{base}/login", form={
        "csrf_token": csrf_from(page), "username": username, "password": password})
    return status, headers


@pytest.fixture
def two_servers(app):
    """Start two gunicorn servers on the test database and Redis; yield their base URLs."""
    import redis

    from tests.conftest import Config, _tmpdir

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as err:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({err})", pytrace=False)
    prefix = f"two-servers-{secrets.token_hex(6)}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    assert gunicorn.exists(), "gunicorn is not installed (requirements.txt pins it)"
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env.update(DATABASE_URL=Config.SQLALCHEMY_DATABASE_URI, REDIS_URL=REDIS_URL, SECRET_KEY=secrets.token_hex(32),
               LMS_INSTANCE_DIR=_tmpdir, UPLOAD_FOLDER=f"{_tmpdir}/uploads", TWO_SERVERS_LOGIN_RATE=LOGIN_RATE,
               TWO_SERVERS_KEY_PREFIX=prefix, GUNICORN_APP="tests.test_two_servers:server_app()",
               WEB_CONCURRENCY="1", GUNICORN_MAX_REQUESTS="0")
    procs, bases, logs = [], [], []
    try:
        for _ in range(2):
            port = _free_port()
            logs.append(open(Path(_tmpdir) / f"gunicorn-{port}.log", "w+b"))  # a pipe could fill and block it
            procs.append(subprocess.Popen([str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"),
                                           "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=logs[-1]))
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        for proc, base, log in zip(procs, bases, logs):
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"gunicorn exited: {log.read().decode(errors='replace')[-2000:]}")
                try:
                    status, _h, body = Browser().request("GET", f"{base}/healthz")
                    if status == 200:
                        assert json.loads(body)["redis"] == "ok"
                        break
                except (urllib.error.URLError, ConnectionError):
                    pass
                assert time.monotonic() < deadline, f"{base} did not start within 30 s"
                time.sleep(0.2)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


def test_login_rate_limit_and_attempt_continue_on_the_other_server(two_servers, db):
    from lms.courses.services import enroll
    from lms.quizzes.models import Answer, Attempt, Quiz
    from tests.conftest import csrf_from
    from tests.factories import PASSWORD, make_quiz_course, make_user

    a, b = two_servers
    learner = make_user(full_name="Ni Luh Dua Server")
    course = make_quiz_course()
    enroll(learner, course)
    db.session.commit()
    quiz_id = db.session.scalar(sa.select(Quiz.id))

    # A login on A is a session on B: B serves the dashboard to that cookie.
    phone = Browser()
    status, headers = login_form(phone, a, learner.username, PASSWORD)  # login POST 1 (on A)
    assert status == 302 and "/login" not in headers["Location"]
    status, _h, page = phone.request("GET", f"{b}/")
    assert status == 200 and "Ni Luh Dua Server" in page
    assert phone.request("GET", f"{a}/")[0] == 200

    # An attempt started on A continues on B: B resumes it, saves an answer, submits;
    # A then shows the answer and gives the same result for a repeated submit.
    status, _h, body = phone.request("POST", f"{a}/api/v1/auth/token",  # login POST 2 (on A): shared scope
                                     json_body={"username": learner.username, "password": PASSWORD})
    assert status == 200, body
    bearer = {"Authorization": f"Bearer {json.loads(body)['token']}"}
    status, _h, body = phone.request("POST", f"{a}/api/v1/quizzes/{quiz_id}/attempts", headers=bearer)
    assert status == 201, body
    started = json.loads(body)
    status, _h, body = phone.request("POST", f"{b}/api/v1/quizzes/{quiz_id}/attempts", headers=bearer)
    assert status == 200 and json.loads(body)["attempt_id"] == started["attempt_id"]
    question = next(q for q in started["questions"] if q["type"] == "single")
    choice = question["choices"][0]["id"]
    status, _h, body = phone.request("PUT", f"{b}/api/v1/attempts/{started['attempt_id']}/answers/{question['id']}",
                                     json_body={"choice_ids": [choice]}, headers=bearer)
    assert status == 200, body
    status, _h, body = phone.request("GET", f"{a}/api/v1/attempts/{started['attempt_id']}", headers=bearer)
    assert status == 200 and json.loads(body)["answers"][str(question["id"])] == {"choice_ids": [choice]}
    status, _h, first = phone.request("POST", f"{b}/api/v1/attempts/{started['attempt_id']}/submit", headers=bearer)
    assert status == 200 and json.loads(first)["status"] == "submitted"
    status, _h, again = phone.request("POST", f"{a}/api/v1/attempts/{started['attempt_id']}/submit", headers=bearer)
    assert status == 200
    assert {k: json.loads(again)[k] for k in ("score", "submitted_at")} == \
        {k: json.loads(first)[k] for k in ("score", "submitted_at")}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 1

    # The login limit (5 per minute per address, web form and token endpoint together) is counted
    # in Redis: A has seen 2 POSTs so far. Three wrong passwords, alternating B, A, B, make 5; the
    # sixth is refused by either server, although neither alone has seen more than 4.
    other = Browser()
    for base in (b, a, b):
        status, _h = login_form(other, base, learner.username, "salah-" + secrets.token_hex(4))
        assert status == 200  # the form again, with "wrong password"
    assert login_form(other, a, learner.username, PASSWORD)[0] == 429
    assert login_form(other, b, learner.username, PASSWORD)[0] == 429

    # A logout on B ends the session everywhere: the cookie taken before it no longer works on A.
    captured = phone.session_cookie()
    assert Browser().request("GET", f"{a}/", headers={"Cookie": f"session={captured}"})[0] == 200
    status, _h, page = phone.request("GET", f"{b}/")
    assert phone.request("POST", f"{b}/logout", form={"csrf_token": csrf_from(page)})[0] == 302
    status, headers, _body = Browser().request("GET", f"{a}/", headers={"Cookie": f"session={captured}"})
    assert status == 302 and "/login" in headers["Location"]
