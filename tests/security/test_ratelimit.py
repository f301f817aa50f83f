"""Rate limits and the per-username login lockout, with memory storage and with the real Redis."""
from __future__ import annotations

import re
import threading
import time
from collections import Counter

import pytest

from lms.auth.models import User
from lms.security import ratelimit
from tests.conftest import Web, csrf_from
from tests.factories import PASSWORD, make_user

LOCKED_MESSAGE = "Terlalu banyak percobaan gagal. Coba lagi dalam 15 menit."
WRONG = "salah-sekali-123"


def token(client, username, password, **kw):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}, **kw)


def test_eleventh_wrong_password_locks_that_username_only(make_limited_app, backend):
    """After 10 failures the right password is refused too; other usernames still log in."""
    ani, budi = make_user(username="ani"), make_user(username="budi")
    web = Web(make_limited_app(backend).test_client())
    for _ in range(10):
        response = web.login("ani", WRONG)
        assert response.status_code == 200 and "salah" in response.get_data(as_text=True)

    response = web.login("ANI ", PASSWORD)  # the same name, however it is typed
    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.get_data(as_text=True)
    locked = token(web.client, ani.username, PASSWORD)
    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "too_many_requests"
    assert "Coba lagi dalam 15 menit" in locked.get_json()["error"]["message"]

    assert web.login(budi.username).status_code == 302


def test_a_successful_login_clears_the_failures(make_limited_app, backend):
    make_user(username="ani")
    client = make_limited_app(backend).test_client()
    for _ in range(9):
        assert token(client, "ani", WRONG).status_code == 401
    assert token(client, "ani", PASSWORD).status_code == 200
    for _ in range(9):
        assert token(client, "ani", WRONG).status_code == 401
    assert token(client, "ani", PASSWORD).status_code == 200


def test_the_lock_expires(make_limited_app, backend):
    make_user(username="ani")
    client = make_limited_app(backend, LOGIN_LOCKOUT_MINUTES=2 / 60).test_client()  # two seconds
    for _ in range(10):
        assert token(client, "ani", WRONG).status_code == 401
    assert token(client, "ani", PASSWORD).status_code == 429
    time.sleep(2.5)
    assert token(client, "ani", PASSWORD).status_code == 200


def test_fifty_simultaneous_wrong_passwords_get_exactly_the_limit(make_limited_app, backend, monkeypatch):
    """The failure count is atomic: 50 guesses at once get 10 password checks, then the name is locked."""
    make_user(username="ani")
    app = make_limited_app(backend, RATELIMIT_LOGIN="1000 per minute")
    checks = Counter()
    real_check = User.check_password

    def counting_check(self, password):
        checks["n"] += 1  # under the GIL; a lost update would only lower the count
        return real_check(self, password)

    monkeypatch.setattr(User, "check_password", counting_check)
    barrier = threading.Barrier(50)
    statuses = Counter()

    def guess():
        client = app.test_client()
        barrier.wait()
        statuses[token(client, "ani", WRONG).status_code] += 1

    threads = [threading.Thread(target=guess) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert checks["n"] == app.config["LOGIN_MAX_FAILURES"] == 10
    assert statuses == {401: 10, 429: 40}
    assert token(app.test_client(), "ani", PASSWORD).status_code == 429


def test_per_ip_login_limit_answers_429_in_indonesian(make_limited_app, backend):
    """Web and API share the per-address login budget; another address is not affected."""
    make_user(username="ani")
    app = make_limited_app(backend, RATELIMIT_LOGIN="3 per minute")
    web = Web(app.test_client())
    for name in ("satu", "dua", "tiga"):
        assert web.login(name, WRONG).status_code == 200

    page = web.login("ani")
    html = page.get_data(as_text=True)
    assert page.status_code == 429
    assert re.search(r"Terlalu banyak permintaan\. Coba lagi dalam \d+ (detik|menit)\.", html)
    assert 0 < int(page.headers["Retry-After"]) <= 60
    assert page.headers["X-RateLimit-Limit"] == "3"

    api = token(web.client, "ani", PASSWORD)
    assert api.status_code == 429
    error = api.get_json()["error"]
    assert error["code"] == "too_many_requests" and error["message"].startswith("Terlalu banyak permintaan. Coba")

    assert token(web.client, "ani", PASSWORD, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert web.client.get("/login").status_code == 200  # only POSTs count


def test_forwarded_for_does_not_change_the_key_without_trusted_proxies(make_limited_app, backend):
    app = make_limited_app(backend, PROXY_HOPS=0, RATELIMIT_LOGIN="2 per minute")
    client = app.test_client()
    statuses = [token(client, "ani", WRONG, headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
                for n in range(3)]
    assert statuses == [401, 401, 429]


@pytest.mark.parametrize("shared_backend, shared", [("redis", True), ("memory", False)])
def test_two_app_servers_share_the_lockout_through_redis(make_limited_app, shared_backend, shared):
    """Two app instances: with Redis, failures on either count together (memory is per process)."""
    make_user(username="ani")
    first, second = make_limited_app(shared_backend).test_client(), make_limited_app(shared_backend).test_client()
    for client in (first, second) * 5:
        assert token(client, "ani", WRONG).status_code == 401
    assert token(first, "ani", PASSWORD).status_code == (429 if shared else 200)
    assert token(second, "ani", PASSWORD).status_code == (429 if shared else 200)


def test_two_app_servers_share_the_request_limits_in_redis(make_limited_app, redis_db):
    first = make_limited_app("redis", RATELIMIT_LOGIN="4 per minute").test_client()
    second = make_limited_app("redis", RATELIMIT_LOGIN="4 per minute").test_client()
    for client in (first, second, first, second):
        assert token(client, "ani", WRONG).status_code == 401
    assert token(first, "ani", WRONG).status_code == 429
    assert token(second, "ani", WRONG).status_code == 429
    keys = [key.decode() for key in redis_db.keys(f"{redis_db.key_prefix}*")]
    assert any("cakap" in key and "login" in key for key in keys), keys  # the counters really are in Redis
    assert not any("ani" in key for key in keys), keys  # usernames are hashed


def test_the_lockout_keys_hash_the_username(make_limited_app):
    with make_limited_app().app_context():
        failures, lock = ratelimit._keys("A" * 10_000)
        assert len(failures) < 64 and "A" not in failures.split("/")[-1] and "a" * 20 not in lock
        assert ratelimit._keys(" Ani ") == ratelimit._keys("ani")


def _signed_in(app, role="learner"):
    user = make_user(role)
    web = Web(app.test_client())
    assert web.login(user.username).status_code == 302
    return web.client


def _bearer(app, role="learner"):
    user = make_user(role)
    client = app.test_client()
    response = token(client, user.username, PASSWORD)
    return client, {"Authorization": f"Bearer {response.get_json()['token']}"}


LIMITED = [
    ("ANSWER", "web", "post", "/attempts/999/answers/1"),
    ("ANSWER", "web", "post", "/attempts/999"),
    ("ANSWER", "api", "put", "/api/v1/attempts/999/answers/1"),
    ("SUBMIT", "web", "post", "/attempts/999/submit"),
    ("SUBMIT", "api", "post", "/api/v1/attempts/999/submit"),
    ("IMPORT", "web-admin", "post", "/people/import"),
    ("IMPORT", "api-admin", "post", "/api/v1/users/import"),
    ("REGISTER", "anonymous", "post", "/register"),
]


@pytest.mark.parametrize("name, who, method, url", LIMITED)
def test_answers_submissions_imports_and_registration_are_limited(make_limited_app, name, who, method, url):
    """Per user when signed in (another user keeps their budget), per address for registration."""
    app = make_limited_app(**{f"RATELIMIT_{name}": "2 per minute"})

    def caller():
        """A client and the keyword arguments of its request (web forms carry their CSRF token)."""
        if who.startswith("api"):
            client, headers = _bearer(app, "admin" if who.endswith("admin") else "learner")
            return client, {"headers": headers}
        if who == "anonymous":
            client, page = app.test_client(), "/register"
        else:
            client, page = _signed_in(app, "admin" if who.endswith("admin") else "learner"), "/"
        return client, {"data": {"csrf_token": csrf_from(client.get(page).get_data(as_text=True))}}

    client, kwargs = caller()
    statuses = [getattr(client, method)(url, **kwargs).status_code for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429, statuses
    if who != "anonymous":
        other, other_kwargs = caller()
        assert getattr(other, method)(url, **other_kwargs).status_code != 429


def test_the_suite_app_is_never_throttled(make_limited_app, web):
    """The session app has RATELIMIT_ENABLED=False, even after an app with limits on was created."""
    make_user(username="ani")
    make_limited_app(RATELIMIT_LOGIN="1 per minute")
    for _ in range(15):
        assert web.login("ani", WRONG).status_code == 200
    assert web.login("ani").status_code == 302
