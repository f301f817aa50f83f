"""The record of requests made with an ``Idempotency-Key``."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.timeutil import utcnow


class IdempotencyKey(db.Model):
    """One row per (user, key): claimed with the action's own transaction, then the response kept.

    ``response_status`` is NULL between the view's commit and the recording of its response.
    """

    __tablename__ = "idempotency_key"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    key: so.Mapped[str] = so.mapped_column(sa.String(36))
    method: so.Mapped[str] = so.mapped_column(sa.String(10))
    path: so.Mapped[str] = so.mapped_column(sa.String(500))
    response_status: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    response_body: so.Mapped[str | None] = so.mapped_column(sa.Text)  # JSON bodies only, short
    response_location: so.Mapped[str | None] = so.mapped_column(sa.String(500))  # redirects
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)
