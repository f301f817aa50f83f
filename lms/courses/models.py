"""Course content (Course, Module, Lesson) and a learner's place in it."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.auth.models import User
from lms.extensions import db
from lms.timeutil import utcnow

PILLARS = ("cakap", "etika", "budaya", "aman")
LEVELS = ("dasar", "menengah", "lanjut")
STATUSES = ("draft", "published", "archived")


class Course(db.Model):
    __tablename__ = "course"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    pillar: so.Mapped[str] = so.mapped_column(sa.String(10), index=True)
    level: so.Mapped[str] = so.mapped_column(sa.String(10), default="dasar")
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="draft", index=True)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    author: so.Mapped[User | None] = so.relationship()
    coauthors: so.Mapped[list[CourseAuthor]] = so.relationship(cascade="all, delete-orphan")
    modules: so.Mapped[list[Module]] = so.relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(f"pillar IN {PILLARS}", name="pillar_known"),
        sa.CheckConstraint(f"level IN {LEVELS}", name="level_known"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="status_known"),
    )


class CourseAuthor(db.Model):
    """A co-author: may edit the course like its author (the author adds them)."""

    __tablename__ = "course_author"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    added_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: so.Mapped[User] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("course_id", "user_id"),)


class Module(db.Model):
    __tablename__ = "module"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(sa.Integer)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))

    course: so.Mapped[Course] = so.relationship(back_populates="modules")
    lessons: so.Mapped[list[Lesson]] = so.relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan")


class Lesson(db.Model):
    __tablename__ = "lesson"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    module_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("module.id", ondelete="CASCADE"), index=True)
    # Kept beside module_id so that progress is one indexed count per course.
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(sa.Integer)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    body_markdown: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Rendered once at save through lms.content.render_markdown (the one sanitizer).
    body_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    minutes: so.Mapped[int] = so.mapped_column(sa.Integer, default=10)

    module: so.Mapped[Module] = so.relationship(back_populates="lessons")


class Enrollment(db.Model):
    __tablename__ = "enrollment"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    source: so.Mapped[str] = so.mapped_column(sa.String(10), default="self")  # self | assigned
    enrolled_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    due_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    cohort_rule_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cohort_rule.id", ondelete="SET NULL"))

    course: so.Mapped[Course] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)


class LessonProgress(db.Model):
    """One row per (learner, lesson) once the lesson is marked complete."""

    __tablename__ = "lesson_progress"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    lesson_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    completed_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "lesson_id"),
        sa.Index("ix_lesson_progress_user_course", "user_id", "course_id"),
    )


class CourseCompletion(db.Model):
    """Recorded once when the completion rule (lms.completion) is first met."""

    __tablename__ = "course_completion"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    completed_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)


class CohortRule(db.Model):
    """Assign a course to everyone matching these filters (None = any); an active rule also
    enrols people who match later."""

    __tablename__ = "cohort_rule"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    kecamatan_kode: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("kecamatan.kode"))
    desa_kode: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("desa.kode"))
    jabatan_kode: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("jabatan.kode"))
    kind: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    due_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    course: so.Mapped[Course] = so.relationship()
