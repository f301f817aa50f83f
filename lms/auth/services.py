"""Accounts, passwords and API tokens. No request, no flash: plain arguments in, models out."""
from __future__ import annotations

import hashlib
import re
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from lms.auth.models import KINDS, ROLES, ApiToken, User
from lms.auth.passwords import password_problems
from lms.errors import Conflict, Invalid, Unauthorized
from lms.extensions import db
from lms.regions.services import get_desa, get_jabatan
from lms.signals import user_saved

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
PHONE_RE = re.compile(r"^\+?[0-9 ()-]{8,20}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

# A hash to compare against when the username is unknown, so that a login attempt takes
# as long for an unknown user as for a wrong password (no username probing by timing).
_DUMMY_HASH: str | None = None


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def validate_password(password: str, field: str = "password", *, username: str | None = None,
                      full_name: str | None = None) -> None:
    """Apply the password rules (length, not the name, not a common password); Invalid names the field."""
    if not isinstance(password, str):
        raise Invalid(_("Kata sandi wajib diisi."), field=field)
    problems = password_problems(password, username=username, full_name=full_name)
    if problems:
        raise Invalid(problems[0], field=field)


def _clean_text(value, field: str, *, required: bool, max_len: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid(_("Wajib diisi."), field=field)
        return None
    if not isinstance(value, str):
        raise Invalid(_("Harus berupa teks."), field=field)
    value = value.strip()
    if len(value) > max_len:
        raise Invalid(_("Terlalu panjang (maksimal %(n)d karakter).", n=max_len), field=field)
    return value


def clean_profile(*, fields: dict | None = None, **values) -> dict:
    """Validate the profile fields given (full_name, kind, jabatan_kode, desa_kode, email, phone).

    ``fields`` renames a field in error messages (the API calls jabatan_kode ``jabatan``).
    """
    names = {key: key for key in values} | (fields or {})
    out = {}
    if "full_name" in values:
        out["full_name"] = _clean_text(values["full_name"], names["full_name"], required=True, max_len=120)
    if "kind" in values:
        if values["kind"] not in KINDS:
            raise Invalid(_("Jenis pengguna harus perangkat atau warga."), field=names["kind"])
        out["kind"] = values["kind"]
    if "jabatan_kode" in values:
        jabatan = values["jabatan_kode"] or None
        if jabatan is not None and (not isinstance(jabatan, str) or get_jabatan(jabatan) is None):
            raise Invalid(_("Jabatan tidak dikenal."), field=names["jabatan_kode"])
        out["jabatan_kode"] = jabatan
    if "desa_kode" in values:
        desa = values["desa_kode"] or None
        if desa is not None and (not isinstance(desa, str) or get_desa(desa) is None):
            raise Invalid(_("Kode desa/kelurahan tidak dikenal."), field=names["desa_kode"])
        out["desa_kode"] = desa
    if "email" in values:
        email = _clean_text(values["email"], names["email"], required=False, max_len=254)
        if email and not EMAIL_RE.match(email):
            raise Invalid(_("Alamat email tidak valid."), field=names["email"])
        out["email"] = email
    if "phone" in values:
        phone = _clean_text(values["phone"], names["phone"], required=False, max_len=20)
        if phone and not PHONE_RE.match(phone):
            raise Invalid(_("Nomor telepon tidak valid."), field=names["phone"])
        out["phone"] = phone
    return out


def create_user(*, username, full_name, password, role="learner", kind="warga", jabatan=None,
                desa_kode=None, email=None, phone=None) -> User:
    """Validate and add a user; raise Invalid naming the field, or Conflict for a taken username."""
    if not isinstance(username, str) or not USERNAME_RE.match(normalise_username(username)):
        raise Invalid(_("Nama pengguna 3-40 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung."),
                      field="username")
    username = normalise_username(username)
    profile = clean_profile(full_name=full_name, kind=kind, jabatan_kode=jabatan, desa_kode=desa_kode, email=email,
                            phone=phone, fields={"jabatan_kode": "jabatan"})
    validate_password(password, username=username, full_name=profile["full_name"])
    if role not in ROLES:
        raise Invalid(_("Peran tidak dikenal."), field="role")
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict(_("Nama pengguna sudah dipakai."), code="username_taken")
    user = User(username=username, role=role, active=True, session_version=1, **profile)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    user_saved.send(user)
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; raise LoginLocked for a locked username.

    Each attempt is recorded as a failure before the password is checked and cleared on success:
    the count comes from one atomic increment, so simultaneous guesses get no more than
    LOGIN_MAX_FAILURES password checks.
    """
    from lms.security import ratelimit

    global _DUMMY_HASH
    if not isinstance(username, str) or not isinstance(password, str):
        return None
    username = normalise_username(username)
    if ratelimit.is_locked(username) or ratelimit.record_failure(username) > current_app.config["LOGIN_MAX_FAILURES"]:
        raise ratelimit.LoginLocked(ratelimit.lock_remaining(username))
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active or user.erased_at is not None:
        return None
    ratelimit.clear_failures(username)
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    """Create an API token for the user and return it; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash_token(token)))
    db.session.flush()
    return token


def user_for_token(token: str) -> User:
    """Return the user behind a bearer token, or raise Unauthorized."""
    if not token:
        raise Unauthorized()
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or not row.user.active or row.user.erased_at is not None:
        raise Unauthorized()
    return row.user


def revoke_token(token: str) -> bool:
    result = db.session.execute(sa.delete(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    return bool(result.rowcount)


def load_session_user(session_id: str) -> User | None:
    """Turn flask-login's ``<id>.<session_version>`` back into a user, refusing stale sessions."""
    try:
        user_id, version = (int(part) for part in session_id.split("."))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.erased_at is not None or user.session_version != version:
        return None
    return user
