"""Security measures applied to the whole app: headers, sessions, proxies and rate limits."""
from __future__ import annotations

from flask import Flask


def init_security(app: Flask) -> None:
    """Install every app-wide security measure (called by the factory)."""
    from lms.security import headers, proxy, ratelimit, sessions

    proxy.init_app(app)
    headers.init_app(app)
    sessions.init_app(app)
    ratelimit.init_app(app)
