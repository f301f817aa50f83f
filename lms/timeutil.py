"""Time helpers: the database stores UTC; people see WITA (Asia/Makassar by default)."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Attach UTC to a naive value read back from SQLite (which drops the offset)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def local_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("LMS_TIMEZONE", "Asia/Makassar"))


def to_local(value: datetime | None) -> datetime | None:
    value = as_utc(value)
    return value.astimezone(local_tz()) if value else None


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 in local time with its offset, e.g. ``2026-11-28T15:30:00+08:00``."""
    local = to_local(value)
    return local.isoformat(timespec="seconds") if local else None
