"""Where report queries read: the primary database, or a read replica (``REPORTS_DATABASE_URL``).

With the setting unset, reports use the app's own session (``db.session``). With it set, they go
through a separate engine and a read-only session per app context, so the heavy reads of
reviewers never queue behind learners' writes on the primary. A replica lags the primary by its
replication delay; the rollup tables it serves were kept current on the primary in the same
transaction as each change, so a replica shows a consistent, slightly older state.
"""
from __future__ import annotations

import threading

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, g

from config import normalise_database_url
from lms.extensions import db

_lock = threading.Lock()


def engine(app: Flask) -> sa.Engine | None:
    """The replica engine of ``app`` (created once), or None without REPORTS_DATABASE_URL."""
    url = app.config.get("REPORTS_DATABASE_URL")
    if not url:
        return None
    with _lock:
        found = app.extensions.get("reports_engine")
        if found is None:
            url = normalise_database_url(url)
            options = {"postgresql_readonly": True} if url.startswith("postgresql") else {}
            found = sa.create_engine(url, pool_pre_ping=True, execution_options=options)
            app.extensions["reports_engine"] = found
        return found


def session() -> so.Session:
    """The session report queries use in this app context."""
    bind = engine(current_app)
    if bind is None:
        return db.session
    if "reports_session" not in g:
        g.reports_session = so.Session(bind=bind, autoflush=False, expire_on_commit=False)
    return g.reports_session


def close(_exc=None) -> None:
    """End the app context's replica session (registered as a teardown by the reports blueprint)."""
    found = g.pop("reports_session", None)
    if found is not None:
        found.close()
