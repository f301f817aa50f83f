"""Fixtures for the rate-limit tests: fresh apps with the limits on, and a clean Redis.

The session app keeps RATELIMIT_ENABLED=False (TestingConfig), so the rest of the suite is
never throttled. These apps share its test database and turn the limits on for themselves.
Each test's Redis keys carry their own prefix and are deleted afterwards, rather than a
FLUSHDB, so two test runs on one machine (several engineers) cannot wipe each other's counters.
"""
from __future__ import annotations

import os
import uuid

import pytest
import redis

from lms import create_app
from lms.extensions import db as _db
from lms.security.ratelimit import limiter
from tests.conftest import Config

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_db():
    """The Redis test database, with a key prefix for this test; fail clearly if Redis is down."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as err:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({err}). Start it (CI does: redis-server on "
                    f"127.0.0.1:6379) or point TEST_REDIS_URL at one.", pytrace=False)
    client.key_prefix = f"test-{uuid.uuid4().hex}"
    yield client
    for key in client.scan_iter(f"{client.key_prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def make_limited_app(request):
    """``make_limited_app(backend, **settings)``: a new app with rate limits on ("memory" or "redis")."""
    apps = []

    def make(backend: str = "memory", **settings):
        redis_url = None
        if backend == "redis":
            redis_url = REDIS_URL
            prefix = request.getfixturevalue("redis_db").key_prefix
            settings.setdefault("RATELIMIT_STORAGE_OPTIONS", {"key_prefix": prefix})
        config = type("LimitedConfig", (Config,), {"RATELIMIT_ENABLED": True, "REDIS_URL": redis_url, **settings})
        app = create_app(config)
        if backend == "memory":
            limiter.reset()  # the limiter's storage is new at init_app; reset anyway, it is cheap
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture(params=["memory", "redis"])
def backend(request):
    return request.param
