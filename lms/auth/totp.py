"""Second factor: TOTP codes from an authenticator app, and one-time recovery codes.

No request, no flash: plain arguments in, values out; the caller commits. Each code is taken
with one conditional UPDATE, so two requests racing with the same code cannot both pass.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timezone

import pyotp
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from flask import current_app
from flask_babel import gettext as _

from lms.auth.models import RecoveryCode, User
from lms.errors import Conflict, Invalid
from lms.extensions import db

ISSUER = "Cakap Desa"
ALLOWED_ROLES = ("admin", "reviewer", "trainer")
RECOVERY_CODE_COUNT = 10
# 32 symbols x 8 characters = 40 bits per recovery code, shown as "xxxx-xxxx".
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_STEP_WINDOW = (-1, 0, 1)  # as pyotp's verify(valid_window=1): the previous, current and next 30 s


def allowed(user: User) -> bool:
    """May this user set up a second factor (accounts with power)?"""
    return user.role in ALLOWED_ROLES


def required(user: User) -> bool:
    """Must this user have a second factor before using the site?"""
    return user.role == "admin" and bool(current_app.config["TOTP_REQUIRED_FOR_ADMINS"])


def enabled(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(RecoveryCode.id))
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def start_setup(user: User) -> tuple[str, str]:
    """Give the user a new, not yet active secret; return it and its otpauth:// URI."""
    if not allowed(user):
        raise Invalid(_("Peran Anda tidak memakai verifikasi dua langkah."))
    if enabled(user):
        raise Conflict(_("Verifikasi dua langkah sudah aktif. Nonaktifkan dulu untuk mengganti aplikasi."))
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_last_step = None
    return secret, provisioning_uri(user, secret)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def confirm_setup(user: User, secret: str, code: str) -> list[str]:
    """Turn the factor on once a code from the app matches; return the recovery codes (shown once)."""
    if enabled(user) or not secret or not hmac.compare_digest(secret, user.totp_secret or ""):
        raise Conflict(_("Pengaturan sudah kedaluwarsa. Mulai lagi."))
    step = _matching_step(secret, _normalise(code))
    if step is None:
        raise Invalid(_("Kode tidak cocok. Periksa jam di ponsel Anda dan coba kode yang baru."), field="code")
    user.totp_enabled_at = datetime.now(timezone.utc)
    user.totp_last_step = step  # the code used for setup cannot also be used to sign in
    return _new_recovery_codes(user)


def verify(user: User, code: str) -> bool:
    """Accept a fresh TOTP code (never one already used) or an unused recovery code, which is spent."""
    if not enabled(user) or not isinstance(code, str):
        return False
    code = _normalise(code)
    if code.isdigit() and len(code) == 6:
        step = _matching_step(user.totp_secret, code)
        return step is not None and _take_step(user, step)
    return _spend_recovery_code(user, code)


def disable(user: User) -> None:
    """Turn the second factor off and forget the secret and every recovery code."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _normalise(code) -> str:
    return "".join(str(code or "").split()).replace("-", "").lower()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _matching_step(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.fromtimestamp(time.time(), timezone.utc))
    for step in (now + offset for offset in _STEP_WINDOW):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _take_step(user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) was already accepted."""
    result = db.session.execute(
        sa.update(User).where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)  # already in the database
    return True


def _spend_recovery_code(user: User, code: str) -> bool:
    if len(code) != 8:
        return False
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None))
        .values(used_at=datetime.now(timezone.utc)).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _i in range(8)) for _n in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    db.session.flush()
    return [f"{code[:4]}-{code[4:]}" for code in codes]
