"""Browser fixtures: the real app on a real port, driven by Debian's Chromium through Playwright.

The live server has its own SQLite file, built the way production builds it (Alembic migrations,
then the shipped curriculum and the demo accounts); nothing here uses the per-test database of
tests/conftest.py. Without /usr/bin/chromium (or the playwright package) every browser test is
skipped with the reason; .ci/run installs Debian's chromium so that CI always runs them.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask

from config import TestingConfig

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@dataclass
class LiveServer:
    url: str
    app: Flask
    tmpdir: str


@contextmanager
def logging_kept():
    """Undo what migrations/env.py's ``fileConfig`` does to logging (it disables every existing
    logger and replaces the root handlers), so later tests still see the app's log records."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {name: (lg.disabled, lg.level, list(lg.handlers), lg.propagate)
             for name, lg in logging.Logger.manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    try:
        yield
    finally:
        root.setLevel(saved_root[0])
        root.handlers[:] = saved_root[1]
        for name, lg in logging.Logger.manager.loggerDict.items():
            if not isinstance(lg, logging.Logger):
                continue
            disabled, level, handlers, propagate = saved.get(name, (False, lg.level, lg.handlers, lg.propagate))
            lg.disabled, lg.propagate = disabled, propagate
            lg.handlers[:] = handlers
            lg.setLevel(level)


@contextmanager
def serve_app():
    """Build the app on a fresh SQLite file (migrated and seeded), serve it on a free port, yield a LiveServer."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from lms import create_app
    from lms.cli import seed_content, seed_demo_accounts
    from lms.extensions import db

    tmpdir = tempfile.mkdtemp(prefix="cakap-browser-")

    class LiveConfig(TestingConfig):
        TESTING = False  # behave like the deployed app (error pages, not exceptions)
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmpdir}/live.db"
        UPLOAD_FOLDER = f"{tmpdir}/uploads"
        RATELIMIT_ENABLED = False
        TOTP_REQUIRED_FOR_ADMINS = False

    app = create_app(LiveConfig)
    with app.app_context(), logging_kept():
        upgrade()  # the migrations, as `flask db upgrade` runs them (never create_all here)
        seed_content()
        seed_demo_accounts()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, tmpdir=tmpdir)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(tmpdir, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server():
    """The app served by werkzeug on a free port, in a daemon thread, with a migrated and seeded database.

    ``.url`` is its address, ``.app`` the Flask app (use ``with live_server.app.app_context():`` to
    read or prepare its database).
    """
    require_browser()  # skip before building a server that no browser would visit
    with serve_app() as server:
        yield server


def require_browser():
    """Return Playwright's sync_playwright, or skip (fail in CI) saying what is missing.

    In CI (CI=true) a missing browser is a failure, not a skip: .ci/run installs it, and the
    browser and accessibility checks must really run there.
    """
    missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    if not Path(CHROMIUM).exists():
        missing(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run does this)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (pip install -r requirements-dev.txt)")
    return sync_playwright


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium (never a browser downloaded by Playwright)."""
    sync_playwright = require_browser()
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium's sandbox refuses to run as root
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield chromium
        chromium.close()


@dataclass
class PageErrors:
    """Console errors and uncaught exceptions seen on a page (CSP violations are console errors)."""

    messages: list[str] = field(default_factory=list)
    # Chromium asks for /favicon.ico by itself whenever a page declares no icon; that 404 is the
    # browser's doing, not the page's, so it is not counted.
    allowed: list[str] = field(default_factory=lambda: ["/favicon.ico)"])

    def allow(self, fragment: str) -> None:
        """Accept console errors containing ``fragment`` (e.g. the failed fetches of an offline test)."""
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(a in m for a in self.allowed)]


def _new_page(browser, request, **context_options):
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Makassar", **context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = PageErrors()

    def on_console(msg):
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            errors.messages.append(f"console: {msg.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.messages.append(f"pageerror: {exc}"))
    page.errors = errors  # tests may call page.errors.allow("...") for errors they provoke on purpose
    return context, page, errors


def _page_fixture(browser, request, **options):
    context, page, errors = _new_page(browser, request, **options)
    yield page
    context.close()
    unexpected = errors.unexpected()
    if unexpected:
        pytest.fail("errors in the browser console:\n" + "\n".join(unexpected), pytrace=False)


@pytest.fixture
def phone_page(browser, request):
    """A page in a 360x740 touch phone context (Indonesian locale, WITA); fails on console errors."""
    yield from _page_fixture(browser, request, viewport=PHONE, device_scale_factor=1, is_mobile=True,
                             has_touch=True)


@pytest.fixture
def desktop_page(browser, request):
    """A page in a 1280x800 desktop context; fails on console errors."""
    yield from _page_fixture(browser, request, viewport=DESKTOP, device_scale_factor=1)
