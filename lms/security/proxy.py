"""Trust ``X-Forwarded-*`` headers only from the reverse proxies we run (``PROXY_HOPS``)."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Wrap the WSGI app in ProxyFix for ``PROXY_HOPS`` proxies; with 0, forwarded headers are ignored.

    Trusting one header too many lets anyone choose their own ``remote_addr`` (and so dodge a
    per-IP rate limit) by sending ``X-Forwarded-For``; so the default trusts none.
    """
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
