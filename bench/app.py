"""The app under benchmark: the real application plus two baseline endpoints.

``gunicorn -c gunicorn.conf.py 'bench.app:create_bench_app()'`` serves exactly what production
serves (same factory, same hooks, same settings) and adds ``/_bench/constant`` and
``/_bench/user``, which production never has. They are the yardsticks of ``make bench``:

- ``/_bench/constant``: a constant body; the cost of gunicorn, Flask and our request hooks.
- ``/_bench/user``: loads the signed-in user from the session (one query) and returns the name;
  the ceiling for any page a learner sees, since every such page does at least this.

Rate limits stay on (their Redis round trips are part of the cost), but the bench runs every
simulated learner from one address, so the per-address login limit and the per-user answer and
submit limits may be raised with ``RATELIMIT_LOGIN``, ``RATELIMIT_ANSWER`` and ``RATELIMIT_SUBMIT``
(Flask-Limiter strings such as ``"100000 per minute"``), read here and nowhere in production.
"""
from __future__ import annotations

import os

from flask import Blueprint, Flask, Response
from flask_login import current_user, login_required

from lms import create_app

bp = Blueprint("bench", __name__, url_prefix="/_bench")

RATE_SETTINGS = ("RATELIMIT_LOGIN", "RATELIMIT_ANSWER", "RATELIMIT_SUBMIT")


@bp.get("/constant")
def constant() -> Response:
    """Anyone: a constant body (the floor of any request's cost)."""
    return Response("ok\n", mimetype="text/plain")


@bp.get("/user")
@login_required
def user() -> Response:
    """Signed-in users: their username (the session user loaded, nothing else)."""
    return Response(current_user.username + "\n", mimetype="text/plain")


def create_bench_app() -> Flask:
    """The production app, the bench blueprint, and the rate settings from the environment."""
    app = create_app()
    for name in RATE_SETTINGS:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.register_blueprint(bp)
    return app
