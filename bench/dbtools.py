"""Database look-ups for the bench, run with the app's own venv: ``python -m bench.dbtools CMD``.

The load generator (bench/run.py) runs in its own venv without the app; it asks this module,
over a subprocess and JSON on stdout, which course, lessons, quizzes and learners to use, and
after the exam whether the database holds exactly what the simulated learners sent.
DATABASE_URL names the bench database, as for the app.
"""
from __future__ import annotations

import argparse
import json
import sys

import sqlalchemy as sa

from lms import create_app
from lms.auth.models import User
from lms.courses.models import Course, Enrollment, Lesson, Module
from lms.demodata import generated_users
from lms.extensions import db
from lms.quizzes.models import Answer, Attempt, Question, Quiz


def _course() -> Course:
    """The published course with the most generated learners enrolled (the busiest pages)."""
    busiest = db.session.execute(
        sa.select(Enrollment.course_id, sa.func.count()).join(Course, Course.id == Enrollment.course_id)
        .where(Course.status == "published").group_by(Enrollment.course_id)
        .order_by(sa.func.count().desc(), Enrollment.course_id).limit(1)).first()
    if busiest is None:
        sys.exit("bench: no enrolments; did generate-demo-data run?")
    return db.session.get(Course, busiest[0])


def _quizzes(course: Course) -> list[Quiz]:
    return list(db.session.scalars(
        sa.select(Quiz).outerjoin(Module, Module.id == Quiz.module_id).where(Quiz.course_id == course.id)
        .order_by(Module.position.is_(None), Module.position, Quiz.position, Quiz.id)))


def discover(pool: int, exam: int) -> dict:
    """The course, its lessons and quizzes, and usernames of generated learners to act as."""
    course = _course()
    lessons = list(db.session.scalars(
        sa.select(Lesson.id).join(Module, Module.id == Lesson.module_id).where(Module.course_id == course.id)
        .order_by(Module.position, Lesson.position, Lesson.id)))
    quizzes = [q for q in _quizzes(course) if not q.practice and q.max_attempts == 0 and not q.time_limit_minutes]
    if not quizzes:
        sys.exit(f"bench: course {course.slug} has no graded quiz with unlimited attempts")
    generated = generated_users().scalar_subquery()
    enrolled = list(db.session.scalars(
        sa.select(User.username).join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course.id, User.id.in_(generated), User.active.is_(True))
        .order_by(User.id).limit(pool)))
    exam_quiz = next((q for q in quizzes if q.module_id is None), quizzes[-1])
    # Exam learners: none has an attempt at the exam quiz yet, so "one attempt each" is checkable.
    tried = sa.select(Attempt.user_id).where(Attempt.quiz_id == exam_quiz.id)
    exam_learners = list(db.session.scalars(
        sa.select(User.username).where(User.id.in_(generated), User.active.is_(True), User.id.not_in(tried))
        .order_by(User.id.desc()).limit(exam)))
    learners_total = db.session.scalar(sa.select(sa.func.count()).select_from(generated_users().subquery()))
    return {"course": {"id": course.id, "slug": course.slug, "lessons": lessons},
            "quiz": {"id": quizzes[0].id, "questions": _question_count(quizzes[0])},
            "exam_quiz": {"id": exam_quiz.id, "questions": _question_count(exam_quiz)},
            "learners": enrolled, "exam_learners": exam_learners, "generated_learners": learners_total}


def _question_count(quiz: Quiz) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Question).where(Question.quiz_id == quiz.id))


def _normalise(response: dict | None):
    if response is None:
        return None
    if "choice_ids" in response:
        return ("choices", tuple(sorted(int(c) for c in response["choice_ids"])))
    return ("text", str(response.get("text", "")).strip())


def exam_check(expected_path: str) -> dict:
    """Compare the exam's attempts and answers in the database with what the learners sent.

    ``expected``: {"quiz_id": Q, "answers": {username: {question_id: payload}}}. Every learner
    must have exactly one attempt at Q, submitted, whose answers equal the payloads sent.
    """
    with open(expected_path, encoding="utf-8") as fh:
        expected = json.load(fh)
    quiz_id = expected["quiz_id"]
    users = dict(db.session.execute(sa.select(User.username, User.id)
                                    .where(User.username.in_(list(expected["answers"])))).all())
    counts = dict(db.session.execute(
        sa.select(Attempt.user_id, sa.func.count()).where(Attempt.quiz_id == quiz_id, Attempt.user_id.in_(users.values()))
        .group_by(Attempt.user_id)).all())
    statuses = dict(db.session.execute(
        sa.select(Attempt.user_id, sa.func.min(Attempt.status)).where(Attempt.quiz_id == quiz_id,
                                                                      Attempt.user_id.in_(users.values()))
        .group_by(Attempt.user_id)).all())
    saved: dict[int, dict[int, tuple]] = {}
    for user_id, question_id, response in db.session.execute(
            sa.select(Attempt.user_id, Answer.question_id, Answer.response).join(Attempt, Attempt.id == Answer.attempt_id)
            .where(Attempt.quiz_id == quiz_id, Attempt.user_id.in_(users.values()))):
        saved.setdefault(user_id, {})[question_id] = _normalise(response)
    problems = []
    answers_expected = answers_found = 0
    for username, sent in expected["answers"].items():
        user_id = users.get(username)
        if user_id is None:
            problems.append(f"{username}: no such user")
            continue
        if counts.get(user_id, 0) != 1:
            problems.append(f"{username}: {counts.get(user_id, 0)} attempts")
        if statuses.get(user_id) != "submitted":
            problems.append(f"{username}: attempt status {statuses.get(user_id)}")
        mine = saved.get(user_id, {})
        for question_id, payload in sent.items():
            answers_expected += 1
            if mine.get(int(question_id)) == _normalise(payload):
                answers_found += 1
            else:
                problems.append(f"{username}: answer to question {question_id} is {mine.get(int(question_id))}")
    return {"learners": len(expected["answers"]), "learners_with_one_attempt": sum(
        1 for u in expected["answers"] if counts.get(users.get(u), 0) == 1),
        "submitted": sum(1 for u in expected["answers"] if statuses.get(users.get(u)) == "submitted"),
        "answers_sent": answers_expected, "answers_found": answers_found,
        "attempts_total": sum(counts.values()), "problems": problems[:50], "ok": not problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dbtools")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("discover", help="course, lessons, quizzes and learners for the bench (JSON)")
    d.add_argument("--pool", type=int, default=200)
    d.add_argument("--exam", type=int, default=200)
    c = sub.add_parser("exam-check", help="check the exam's attempts and answers against a JSON file")
    c.add_argument("expected")
    args = parser.parse_args(argv)
    app = create_app()
    with app.app_context():
        if args.command == "discover":
            result = discover(args.pool, args.exam)
        else:
            result = exam_check(args.expected)
        db.session.rollback()
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
