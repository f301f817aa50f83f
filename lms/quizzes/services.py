"""Quiz rules: starting, answering, submitting and grading attempts; grants; certificates.

The server owns the attempt: the questions drawn, their order, the choice order and the
deadline are fixed at start. Nothing that reveals correctness leaves here before submit:
``learner_question`` is the only serializer for an open attempt, and it never reads
``Choice.correct``.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from lms.auth.models import User
from lms.courses.models import CourseCompletion, Enrollment
from lms.courses.services import can_edit_course, can_view_course, is_enrolled
from lms.dbutil import insert_ignore, upsert
from lms.errors import Conflict, Forbidden, Invalid, NotFound
from lms.extensions import db
from lms.quizzes.models import Answer, Attempt, AttemptGrant, Certificate, Choice, Question, Quiz
from lms.quizzes.question_types import QUESTION_TYPES, Key, grade
from lms.signals import attempt_graded
from lms.timeutil import as_utc, utcnow

_random = random.SystemRandom()


# ---------------------------------------------------------------------------- access
def get_quiz_for(user: User, quiz_id: int) -> Quiz:
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.id == quiz_id).options(so.joinedload(Quiz.course)))
    if quiz is None or not can_view_course(user, quiz.course):
        raise NotFound(_("Kuis tidak ditemukan."))
    return quiz


def can_see_attempt(user: User, attempt: Attempt) -> bool:
    """The learner, the course's editors, reviewers and admins."""
    return (attempt.user_id == user.id or user.role in ("admin", "reviewer")
            or can_edit_course(user, attempt.quiz.course))


def get_attempt_for(user: User, attempt_id: int, *, own: bool = True) -> Attempt:
    """Return the attempt; with ``own``, only the learner's own (others get NotFound, not a hint)."""
    attempt = db.session.scalar(sa.select(Attempt).where(Attempt.id == attempt_id)
                                .options(so.joinedload(Attempt.quiz).joinedload(Quiz.course)))
    if attempt is None or (attempt.user_id != user.id if own else not can_see_attempt(user, attempt)):
        raise NotFound(_("Percobaan tidak ditemukan."))
    return attempt


# ---------------------------------------------------------------------------- status
@dataclass
class QuizStatus:
    quiz: Quiz
    attempts_used: int = 0
    best_percent: float | None = None
    passed: bool = False
    open_attempt_id: int | None = None
    extra_attempts: int = 0
    last_submitted_at: datetime | None = None

    @property
    def attempts_allowed(self) -> int | None:
        """None when unlimited."""
        if self.quiz.practice or self.quiz.max_attempts == 0:
            return None
        return self.quiz.max_attempts + self.extra_attempts

    @property
    def attempts_left(self) -> int | None:
        allowed = self.attempts_allowed
        return None if allowed is None else max(allowed - self.attempts_used, 0)

    def next_retry_at(self) -> datetime | None:
        """When the waiting period opens one more attempt (None if it does not apply)."""
        if self.attempts_left != 0 or not self.quiz.retry_after_hours or not self.last_submitted_at:
            return None
        return as_utc(self.last_submitted_at) + timedelta(hours=self.quiz.retry_after_hours)

    def can_start(self, now: datetime) -> bool:
        if self.open_attempt_id or self.attempts_left is None or self.attempts_left > 0:
            return True
        retry = self.next_retry_at()
        return retry is not None and now >= retry


def quiz_statuses(user: User, quizzes: list[Quiz]) -> dict[int, QuizStatus]:
    """Attempts used, best percent, passed and open attempt per quiz, in three queries."""
    ids = [q.id for q in quizzes]
    out = {q.id: QuizStatus(q) for q in quizzes}
    if not ids:
        return out
    rows = db.session.execute(
        sa.select(Attempt.quiz_id, sa.func.count(), sa.func.max(Attempt.percent),
                  sa.func.max(sa.case((Attempt.passed.is_(True), 1), else_=0)), sa.func.max(Attempt.submitted_at))
        .where(Attempt.user_id == user.id, Attempt.quiz_id.in_(ids), Attempt.status == "submitted")
        .group_by(Attempt.quiz_id)).all()
    for quiz_id, used, best, passed, last in rows:
        status = out[quiz_id]
        status.attempts_used, status.best_percent, status.passed, status.last_submitted_at = used, best, bool(passed), last
    for quiz_id, attempt_id in db.session.execute(sa.select(Attempt.quiz_id, Attempt.id).where(
            Attempt.user_id == user.id, Attempt.quiz_id.in_(ids), Attempt.status == "open")):
        out[quiz_id].open_attempt_id = attempt_id
    for quiz_id, extra in db.session.execute(
            sa.select(AttemptGrant.quiz_id, sa.func.sum(AttemptGrant.extra_attempts))
            .where(AttemptGrant.user_id == user.id, AttemptGrant.quiz_id.in_(ids)).group_by(AttemptGrant.quiz_id)):
        out[quiz_id].extra_attempts = int(extra or 0)
    return out


def course_quizzes(course_id: int) -> list[Quiz]:
    return list(db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course_id)
                                   .order_by(Quiz.module_id.is_(None), Quiz.position, Quiz.id)))


def quizzes_of_courses(course_ids: list[int]) -> list[Quiz]:
    """The quizzes of several courses in one query, each course's in the order of course_quizzes."""
    if not course_ids:
        return []
    return list(db.session.scalars(sa.select(Quiz).where(Quiz.course_id.in_(course_ids))
                                   .order_by(Quiz.course_id, Quiz.module_id.is_(None), Quiz.position, Quiz.id)))


# ---------------------------------------------------------------------------- start
def _draw_layout(quiz: Quiz) -> list[dict]:
    questions = db.session.scalars(sa.select(Question).where(Question.quiz_id == quiz.id)
                                   .options(so.selectinload(Question.choices))
                                   .order_by(Question.position)).all()
    questions = list(questions)
    if quiz.questions_per_attempt and quiz.questions_per_attempt < len(questions):
        drawn = set(q.id for q in _random.sample(questions, quiz.questions_per_attempt))
        questions = [q for q in questions if q.id in drawn]
    if quiz.shuffle_questions:
        _random.shuffle(questions)
    layout = []
    for question in questions:
        choice_ids = [c.id for c in question.choices]  # authored order
        if quiz.shuffle_choices and question.type != "true_false":
            _random.shuffle(choice_ids)
        layout.append({"question_id": question.id, "choice_ids": choice_ids})
    return layout


def start_attempt(user: User, quiz: Quiz, *, now: datetime | None = None) -> tuple[Attempt, bool]:
    """Start an attempt, or resume the open one. Returns (attempt, created)."""
    now = now or utcnow()
    if not is_enrolled(user, quiz.course):
        raise Forbidden(_("Anda belum terdaftar di kursus ini."), code="not_enrolled")
    open_attempt = _open_attempt(user.id, quiz.id)
    if open_attempt is not None:
        if not close_if_overdue(open_attempt, now=now):
            return open_attempt, False
    status = quiz_statuses(user, [quiz])[quiz.id]
    if not status.can_start(now):
        raise Conflict(_("Kesempatan mengerjakan kuis ini sudah habis."), code="max_attempts_reached")
    deadline = now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    # The partial unique index lets only one open attempt exist: when another device started
    # one at the same moment, nothing is inserted and that one is resumed.
    attempt_id = insert_ignore(
        Attempt, {"quiz_id": quiz.id, "user_id": user.id, "status": "open", "practice": quiz.practice,
                  "started_at": now, "deadline": deadline, "layout": _draw_layout(quiz)},
        ["user_id", "quiz_id"], index_where=sa.text("status = 'open'"), returning=Attempt.id)
    if attempt_id is None:
        return _open_attempt(user.id, quiz.id), False
    return db.session.get(Attempt, attempt_id), True


def _open_attempt(user_id: int, quiz_id: int) -> Attempt | None:
    return db.session.scalar(sa.select(Attempt).where(
        Attempt.user_id == user_id, Attempt.quiz_id == quiz_id, Attempt.status == "open"))


def is_overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    return attempt.deadline is not None and (now or utcnow()) >= as_utc(attempt.deadline)


def close_if_overdue(attempt: Attempt, *, now: datetime | None = None) -> bool:
    """Grade an open attempt whose deadline has passed with what was saved; True if it was closed."""
    if attempt.status == "open" and is_overdue(attempt, now):
        _grade_and_close(attempt, submitted_at=as_utc(attempt.deadline))
        return True
    return attempt.status != "open"


def close_overdue_attempts(now: datetime | None = None) -> int:
    """Grade every open attempt past its deadline; return how many were closed."""
    now = now or utcnow()
    ids = db.session.scalars(sa.select(Attempt.id).where(Attempt.status == "open", Attempt.deadline.is_not(None),
                                                         Attempt.deadline <= now)).all()
    closed = 0
    for attempt_id in ids:
        attempt = _locked(attempt_id)
        if attempt.status == "open":
            _grade_and_close(attempt, submitted_at=as_utc(attempt.deadline))
            closed += 1
    return closed


# ---------------------------------------------------------------------------- questions for learners
def _questions_by_id(attempt: Attempt) -> dict[int, Question]:
    ids = [item["question_id"] for item in attempt.layout]
    rows = db.session.scalars(sa.select(Question).where(Question.id.in_(ids))
                              .options(so.selectinload(Question.choices))).all()
    return {q.id: q for q in rows}


def learner_question(question: Question, choice_order: list[int]) -> dict:
    """A question as a learner may see it during an attempt: no correctness, no feedback."""
    text_by_id = {c.id: c.text for c in question.choices}
    return {"id": question.id, "type": question.type, "text": question.text, "points": question.points,
            "choices": [{"id": cid, "text": text_by_id[cid]} for cid in choice_order if cid in text_by_id]}


def learner_questions(attempt: Attempt) -> list[dict]:
    by_id = _questions_by_id(attempt)
    return [learner_question(by_id[item["question_id"]], item["choice_ids"])
            for item in attempt.layout if item["question_id"] in by_id]


def saved_answers(attempt: Attempt) -> dict[int, dict]:
    return dict(db.session.execute(sa.select(Answer.question_id, Answer.response)
                                   .where(Answer.attempt_id == attempt.id)).all())


# ---------------------------------------------------------------------------- answering
def _key(question: Question) -> Key:
    return Key(frozenset(c.id for c in question.choices), frozenset(c.id for c in question.choices if c.correct),
               tuple(question.answers or ()))


def save_answer(attempt: Attempt, question_id: int, payload, *, now: datetime | None = None) -> dict | None:
    """Save (or replace) one answer of an open attempt.

    Returns immediate feedback for a practice attempt, else None. Raises Conflict
    ``attempt_closed`` after submit or the deadline, NotFound for a question not in the attempt,
    Invalid for a body of the wrong shape or a choice that is not in the question.
    """
    [(question, response)] = save_answers(attempt, {question_id: payload}, now=now)
    if attempt.practice:
        correct, _points = grade(question.type, response, _key(question), question.points)
        return _review_item(question, response, correct, _points)
    return None


def save_answers(attempt: Attempt, payloads: dict[int, object], *,
                 now: datetime | None = None) -> list[tuple[Question, dict]]:
    """Save (or replace) the answers to several questions of an open attempt (a page of it).

    The rules of ``save_answer`` for each one, in three statements however many there are
    (questions, their choices, one multi-row upsert); nothing is saved if one is refused.
    Returns (question, parsed response) per answer, in the order given.
    """
    now = now or utcnow()
    if attempt.status != "open" or close_if_overdue(attempt, now=now):
        raise Conflict(_("Waktu atau percobaan ini sudah ditutup; jawaban tidak disimpan."), code="attempt_closed")
    if not payloads:
        return []
    in_attempt = {item["question_id"] for item in attempt.layout}
    if any(question_id not in in_attempt for question_id in payloads):
        raise NotFound(_("Soal ini bukan bagian dari percobaan."))
    questions = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_(list(payloads)))
                                                     .options(so.selectinload(Question.choices)))}
    saved = []
    for question_id, payload in payloads.items():
        question = questions.get(question_id)
        if question is None:
            raise NotFound(_("Soal tidak ditemukan."))
        saved.append((question, QUESTION_TYPES[question.type].parse(payload, _key(question))))
    upsert(Answer, [{"attempt_id": attempt.id, "question_id": question.id, "response": response, "saved_at": now}
                    for question, response in saved], ["attempt_id", "question_id"], ["response", "saved_at"])
    return saved


# ---------------------------------------------------------------------------- submit and grade
def _locked(attempt_id: int) -> Attempt:
    """Read the attempt locking its row (PostgreSQL: SELECT ... FOR UPDATE) and refresh it."""
    return db.session.scalar(sa.select(Attempt).where(Attempt.id == attempt_id).with_for_update()
                             .execution_options(populate_existing=True))


def submit_attempt(attempt: Attempt, *, now: datetime | None = None) -> Attempt:
    """Grade and close the attempt; submitting again returns the stored result unchanged."""
    attempt = _locked(attempt.id)
    if attempt.status == "open":
        submitted_at = now or utcnow()
        if is_overdue(attempt, submitted_at):
            submitted_at = as_utc(attempt.deadline)
        _grade_and_close(attempt, submitted_at=submitted_at)
    return attempt


def _grade_and_close(attempt: Attempt, *, submitted_at: datetime) -> None:
    by_id = _questions_by_id(attempt)
    answers = {a.question_id: a for a in db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt.id))}
    score = max_score = 0.0
    for item in attempt.layout:
        question = by_id.get(item["question_id"])
        if question is None:  # removed from the course since the attempt began
            continue
        max_score += question.points
        answer = answers.get(question.id)
        correct, points = grade(question.type, answer.response if answer else None, _key(question), question.points)
        score += points
        if answer is not None:
            answer.correct, answer.points = correct, points
    percent = round(score * 100.0 / max_score, 1) if max_score else 0.0
    passed = percent >= attempt.quiz.pass_percent
    # The gate: only the request that moves the row from open to submitted writes a result.
    result = db.session.execute(
        sa.update(Attempt).where(Attempt.id == attempt.id, Attempt.status == "open")
        .values(status="submitted", submitted_at=submitted_at, score=score, max_score=max_score,
                percent=percent, passed=passed).execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(attempt)
    if result.rowcount == 1 and not attempt.practice:
        attempt_graded.send(attempt.user_id, course_id=attempt.quiz.course_id)


# ---------------------------------------------------------------------------- review
def _review_item(question: Question, response: dict | None, correct: bool, points: float) -> dict:
    chosen = set((response or {}).get("choice_ids") or ())
    feedback = "\n".join(c.feedback for c in question.choices if c.id in chosen and c.feedback) or None
    return {"question_id": question.id, "correct": correct, "points": points, "explanation": question.explanation,
            "correct_choice_ids": sorted(c.id for c in question.choices if c.correct),
            "accepted_answers": list(question.answers or []) if question.type == "short_text" else None,
            "feedback": feedback}


def review_allowed(attempt: Attempt) -> bool:
    if attempt.status != "submitted":
        return False
    policy = "after_submit" if attempt.practice else attempt.quiz.review
    if policy == "after_submit":
        return True
    if policy == "after_pass":
        return db.session.scalar(sa.select(Attempt.id).where(
            Attempt.user_id == attempt.user_id, Attempt.quiz_id == attempt.quiz_id,
            Attempt.status == "submitted", Attempt.passed.is_(True)).limit(1)) is not None
    return False


def review(attempt: Attempt) -> list[dict] | None:
    """Per-question results, correct answers and explanations, if the quiz's policy allows."""
    if not review_allowed(attempt):
        return None
    by_id = _questions_by_id(attempt)
    answers = {a.question_id: a for a in db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt.id))}
    out = []
    for item in attempt.layout:
        question = by_id.get(item["question_id"])
        if question is None:
            continue
        answer = answers.get(question.id)
        out.append(_review_item(question, answer.response if answer else None,
                                bool(answer and answer.correct), answer.points if answer and answer.points else 0.0))
    return out


def attempt_history(user: User, quiz: Quiz) -> list[Attempt]:
    return list(db.session.scalars(sa.select(Attempt).where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)
                                   .order_by(Attempt.started_at.desc(), Attempt.id.desc())))


# ---------------------------------------------------------------------------- grants
def grant_attempts(quiz: Quiz, learners: list[User], extra: int, *, by: User) -> int:
    """Give each learner ``extra`` more attempts on a quiz; only the course's editors may."""
    if not can_edit_course(by, quiz.course):
        raise Forbidden()
    if not isinstance(extra, int) or not 1 <= extra <= 10:
        raise Invalid(_("Tambahan kesempatan 1 sampai 10."), field="extra_attempts")
    for learner in learners:
        db.session.add(AttemptGrant(quiz_id=quiz.id, user_id=learner.id, extra_attempts=extra, granted_by_id=by.id))
    db.session.flush()
    return len(learners)


def learners_out_of_attempts(quiz: Quiz) -> list[tuple[User, int]]:
    """Enrolled learners who used every attempt of a limited quiz without passing it."""
    if quiz.practice or quiz.max_attempts == 0:
        return []
    used = (sa.select(Attempt.user_id, sa.func.count().label("used"),
                      sa.func.max(sa.case((Attempt.passed.is_(True), 1), else_=0)).label("passed"))
            .where(Attempt.quiz_id == quiz.id, Attempt.status == "submitted").group_by(Attempt.user_id).subquery())
    extra = (sa.select(AttemptGrant.user_id, sa.func.sum(AttemptGrant.extra_attempts).label("extra"))
             .where(AttemptGrant.quiz_id == quiz.id).group_by(AttemptGrant.user_id).subquery())
    stmt = (sa.select(User, used.c.used)
            .join(Enrollment, sa.and_(Enrollment.user_id == User.id, Enrollment.course_id == quiz.course_id))
            .join(used, used.c.user_id == User.id).outerjoin(extra, extra.c.user_id == User.id)
            .where(used.c.passed == 0, used.c.used >= quiz.max_attempts + sa.func.coalesce(extra.c.extra, 0))
            .order_by(User.full_name))
    return [(user, count) for user, count in db.session.execute(stmt).all()]


# ---------------------------------------------------------------------------- certificates
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper


def new_certificate_code() -> str:
    """20 random symbols from 32 (100 bits), grouped for reading: ``K7QX-4M2P-9HTR-WZ3D-AB5C``."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(20))
    return "-".join(raw[i:i + 4] for i in range(0, 20, 4))


def issue_certificate(user_id: int, course_id: int) -> None:
    insert_ignore(Certificate, {"code": new_certificate_code(), "user_id": user_id, "course_id": course_id,
                                "issued_at": utcnow()}, ["user_id", "course_id"])


def certificate_for(user_id: int, course_id: int) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.user_id == user_id, Certificate.course_id == course_id, Certificate.revoked_at.is_(None)))


def verify_certificate(code: str) -> Certificate | None:
    """The valid (not revoked) certificate with this code, or None."""
    if not isinstance(code, str) or len(code) > 32:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code.strip().upper(),
                                                          Certificate.revoked_at.is_(None))
                             .options(so.joinedload(Certificate.user), so.joinedload(Certificate.course)))


def certificate_codes(user_id: int, course_ids: list[int]) -> dict[int, str]:
    if not course_ids:
        return {}
    return dict(db.session.execute(sa.select(Certificate.course_id, Certificate.code).where(
        Certificate.user_id == user_id, Certificate.course_id.in_(course_ids), Certificate.revoked_at.is_(None))).all())



def completion_time(certificate: Certificate) -> datetime:
    """When the course was completed (the certificate's issue time if no completion row is left)."""
    completed = db.session.scalar(sa.select(CourseCompletion.completed_at).where(
        CourseCompletion.user_id == certificate.user_id, CourseCompletion.course_id == certificate.course_id))
    return completed or certificate.issued_at


def question_types(attempt: Attempt) -> dict[int, str]:
    ids = [item["question_id"] for item in attempt.layout]
    return dict(db.session.execute(sa.select(Question.id, Question.type).where(Question.id.in_(ids))).all())


def answered_question_ids(attempt: Attempt) -> set[int]:
    types = question_types(attempt)
    return {qid for qid, response in saved_answers(attempt).items()
            if qid in types and not QUESTION_TYPES[types[qid]].is_empty(response)}


def practice_feedback(attempt: Attempt, question_ids: list[int]) -> dict[int, dict]:
    """Immediate feedback on the answered questions of a practice attempt."""
    if not attempt.practice:
        return {}
    answers = saved_answers(attempt)
    by_id = _questions_by_id(attempt)
    out = {}
    for qid in question_ids:
        if qid in answers and qid in by_id:
            question = by_id[qid]
            correct, points = grade(question.type, answers[qid], _key(question), question.points)
            out[qid] = _review_item(question, answers[qid], correct, points)
    return out


def review_questions(attempt: Attempt) -> dict[int, dict]:
    """Questions with their choices in the order the learner saw them, for the review page."""
    by_id = _questions_by_id(attempt)
    answers = saved_answers(attempt)
    out = {}
    for item in attempt.layout:
        question = by_id.get(item["question_id"])
        if question is None:
            continue
        choices = {c.id: c for c in question.choices}
        out[question.id] = {"question": question, "response": answers.get(question.id),
                            "choices": [choices[cid] for cid in item["choice_ids"] if cid in choices]}
    return out
