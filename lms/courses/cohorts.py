"""Cohorts: assign a course to everyone who matches filters (kecamatan, desa, jabatan, kind).

An active rule keeps enrolling people who match later: it listens to ``user_saved``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.auth.models import KINDS, User
from lms.courses.models import CohortRule, Course, Enrollment
from lms.dbutil import insert_ignore
from lms.errors import Invalid
from lms.extensions import db
from lms.regions.models import Desa, Jabatan, Kecamatan
from lms.signals import user_saved
from lms.timeutil import utcnow


@dataclass
class CohortFilter:
    kecamatan_kode: str | None = None
    desa_kode: str | None = None
    jabatan_kode: str | None = None
    kind: str | None = None

    def validate(self) -> None:
        checks = (("kecamatan_kode", Kecamatan), ("desa_kode", Desa), ("jabatan_kode", Jabatan))
        for field, model in checks:
            value = getattr(self, field)
            if value and db.session.get(model, value) is None:
                raise Invalid(_("Nilai tidak dikenal."), field=field)
        if self.kind and self.kind not in KINDS:
            raise Invalid(_("Jenis tidak dikenal."), field="kind")
        if self.desa_kode and self.kecamatan_kode and not self.desa_kode.startswith(self.kecamatan_kode):
            raise Invalid(_("Desa/kelurahan ini tidak berada di kecamatan yang dipilih."), field="desa_kode")

    def conditions(self) -> list:
        where = [User.active.is_(True), User.role == "learner"]
        if self.kecamatan_kode:
            where.append(User.desa_kode.in_(sa.select(Desa.kode).where(Desa.kecamatan_kode == self.kecamatan_kode)))
        if self.desa_kode:
            where.append(User.desa_kode == self.desa_kode)
        if self.jabatan_kode:
            where.append(User.jabatan_kode == self.jabatan_kode)
        if self.kind:
            where.append(User.kind == self.kind)
        return where

    def matches(self, user: User) -> bool:
        return (user.active and user.role == "learner"
                and (not self.kecamatan_kode or (user.desa_kode or "").startswith(self.kecamatan_kode + "."))
                and (not self.desa_kode or user.desa_kode == self.desa_kode)
                and (not self.jabatan_kode or user.jabatan_kode == self.jabatan_kode)
                and (not self.kind or user.kind == self.kind))


def preview(course: Course, cohort: CohortFilter) -> dict:
    """How many people match, and how many of them are not yet enrolled."""
    cohort.validate()
    matching = sa.select(User.id).where(*cohort.conditions())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(matching.subquery()))
    enrolled = db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment).where(
        Enrollment.course_id == course.id, Enrollment.user_id.in_(matching)))
    return {"matching": total, "already_enrolled": enrolled, "new": total - enrolled}


def assign(course: Course, cohort: CohortFilter, *, by: User, due_at: datetime | None, keep_active: bool) -> int:
    """Enrol everyone who matches (one INSERT ... SELECT); return how many were newly enrolled."""
    cohort.validate()
    if course.status != "published":
        raise Invalid(_("Terbitkan kursus dulu sebelum ditugaskan."), field="course")
    rule = CohortRule(course_id=course.id, kecamatan_kode=cohort.kecamatan_kode, desa_kode=cohort.desa_kode,
                      jabatan_kode=cohort.jabatan_kode, kind=cohort.kind, due_at=due_at, active=keep_active,
                      created_by_id=by.id)
    db.session.add(rule)
    db.session.flush()
    before = _enrolled_count(course.id)
    already = sa.select(Enrollment.user_id).where(Enrollment.course_id == course.id)
    select = sa.select(User.id, sa.literal(course.id), sa.literal("assigned"), sa.literal(utcnow()),
                       sa.literal(due_at, type_=sa.DateTime(timezone=True)), sa.literal(rule.id)).where(
        *cohort.conditions(), User.id.not_in(already))
    db.session.execute(sa.insert(Enrollment).from_select(
        ["user_id", "course_id", "source", "enrolled_at", "due_at", "cohort_rule_id"], select))
    return _enrolled_count(course.id) - before


def _enrolled_count(course_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment).where(Enrollment.course_id == course_id))


def rules_for(course: Course) -> list[CohortRule]:
    return list(db.session.scalars(sa.select(CohortRule).where(CohortRule.course_id == course.id)
                                   .order_by(CohortRule.created_at.desc())))


def deactivate(rule: CohortRule) -> None:
    rule.active = False


def apply_active_rules(user: User) -> int:
    """Enrol ``user`` in the courses of every active rule they now match; return how many."""
    rules = db.session.scalars(sa.select(CohortRule).join(Course).where(
        CohortRule.active.is_(True), Course.status == "published")).all()
    added = 0
    for rule in rules:
        cohort = CohortFilter(rule.kecamatan_kode, rule.desa_kode, rule.jabatan_kode, rule.kind)
        if cohort.matches(user):
            added += insert_ignore(Enrollment, {"user_id": user.id, "course_id": rule.course_id, "source": "assigned",
                                                "enrolled_at": utcnow(), "due_at": rule.due_at,
                                                "cohort_rule_id": rule.id}, ["user_id", "course_id"])
    return added


@user_saved.connect
def _on_user_saved(user, **_kw):
    apply_active_rules(user)
