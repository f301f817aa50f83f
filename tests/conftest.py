"""Fixtures: one app per test session, a clean database for every test, CSRF left on.

SQLite (a temporary file) by default; PostgreSQL when TEST_DATABASE_URL is set.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from config import TestingConfig, normalise_database_url
from lms import create_app
from lms.extensions import db as _db

REFERENCE_TABLES = {"kecamatan", "desa", "jabatan"}
_tmpdir = tempfile.mkdtemp(prefix="cakap-test-")


def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else f"sqlite:///{_tmpdir}/test.db"


class Config(TestingConfig):
    SQLALCHEMY_DATABASE_URI = database_url()
    LMS_INSTANCE_DIR = _tmpdir
    UPLOAD_FOLDER = f"{_tmpdir}/uploads"


class FreshContextClient(FlaskClient):
    """Run each request in its own app context, as a real server does.

    The ``db`` fixture keeps an app context open for the test body; without this, requests
    would reuse it and share ``g`` (cached current_user, CSRF token) and the SQL session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app():
    app = create_app(Config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()  # tests only; the app itself uses migrations
        from lms.regions.services import load_reference_data

        load_reference_data()
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()
    shutil.rmtree(_tmpdir, ignore_errors=True)  # the SQLite file and uploaded test images


def _clean(app) -> None:
    with app.app_context():
        _db.session.remove()
        tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture(autouse=True)
def db(app):
    """A clean database (reference data kept) and an app context for each test."""
    _clean(app)
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()


@pytest.fixture
def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Web:
    """A browser-like helper around the test client: reads CSRF tokens from pages."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = "kata-sandi-rahasia-123"):
        page = self.client.get("/login")
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": csrf_from(page.get_data(as_text=True))})

    def post_form(self, page_url: str, action: str, data: dict | None = None, **kw):
        """Open ``page_url``, take its CSRF token and POST ``data`` to ``action``."""
        page = self.client.get(page_url)
        assert page.status_code == 200, page.status_code
        payload = {"csrf_token": csrf_from(page.get_data(as_text=True)), **(data or {})}
        return self.client.post(action, data=payload, **kw)


@pytest.fixture
def web(client):
    return Web(client)


class Api:
    def __init__(self, client):
        self.client = client

    def token(self, username: str, password: str = "kata-sandi-rahasia-123") -> str:
        response = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"]

    def as_user(self, user, password: str = "kata-sandi-rahasia-123") -> dict:
        return {"Authorization": f"Bearer {self.token(user.username, password)}"}


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...`` then ``counter.count``: SQL statements issued."""

    @contextmanager
    def counting():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()
        counter.statements = []

        def listener(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.count += 1
                counter.statements.append(statement)

        engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)

    return counting
