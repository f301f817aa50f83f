"""What keeping a course offline takes: its pages, its images, and their size.

The size is an estimate made without rendering anything: the stored lesson HTML, plus the page
layout around it (``LAYOUT_BYTES``, measured on the served pages; tests/test_offline.py keeps the
estimate within 25 % of the bytes actually served), plus the stored image files. One query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from lms.auth.models import User
from lms.courses.models import Course, Lesson, Module
from lms.courses.services import is_enrolled
from lms.errors import Forbidden
from lms.extensions import db
from lms.studio.media import IMAGE_URL_PREFIX, image_path

LAYOUT_BYTES = 5_800  # header, menu, footer, forms and scripts of one page, without the lesson text
OUTLINE_ITEM_BYTES = 300  # one lesson's line on the course page (quiz lines included on average)
IMAGE_SRC_RE = re.compile(r'<img[^>]*\ssrc="' + re.escape(IMAGE_URL_PREFIX) + r'([A-Za-z0-9_-]{22}\.(?:png|jpg|webp))"')


@dataclass
class OfflinePackage:
    course: Course
    lesson_ids: list[int] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # stored image names, once each, in reading order
    size: int = 0  # bytes, estimated


def check_may_keep_offline(user: User, course: Course, *, shared_device: bool) -> None:
    """Enrolled learners on their own device may keep a course for reading offline; others: Forbidden."""
    if shared_device:
        raise Forbidden(_("Perangkat bersama tidak menyimpan kursus untuk dibaca offline."), code="shared_device")
    if not is_enrolled(user, course):
        raise Forbidden(_("Anda belum terdaftar di kursus ini."), code="not_enrolled")


def offline_package(course: Course) -> OfflinePackage:
    """The course's lessons (in reading order) and images, and an estimate of their size in bytes."""
    rows = db.session.execute(
        sa.select(Lesson.id, Lesson.title, Lesson.body_html).join(Module, Module.id == Lesson.module_id)
        .where(Lesson.course_id == course.id).order_by(Module.position, Lesson.position)).all()
    package = OfflinePackage(course)
    package.size = LAYOUT_BYTES + len((course.title + course.summary).encode()) + OUTLINE_ITEM_BYTES * len(rows)
    for lesson_id, title, body_html in rows:
        package.lesson_ids.append(lesson_id)
        package.size += LAYOUT_BYTES + 3 * len(title.encode()) + len((body_html or "").encode())
        for name in IMAGE_SRC_RE.findall(body_html or ""):
            if name not in package.images:
                package.images.append(name)
    for name in package.images:
        path = image_path(name)
        package.size += path.stat().st_size if path is not None else 0
    return package


def size_label(size: int) -> str:
    """``1,2 MB`` / ``350 KB`` in the current locale (decimal units, as phones show storage)."""
    if size >= 1_000_000:
        return f"{format_decimal(round(size / 1_000_000, 1), format='#,##0.0')} MB"
    return f"{format_decimal(max(1, round(size / 1000)), format='#,##0')} KB"
