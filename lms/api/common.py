"""Helpers shared by the API views: bearer authentication and JSON input."""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from lms.auth.services import user_for_token
from lms.errors import Forbidden, Invalid, Unauthorized


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_required(*roles: str):
    """Require a valid bearer token; with ``roles``, also one of those roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = bearer_token()
            if not token:
                raise Unauthorized(_("Sertakan header Authorization: Bearer <token>."))
            g.api_user = user_for_token(token)
            if roles and g.api_user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def json_body() -> dict:
    """The request's JSON object, or 422 ``invalid_json``."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(_("Isi permintaan harus berupa objek JSON."), code="invalid_json")
    if _has_nul(data):  # PostgreSQL text cannot hold NUL: refuse it here rather than fail at the database
        raise Invalid(_("Teks tidak boleh berisi karakter NUL."), code="invalid_json")
    return data


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
