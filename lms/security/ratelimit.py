"""Rate limits (Flask-Limiter) and the per-username lockout after failed logins.

Counters live in Redis when REDIS_URL is set, so every app server sees the same counts;
in memory otherwise (one process only). RATELIMIT_ENABLED=False turns off both the limits
and the lockout for that app (the test suite's default).

The limiter is one module-level object, as Flask-Limiter expects; ``init_app`` may run for
several apps in one process (tests do): each app's own RATELIMIT_ENABLED is honoured by a
request filter, and the lockout keeps its storage per app in ``app.extensions``.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import time

from flask import Flask, current_app, g, make_response
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits.storage import Storage, storage_from_string

from lms.errors import LMSError, error_response

# Defaults; an app may override one with RATELIMIT_<NAME> (e.g. RATELIMIT_LOGIN = "10 per minute").
# Login is per IP and shared by the web form and the API token endpoint. It is generous because a
# whole village office often sits behind one address; the per-username lockout guards accounts.
LOGIN_RATE = "60 per 15 minutes"
ANSWER_RATE = "120 per minute"
SUBMIT_RATE = "10 per minute"
REGISTER_RATE = "10 per hour"
IMPORT_RATE = "20 per hour"

_LOCKOUT_STORAGE = "lms.login_lockout"

limiter = Limiter(key_func=get_remote_address, strategy="moving-window", headers_enabled=True,
                  key_prefix="cakap")


@limiter.request_filter
def _disabled_for_this_app() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def init_app(app: Flask) -> None:
    """Bind the limiter and the lockout storage to the app (no connection is opened here)."""
    uri = app.config.get("REDIS_URL") or "memory://"
    app.config.setdefault("RATELIMIT_STORAGE_URI", uri)
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    limiter.init_app(app)
    if app.config.get("RATELIMIT_ENABLED", True):
        app.extensions[_LOCKOUT_STORAGE] = storage_from_string(app.config["RATELIMIT_STORAGE_URI"],
                                                               **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}))


def _rate(name: str, default: str):
    return lambda: current_app.config.get(f"RATELIMIT_{name}", default)


def user_or_ip() -> str:
    """Key for limits on signed-in work: the user (web session or API token), else the address."""
    user = g.get("api_user")
    if user is None and current_user.is_authenticated:
        user = current_user
    return f"user:{user.id}" if user is not None else get_remote_address()


login_limit = limiter.shared_limit(_rate("LOGIN", LOGIN_RATE), scope="login", methods=["POST"])
token_limit = login_limit  # the same budget: switching between web and API gains no extra tries
answer_limit = limiter.shared_limit(_rate("ANSWER", ANSWER_RATE), scope="answer", key_func=user_or_ip)
submit_limit = limiter.shared_limit(_rate("SUBMIT", SUBMIT_RATE), scope="submit", key_func=user_or_ip)
register_limit = limiter.limit(_rate("REGISTER", REGISTER_RATE), methods=["POST"])
import_limit = limiter.shared_limit(_rate("IMPORT", IMPORT_RATE), scope="import", key_func=user_or_ip,
                                    methods=["POST"])


def _wait_message(seconds: int) -> str:
    if seconds < 60:
        return _("Terlalu banyak permintaan. Coba lagi dalam %(n)d detik.", n=max(seconds, 1))
    return _("Terlalu banyak permintaan. Coba lagi dalam %(n)d menit.", n=math.ceil(seconds / 60))


def _too_many_requests(err: RateLimitExceeded):
    """429 in Bahasa Indonesia, saying when to try again (JSON under /api/, a page otherwise)."""
    breached = limiter.current_limit
    seconds = int(breached.reset_at - time.time()) if breached else err.limit.limit.get_expiry()
    response = make_response(error_response(429, "too_many_requests", _wait_message(seconds)))
    response.headers.setdefault("Retry-After", str(max(seconds, 1)))
    return response


# --- per-username lockout -------------------------------------------------------------------


class LoginLocked(LMSError):
    """Too many failed logins for this username; ``retry_after`` is in seconds."""

    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(_("Terlalu banyak percobaan gagal. Coba lagi dalam %(n)d menit.", n=minutes))


def _storage() -> Storage | None:
    return current_app.extensions.get(_LOCKOUT_STORAGE) if current_app.config.get("RATELIMIT_ENABLED") else None


def _window() -> int:
    return max(1, round(float(current_app.config["LOGIN_LOCKOUT_MINUTES"]) * 60))


def _keys(username: str) -> tuple[str, str]:
    """Counter and lock keys: an HMAC of the lower-cased name, never the name itself."""
    name = (username or "").strip().lower().encode()
    digest = hmac.new(str(current_app.config["SECRET_KEY"]).encode(), name, hashlib.sha256).hexdigest()[:32]
    return f"cakap/login-failures/{digest}", f"cakap/login-lock/{digest}"


def record_failure(username: str) -> int:
    """Count one failed login and return the count in the window; at LOGIN_MAX_FAILURES, lock the name.

    The count is one atomic increment (a Lua INCR+EXPIRE on Redis, a lock in memory), so callers
    that count before checking the password can trust it under concurrency.
    """
    storage = _storage()
    if storage is None:
        return 0
    failures_key, lock_key = _keys(username)
    count = storage.incr(failures_key, _window())
    if count >= current_app.config["LOGIN_MAX_FAILURES"]:
        storage.incr(lock_key, _window())  # the expiry is set by the first increment only
    return count


def is_locked(username: str) -> bool:
    storage = _storage()
    return storage is not None and storage.get(_keys(username)[1]) > 0


def lock_remaining(username: str) -> int:
    """Seconds until a locked username may try again (0 when not locked)."""
    storage = _storage()
    if storage is None or not is_locked(username):
        return 0
    return max(1, math.ceil(storage.get_expiry(_keys(username)[1]) - time.time()))


def clear_failures(username: str) -> None:
    storage = _storage()
    if storage is not None:
        for key in _keys(username):
            storage.clear(key)
