"""The audit log: who did what to whom, when. Written by services, never edited by the app."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.timeutil import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)  # e.g. report.export, user.create
    target: so.Mapped[str | None] = so.mapped_column(sa.String(200))      # e.g. user:42, report:completion
    details: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)    # filters, format, changed fields


def record(actor_id: int | None, action: str, *, target: str | None = None, details: dict | None = None) -> None:
    """Add an audit event in the caller's transaction."""
    db.session.add(AuditEvent(actor_id=actor_id, action=action, target=target, details=details or {}))
