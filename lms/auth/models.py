"""Users and their API tokens."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from lms.extensions import db
from lms.regions.models import Desa, Jabatan
from lms.timeutil import utcnow

ROLES = ("learner", "trainer", "reviewer", "operator", "admin")
KINDS = ("perangkat", "warga")


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default="learner", index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), default="warga")
    jabatan_kode: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("jabatan.kode"), index=True)
    desa_kode: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("desa.kode"), index=True)
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Bumped on logout, password change and deactivation: every session cookie minted under
    # an older version stops working (a signed cookie alone would stay valid).
    session_version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)
    # Set for a temporary password (import, admin reset): the user must choose a new one.
    must_change_password: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=False)
    # Residents under 18 register only with a parent's or guardian's consent (UU PDP Pasal 25).
    is_adult: so.Mapped[bool | None] = so.mapped_column(sa.Boolean)
    guardian_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    deletion_requested_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    erased_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    # Second factor (lms/auth/totp.py): the base32 secret is set when setup starts and the
    # factor counts only once totp_enabled_at is set; the last accepted time-step refuses reuse.
    totp_secret: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    totp_enabled_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    totp_last_step: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    # Interface language chosen by the user ('id' or 'en'); None follows the browser (lms/i18n.py).
    locale: so.Mapped[str | None] = so.mapped_column(
        sa.String(5), sa.CheckConstraint("locale IN ('id', 'en')", name="locale_known"))

    desa: so.Mapped[Desa | None] = so.relationship(lazy="joined")
    jabatan: so.Mapped[Jabatan | None] = so.relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLES}", name="role_known"),
        sa.CheckConstraint(f"kind IN {KINDS}", name="kind_known"),
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak reveals no token."""

    __tablename__ = "api_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: so.Mapped[User] = so.relationship(lazy="joined")


class Consent(db.Model):
    """Consent to a version of the privacy notice (and, for a minor, the guardian's)."""

    __tablename__ = "consent"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    notice_version: so.Mapped[str] = so.mapped_column(sa.String(20))
    consented_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    guardian_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))


class RecoveryCode(db.Model):
    """A one-time code to pass the second step without the app; only its SHA-256 is stored."""

    __tablename__ = "recovery_code"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    used_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
