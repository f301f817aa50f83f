"""Security headers on every response: pages, JSON, files, redirects and errors."""
from __future__ import annotations

from flask import Flask, Response

# No inline script anywhere (scripts are files under /static); inline *style* stays allowed
# because the server-rendered SVG charts use style attributes.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000"


def security_headers(secure: bool) -> dict[str, str]:
    """The headers every response carries; HSTS only when the site runs on HTTPS."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    if secure:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def init_app(app: Flask) -> None:
    """Add the headers in an after_request hook (it also runs for error handlers' responses)."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in security_headers(bool(app.config.get("SESSION_COOKIE_SECURE"))).items():
            response.headers.setdefault(name, value)
        return response
