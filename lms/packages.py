"""Course packages: the one importer and exporter of the course manifest.

A manifest holds a course, its modules and lessons (``lms.courses.manifest``) and its
quizzes (``lms.quizzes.manifest``). This module sits above both features, so that
``courses`` never imports ``quizzes``; the seed, the CLI and the API all come through here.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.auth.models import User
from lms.courses import manifest as course_manifest
from lms.courses.models import Course
from lms.courses.services import can_edit_course
from lms.errors import Forbidden, Invalid
from lms.extensions import db
from lms.quizzes import manifest as quiz_manifest


def validate(data: Any) -> list[dict]:
    """Every problem of a manifest as ``{"field", "message"}`` (empty when it is good)."""
    problems = course_manifest.schema_problems(data)
    if problems:
        return problems
    return quiz_manifest.quiz_problems(data["course"])


def check(data: Any) -> None:
    """Raise Invalid (422 ``invalid_manifest``) naming the first bad field; all are in ``details``."""
    problems = validate(data)
    if problems:
        err = Invalid(problems[0]["message"], field=problems[0]["field"], code="invalid_manifest")
        err.details = problems
        raise err


def import_package(data: Any, *, author: User | None = None) -> Course:
    """Validate, then write the whole course in the caller's transaction; nothing is written on error."""
    check(data)
    course = course_manifest.write_course(data["course"], author=author)
    quiz_manifest.write_quizzes(course, data["course"])
    return course


def import_as(user: User, data: Any) -> Course:
    """Import as ``user``: a trainer may replace only a course they may edit."""
    check(data)
    existing = db.session.scalar(sa.select(Course).where(Course.slug == data["course"]["slug"]))
    if existing is not None and not can_edit_course(user, existing):
        raise Forbidden(_("Kursus dengan slug ini milik penulis lain."), code="not_author")
    return import_package(data, author=user)


def export_package(course: Course) -> dict:
    """The manifest that, imported again, gives back this course with its quizzes."""
    data = course_manifest.export_course(course)
    quiz_manifest.export_quizzes(course, data["course"])
    return data
