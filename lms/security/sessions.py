"""Session hardening: a server-enforced idle timeout, and security logging.

The idle clock lives in the signed session cookie (``last_seen``, epoch seconds), so it needs
no server-side store and a copied old cookie fails the same check. Logout, deactivation and
password changes end sessions through the per-user ``session_version`` (lms.auth.services).

Security events go to the ``lms.security`` logger: user id, client address, path. Never a
password, a token, a cookie or the Authorization header.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import Flask, Response, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_logged_in

log = logging.getLogger("lms.security")

LAST_SEEN = "last_seen"


def _clean(value, limit: int = 64) -> str:
    """A user-supplied value made safe for one log line (no newlines, bounded length)."""
    text = value if isinstance(value, str) else repr(value)
    return text[:limit].encode("unicode_escape").decode("ascii")


def log_failed_login(username, remote_addr: str | None) -> None:
    """Record a failed login (web form or API token request); the password is never passed in."""
    log.warning("failed login: username=%s ip=%s", _clean(username), remote_addr or "-")


def _log_forbidden(response: Response) -> Response:
    if response.status_code == 403:
        user = g.get("api_user")  # set by the API's bearer authentication
        if user is None and current_user.is_authenticated:
            user = current_user
        log.warning("permission denied: user=%s ip=%s %s %s", getattr(user, "id", "-"),
                    request.remote_addr or "-", request.method, request.path)
    return response


def _stamp_login(_sender, **_extra) -> None:
    """Start the idle clock when someone signs in (login_user), before their next request."""
    session[LAST_SEEN] = int(time.time())


def _is_exempt() -> bool:
    # The API authenticates with bearer tokens, not the session; static files carry no state.
    return request.path.startswith("/api/") or request.endpoint == "static"


def _login_redirect():
    flash(_("Sesi Anda berakhir karena tidak aktif. Silakan masuk lagi."), "warning")
    if request.method in ("GET", "HEAD") and not (request.endpoint or "").startswith("auth."):
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.login", next=target))
    return redirect(url_for("auth.login"))


def _enforce_idle_timeout(app: Flask):
    if _is_exempt() or not current_user.is_authenticated:
        return None
    now = int(time.time())
    last_seen = session.get(LAST_SEEN)
    timeout = int(app.config["IDLE_TIMEOUT_MINUTES"]) * 60
    if last_seen is not None and (not isinstance(last_seen, (int, float)) or now - last_seen > timeout):
        log.info("idle session ended: user=%s ip=%s", current_user.id, request.remote_addr or "-")
        logout_user()
        session.clear()
        return _login_redirect()
    session[LAST_SEEN] = now
    return None


def init_app(app: Flask) -> None:
    """Install the idle timeout, the 403 log and cookie settings for flask-login's remember-me."""
    # Remember-me cookies are not used (login_user is never called with remember=True);
    # should one ever be, it gets the same protection as the session cookie.
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", bool(app.config.get("SESSION_COOKIE_SECURE")))
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(minutes=int(app.config["IDLE_TIMEOUT_MINUTES"])))
    # A personal device's session cookie is permanent for as long as the idle timeout (Flask
    # renews it on each request); a shared device's is not (lms.auth.views._start_session).
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(app.config["IDLE_TIMEOUT_MINUTES"]))
    user_logged_in.connect(_stamp_login)  # module-level receiver: blinker keeps a weak reference
    app.before_request(lambda: _enforce_idle_timeout(app))
    app.after_request(_log_forbidden)
