"""Idempotency keys: an action sent twice with the same key is done once.

The browser queues actions taken offline and replays them when the connection returns; a replay
can reach the server twice (a lost response, two tabs, a retry). Each queued action carries
``Idempotency-Key: <uuid>``. For the endpoints in ``IDEMPOTENT_ENDPOINTS``:

1. ``claim`` (before the view) inserts (user, key, method, path) with ``INSERT ... ON CONFLICT DO
   NOTHING`` in the request's own transaction, so the claim commits together with the view's work,
   or rolls back with it (a failed action can be sent again).
2. ``record`` (after the view) keeps the response: status, a short JSON body or the redirect target.
3. A resend finds the row (its INSERT did nothing) and gets the kept response back, marked
   ``Idempotent-Replayed: true``, without the view running. Two requests racing with one key: the
   unique index makes the second wait for the first's commit, then it finds the row. A row whose
   response is not yet written belongs to a request still finishing: 409 ``idempotency_in_progress``
   with ``Retry-After``; the queue tries again.
4. The same key on another path or method: 422 ``idempotency_key_reused``.

Requests without the header behave exactly as before. Keys older than ``IDEMPOTENCY_KEY_DAYS``
(default 7) are purged now and then during claims and by ``flask purge-idempotency-keys``.
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Response, current_app, g, jsonify, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.dbutil import insert_ignore, upsert
from lms.extensions import db
from lms.offline import guards
from lms.offline.models import IdempotencyKey
from lms.timeutil import as_utc, utcnow

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# The actions the offline queue sends (see static/sw.js); any POST endpoint may be added.
IDEMPOTENT_ENDPOINTS = frozenset({"courses.complete_lesson", "quizzes.autosave"})
BODY_LIMIT = 2000  # characters of a JSON response kept for replays
PENDING_GRACE = timedelta(seconds=30)
DEFAULT_KEY_DAYS = 7
DEFAULT_PURGE_CHANCE = 0.01


def _error(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def parse_key(raw: str) -> str | None:
    """The key as a canonical lower-case UUID string, or None when it is not a UUID."""
    try:
        return str(uuid.UUID(raw.strip())) if raw and len(raw) <= 64 else None
    except ValueError:
        return None


def _applies() -> bool:
    return (request.method == "POST" and request.endpoint in IDEMPOTENT_ENDPOINTS
            and HEADER in request.headers and current_user.is_authenticated)


def claim() -> Response | None:
    """Before the view: claim the key, or answer a resend with the kept response."""
    if not _applies():
        return None  # no key, another endpoint, or signed out (login_required answers)
    key = parse_key(request.headers[HEADER])
    if key is None:
        return _error(422, "idempotency_key_invalid", _("Kunci idempotensi harus berupa UUID."))
    now = utcnow()
    values = {"user_id": current_user.id, "key": key, "method": request.method, "path": request.path[:500],
              "created_at": now}
    if insert_ignore(IdempotencyKey, values, ["user_id", "key"]):
        g.idempotency_key = key
        _maybe_purge(now)
        return guards.check(request.endpoint, current_user.id, request.view_args or {}, now)
    row = db.session.scalar(sa.select(IdempotencyKey).where(IdempotencyKey.user_id == current_user.id,
                                                            IdempotencyKey.key == key))
    if row is not None and (row.method, row.path) != (request.method, request.path[:500]):
        return _error(422, "idempotency_key_reused",
                      _("Kunci idempotensi ini sudah dipakai untuk permintaan lain."))
    if row is None or row.response_status is None:
        if row is not None and now - as_utc(row.created_at) > PENDING_GRACE:
            # The action committed with its claim, but its response was never written (the
            # process stopped in between): it was done; say so.
            return _replayed(jsonify({"replayed": True, "done": True}))
        response = _error(409, "idempotency_in_progress",
                          _("Permintaan yang sama sedang diproses. Coba lagi sebentar."))
        response.headers["Retry-After"] = "1"
        return response
    return _replay(row)


def _replayed(response: Response) -> Response:
    response.headers[REPLAYED_HEADER] = "true"
    response.headers["Cache-Control"] = "no-store"
    return response


def _replay(row: IdempotencyKey) -> Response:
    if row.response_location:
        return _replayed(redirect(row.response_location, code=row.response_status))
    if row.response_body is not None:
        return _replayed(current_app.response_class(row.response_body, status=row.response_status,
                                                     mimetype="application/json"))
    return _replayed(current_app.response_class(status=row.response_status))


def _recordable(status: int) -> bool:
    # 429 and 5xx are passing conditions: the claim is dropped and a resend executes.
    return status < 500 and status != 429


def _kept_body(response: Response) -> str | None:
    if response.mimetype != "application/json" or response.direct_passthrough:
        return None
    text = response.get_data(as_text=True)
    return text if len(text) <= BODY_LIMIT else None


def record(response: Response) -> Response:
    """After the view: keep the response of a claimed key (and commit), or drop the claim."""
    key = g.pop("idempotency_key", None)
    if key is None:
        return response
    if not _recordable(response.status_code):
        db.session.rollback()
        return response
    location = response.headers.get("Location") if 300 <= response.status_code < 400 else None
    values = {"user_id": current_user.id, "key": key, "method": request.method, "path": request.path[:500],
              "created_at": utcnow(), "response_status": response.status_code,
              "response_body": _kept_body(response), "response_location": (location or "")[:500] or None}
    # An upsert: the claim is there when the view committed (or did nothing); a domain error
    # rolled it back, and its final answer (403, 404, 409 ...) is kept all the same.
    upsert(IdempotencyKey, values, ["user_id", "key"], ["response_status", "response_body", "response_location"])
    db.session.commit()
    return response


def purge(before: datetime) -> int:
    """Delete keys created before ``before``; return how many."""
    result = db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < before)
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def key_lifetime(days: int | None = None) -> timedelta:
    """How long a key is kept: ``days``, else IDEMPOTENCY_KEY_DAYS (default 7)."""
    return timedelta(days=days or int(current_app.config.get("IDEMPOTENCY_KEY_DAYS", DEFAULT_KEY_DAYS)))


def _maybe_purge(now: datetime) -> None:
    """Now and then (a small chance per claim), drop expired keys: no cron job is needed."""
    chance = float(current_app.config.get("IDEMPOTENCY_PURGE_CHANCE", DEFAULT_PURGE_CHANCE))
    if random.random() < chance:  # noqa: S311 - not a secret, a sampling rate
        purge(now - key_lifetime())
