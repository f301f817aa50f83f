"""Quiz, Question, Choice, Attempt, Answer, AttemptGrant and Certificate."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.auth.models import User
from lms.courses.models import Course, Module
from lms.extensions import db
from lms.timeutil import utcnow

REVIEW_POLICIES = ("score_only", "after_submit", "after_pass")
QUESTION_TYPES = ("single", "multiple", "true_false", "short_text")
ATTEMPT_STATUSES = ("open", "submitted")


class Quiz(db.Model):
    """A module quiz (module_id set) or a course's final test (module_id NULL)."""

    __tablename__ = "quiz"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    module_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("module.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    practice: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=False)
    pass_percent: so.Mapped[int] = so.mapped_column(sa.Integer, default=70)
    max_attempts: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)  # 0 = unlimited
    retry_after_hours: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    time_limit_minutes: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    shuffle_questions: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=False)
    shuffle_choices: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=True)
    questions_per_attempt: so.Mapped[int | None] = so.mapped_column(sa.Integer)  # NULL = all
    one_question_per_page: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=True)
    review: so.Mapped[str] = so.mapped_column(sa.String(20), default="after_submit")

    course: so.Mapped[Course] = so.relationship()
    module: so.Mapped[Module | None] = so.relationship()
    questions: so.Mapped[list[Question]] = so.relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint(f"review IN {REVIEW_POLICIES}", name="review_known"),)


class Question(db.Model):
    __tablename__ = "question"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    quiz_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    type: so.Mapped[str] = so.mapped_column(sa.String(20))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    points: so.Mapped[float] = so.mapped_column(sa.Float, default=1.0)
    explanation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # short_text: the accepted answers (matched ignoring case, spaces and diacritics)
    answers: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    quiz: so.Mapped[Quiz] = so.relationship(back_populates="questions")
    choices: so.Mapped[list[Choice]] = so.relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint(f"type IN {QUESTION_TYPES}", name="type_known"),)


class Choice(db.Model):
    __tablename__ = "choice"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    correct: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=False)
    feedback: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    question: so.Mapped[Question] = so.relationship(back_populates="choices")


class Attempt(db.Model):
    """One try at a quiz. The draw, the order and the deadline are fixed when it starts."""

    __tablename__ = "attempt"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Indexed for the per-quiz pages (item analysis, a course's learners, grants) and for
    # deleting a quiz; per-learner lookups use ix_attempt_user_quiz below.
    quiz_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="open")
    practice: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=False)
    started_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    deadline: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    # [{"question_id": 12, "choice_ids": [40, 38, 39]}, ...] in the order the learner sees them
    layout: so.Mapped[list] = so.mapped_column(sa.JSON)
    score: so.Mapped[float | None] = so.mapped_column(sa.Float)
    max_score: so.Mapped[float | None] = so.mapped_column(sa.Float)
    percent: so.Mapped[float | None] = so.mapped_column(sa.Float)
    passed: so.Mapped[bool | None] = so.mapped_column(sa.Boolean)

    quiz: so.Mapped[Quiz] = so.relationship()
    user: so.Mapped[User] = so.relationship()

    __table_args__ = (
        sa.CheckConstraint(f"status IN {ATTEMPT_STATUSES}", name="status_known"),
        sa.Index("ix_attempt_user_quiz", "user_id", "quiz_id"),
        # Two devices racing to start: the database lets only one open attempt exist.
        sa.Index("uq_attempt_one_open", "user_id", "quiz_id", unique=True,
                 sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'")),
    )


class Answer(db.Model):
    """The saved response to one question of an attempt; graded at submit."""

    __tablename__ = "answer"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"))
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    response: so.Mapped[dict] = so.mapped_column(sa.JSON)  # {"choice_ids": [...]} or {"text": "..."}
    saved_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    correct: so.Mapped[bool | None] = so.mapped_column(sa.Boolean)
    points: so.Mapped[float | None] = so.mapped_column(sa.Float)

    __table_args__ = (sa.UniqueConstraint("attempt_id", "question_id"),)


class AttemptGrant(db.Model):
    """Extra attempts a trainer gave one learner on one quiz."""

    __tablename__ = "attempt_grant"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    quiz_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("quiz.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    extra_attempts: so.Mapped[int] = so.mapped_column(sa.Integer)
    granted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    granted_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    __table_args__ = (sa.Index("ix_attempt_grant_user_quiz", "user_id", "quiz_id"),)


class Certificate(db.Model):
    """Issued once per course completion; the code is random and verifiable at /verify/<code>."""

    __tablename__ = "certificate"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    issued_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    user: so.Mapped[User] = so.relationship()
    course: so.Mapped[Course] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)
