"""The rule that makes a course complete, and the one place that records it.

A course is complete when every lesson is completed and every scored (non-practice) quiz
in it is passed. The time is recorded once, and a certificate is issued with it. This module
sits above ``courses`` and ``quizzes`` and listens to their signals, so neither imports the other.
"""
from __future__ import annotations

import sqlalchemy as sa

from lms.courses.models import CourseCompletion, Lesson, LessonProgress
from lms.dbutil import insert_ignore
from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz
from lms.quizzes.services import issue_certificate
from lms.signals import attempt_graded, lesson_completed
from lms.timeutil import utcnow


def lessons_done(user_id: int, course_id: int) -> bool:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Lesson).where(Lesson.course_id == course_id))
    done = db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress).where(
        LessonProgress.user_id == user_id, LessonProgress.course_id == course_id))
    return total > 0 and done >= total


def quizzes_passed(user_id: int, course_id: int) -> bool:
    """Every scored quiz of the course has a passed, submitted attempt by the user."""
    passed = sa.select(Attempt.id).where(Attempt.quiz_id == Quiz.id, Attempt.user_id == user_id,
                                         Attempt.status == "submitted", Attempt.passed.is_(True)).exists()
    missing = db.session.scalar(sa.select(sa.func.count()).select_from(Quiz).where(
        Quiz.course_id == course_id, Quiz.practice.is_(False), ~passed))
    return missing == 0


def is_course_complete(user_id: int, course_id: int) -> bool:
    return lessons_done(user_id, course_id) and quizzes_passed(user_id, course_id)


def record_completion_if_met(user_id: int, course_id: int) -> bool:
    """Record the completion (and issue the certificate) once, when the rule is first met."""
    if not is_course_complete(user_id, course_id):
        return False
    if insert_ignore(CourseCompletion, {"user_id": user_id, "course_id": course_id, "completed_at": utcnow()},
                     ["user_id", "course_id"]):
        issue_certificate(user_id, course_id)
    return True


@lesson_completed.connect
def _on_lesson_completed(user_id, course_id, **_kw):
    record_completion_if_met(user_id, course_id)


@attempt_graded.connect
def _on_attempt_graded(user_id, course_id, **_kw):
    record_completion_if_met(user_id, course_id)
