"""The rule that makes a course complete, and the one place that records it.

Kept outside ``courses`` so that later rules (quizzes passed) can join in without
``courses`` importing ``quizzes``.
"""
from __future__ import annotations

import sqlalchemy as sa

from lms.courses.models import CourseCompletion, Lesson, LessonProgress
from lms.dbutil import insert_ignore
from lms.extensions import db
from lms.timeutil import utcnow


def lessons_done(user_id: int, course_id: int) -> bool:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Lesson).where(Lesson.course_id == course_id))
    done = db.session.scalar(
        sa.select(sa.func.count()).select_from(LessonProgress)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user_id, LessonProgress.course_id == course_id))
    return total > 0 and done >= total


def is_course_complete(user_id: int, course_id: int) -> bool:
    """A course is complete when every lesson is completed."""
    return lessons_done(user_id, course_id)


def record_completion_if_met(user_id: int, course_id: int) -> bool:
    """Record the completion once when the rule is met; return True if it is (now) recorded."""
    if not is_course_complete(user_id, course_id):
        return False
    insert_ignore(CourseCompletion, {"user_id": user_id, "course_id": course_id, "completed_at": utcnow()},
                  ["user_id", "course_id"])
    return True
