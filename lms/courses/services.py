"""Course rules: who sees what, enrolment, lesson completion and progress.

Plain functions over plain arguments; the views and the API call the same ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from lms.auth.models import User
from lms.courses.models import Course, CourseCompletion, Enrollment, Lesson, LessonProgress, Module
from lms.dbutil import count_by, insert_ignore
from lms.errors import Forbidden, NotFound
from lms.extensions import db
from lms.signals import lesson_completed
from lms.timeutil import utcnow


def progress_percent(completed: int, total: int) -> float:
    """Completed lessons / lessons of the course × 100, rounded to one decimal."""
    return round(completed * 100.0 / total, 1) if total else 0.0


@dataclass
class CourseProgress:
    course: Course
    lesson_count: int
    completed_lessons: int
    enrolled: bool
    completed_at: datetime | None

    @property
    def percent(self) -> float:
        return progress_percent(self.completed_lessons, self.lesson_count)


def can_edit_course(user: User, course: Course) -> bool:
    """Admins edit any course; a trainer edits the courses they author or co-author."""
    if user.role == "admin":
        return True
    if user.role != "trainer":
        return False
    return course.author_id == user.id or any(a.user_id == user.id for a in course.coauthors)


def can_view_course(user: User, course: Course, *, enrolled: bool | None = None) -> bool:
    """Published: everyone signed in. Archived: its learners and editors. Draft: editors only."""
    if course.status == "published" or can_edit_course(user, course):
        return True
    if course.status == "archived":
        return is_enrolled(user, course) if enrolled is None else enrolled
    return False


def get_course_for(user: User, *, course_id: int | None = None, slug: str | None = None) -> Course:
    """Return the course if ``user`` may see it; otherwise NotFound (drafts do not exist for others)."""
    stmt = sa.select(Course).where(Course.id == course_id) if course_id is not None else \
        sa.select(Course).where(Course.slug == slug)
    course = db.session.scalar(stmt)
    if course is None or not can_view_course(user, course):
        raise NotFound(_("Kursus tidak ditemukan."))
    return course


def is_enrolled(user: User, course: Course) -> bool:
    return db.session.scalar(sa.select(Enrollment.id).where(
        Enrollment.user_id == user.id, Enrollment.course_id == course.id)) is not None


def enroll(user: User, course: Course, *, source: str = "self", due_at: datetime | None = None) -> bool:
    """Enrol ``user``; return True when a new enrolment was made (False: already enrolled)."""
    if course.status != "published":
        raise Forbidden(_("Kursus ini belum dibuka untuk pendaftaran."), code="not_published")
    return insert_ignore(Enrollment, {"user_id": user.id, "course_id": course.id, "source": source,
                                      "enrolled_at": utcnow(), "due_at": due_at}, ["user_id", "course_id"])


def progress_for(user: User, courses: list[Course], enrolled_ids: set[int] | None = None) -> list[CourseProgress]:
    """Progress of ``user`` in each course, in a fixed number of queries whatever the count."""
    ids = [c.id for c in courses]
    if not ids:
        return []
    lesson_counts = count_by(Lesson.course_id, Lesson.course_id.in_(ids))
    done_counts = count_by(LessonProgress.course_id, LessonProgress.user_id == user.id,
                           LessonProgress.course_id.in_(ids))
    completions = dict(db.session.execute(sa.select(CourseCompletion.course_id, CourseCompletion.completed_at).where(
        CourseCompletion.user_id == user.id, CourseCompletion.course_id.in_(ids))).all())
    if enrolled_ids is None:
        enrolled_ids = set(db.session.scalars(sa.select(Enrollment.course_id).where(
            Enrollment.user_id == user.id, Enrollment.course_id.in_(ids))))
    return [CourseProgress(c, lesson_counts.get(c.id, 0), done_counts.get(c.id, 0), c.id in enrolled_ids,
                           completions.get(c.id)) for c in courses]


def dashboard(user: User) -> list[CourseProgress]:
    """The courses ``user`` is enrolled in (newest enrolment first), with progress."""
    rows = db.session.scalars(sa.select(Course).join(Enrollment, Enrollment.course_id == Course.id)
                              .where(Enrollment.user_id == user.id, Course.status != "draft")
                              .order_by(Enrollment.enrolled_at.desc(), Course.id)).all()
    return progress_for(user, list(rows), enrolled_ids={c.id for c in rows})


def catalogue(user: User, *, pillar: str | None = None) -> list[CourseProgress]:
    """Published courses, with the caller's enrolment and progress."""
    stmt = sa.select(Course).where(Course.status == "published").order_by(Course.title)
    if pillar:
        stmt = stmt.where(Course.pillar == pillar)
    return progress_for(user, list(db.session.scalars(stmt)))


@dataclass
class Outline:
    course: Course
    modules: list[Module]
    completed_lesson_ids: set[int]
    progress: CourseProgress

    def lessons(self) -> list[Lesson]:
        return [lesson for module in self.modules for lesson in module.lessons]


def outline(user: User, course: Course) -> Outline:
    """Modules and lessons of a course with the learner's completion marks."""
    modules = db.session.scalars(sa.select(Module).where(Module.course_id == course.id)
                                 .options(so.selectinload(Module.lessons).defer(Lesson.body_html)
                                          .defer(Lesson.body_markdown))
                                 .order_by(Module.position)).all()
    done = set(db.session.scalars(sa.select(LessonProgress.lesson_id).where(
        LessonProgress.user_id == user.id, LessonProgress.course_id == course.id)))
    enrolment = db.session.execute(
        sa.select(Enrollment.id, CourseCompletion.completed_at)
        .outerjoin(CourseCompletion, sa.and_(CourseCompletion.user_id == Enrollment.user_id,
                                             CourseCompletion.course_id == Enrollment.course_id))
        .where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)).first()
    lesson_count = sum(len(m.lessons) for m in modules)
    progress = CourseProgress(course, lesson_count, len(done), enrolment is not None,
                              enrolment.completed_at if enrolment else None)
    return Outline(course, list(modules), done, progress)


def get_lesson_for(user: User, lesson_id: int) -> Lesson:
    """Return the lesson (module and course loaded with it) if ``user`` may see its course."""
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.id == lesson_id)
                               .options(so.joinedload(Lesson.module).joinedload(Module.course)))
    if lesson is None or not can_view_course(user, lesson.module.course):
        raise NotFound(_("Pelajaran tidak ditemukan."))
    return lesson


def complete_lesson(user: User, lesson: Lesson) -> CourseProgress:
    """Mark a lesson complete (repeating it changes nothing); listeners record course completion."""
    course = lesson.module.course
    if not is_enrolled(user, course):
        raise Forbidden(_("Anda belum terdaftar di kursus ini."), code="not_enrolled")
    insert_ignore(LessonProgress, {"user_id": user.id, "lesson_id": lesson.id, "course_id": course.id,
                                   "completed_at": utcnow()}, ["user_id", "lesson_id"])
    lesson_completed.send(user.id, course_id=course.id)
    return progress_for(user, [course], enrolled_ids={course.id})[0]

