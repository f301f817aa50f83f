"""Per-learner lookups use indexes (PostgreSQL): EXPLAIN of the SQL the services really issue.

Thousands of learners, enrolments, progress rows, attempts, completions and certificates are
written with a few INSERT ... SELECT statements and ANALYZEd; then each service function is
called while its statements are captured, and each captured statement is EXPLAINed with its
own parameters. No plan may read a per-learner table with a Seq Scan, and each lookup must
use the index it is meant to use. A service rewritten into an unindexed form fails here.
"""
from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.courses import services as courses
from lms.courses.models import Course, CourseCompletion, Enrollment, Lesson, LessonProgress, Module
from lms.extensions import db as _db
from lms.quizzes import services as quizzes
from lms.quizzes.models import Answer, Attempt, Certificate, Question, Quiz
from lms.studio import analysis
from lms.studio.services import course_learners
from tests.conftest import database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not database_url().startswith("postgresql"),
                       reason="EXPLAIN plans are PostgreSQL's: set TEST_DATABASE_URL (CI does)"),
]

LEARNERS, COURSES, LESSONS, QUIZZES, QUESTIONS = 1500, 90, 8, 2, 5
# Tables that grow with every learner: none of them may be read whole for one learner's page.
PER_LEARNER = {"enrollment", "lesson_progress", "attempt", "answer", "course_completion", "certificate"}
SCANS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


def _fill(db) -> None:
    """1,500 learners, 15,000 enrolments, 30,000 progress rows, 37,500 attempts, 187,500 answers."""
    now = sa.func.now()
    db.session.execute(sa.insert(User).from_select(
        ["username", "full_name", "password_hash", "role", "kind", "active", "session_version",
         "must_change_password", "created_at"],
        sa.select(sa.literal("u") + sa.cast(sa.column("n"), sa.String), sa.literal("Warga"), sa.literal("x"),
                  sa.literal("learner"), sa.literal("warga"), sa.true(), sa.literal(1), sa.false(), now)
        .select_from(sa.func.generate_series(1, LEARNERS).alias("n"))))
    db.session.execute(sa.insert(Course).from_select(
        ["slug", "title", "summary", "pillar", "level", "status", "created_at", "updated_at"],
        sa.select(sa.literal("k") + sa.cast(sa.column("n"), sa.String), sa.literal("Kursus"), sa.literal(""),
                  sa.literal("aman"), sa.literal("dasar"), sa.literal("published"), now, now)
        .select_from(sa.func.generate_series(1, COURSES).alias("n"))))
    db.session.execute(sa.insert(Module).from_select(
        ["course_id", "position", "title"], sa.select(Course.id, sa.literal(0), sa.literal("Modul"))))
    series = sa.func.generate_series(0, LESSONS - 1).alias("p")
    db.session.execute(sa.insert(Lesson).from_select(
        ["module_id", "course_id", "position", "title", "body_markdown", "body_html", "minutes"],
        sa.select(Module.id, Module.course_id, sa.column("p"), sa.literal("Pelajaran"), sa.literal(""),
                  sa.literal(""), sa.literal(5)).select_from(Module).join(series, sa.true())))
    series = sa.func.generate_series(0, QUIZZES - 1).alias("p")
    db.session.execute(sa.insert(Quiz).from_select(
        ["course_id", "module_id", "position", "title", "practice", "pass_percent", "max_attempts",
         "shuffle_questions", "shuffle_choices", "one_question_per_page", "review"],
        sa.select(Module.course_id, Module.id, sa.column("p"), sa.literal("Kuis"), sa.false(), sa.literal(70),
                  sa.literal(0), sa.false(), sa.true(), sa.true(), sa.literal("after_submit"))
        .select_from(Module).join(series, sa.true())))
    # each learner in one course of nine (ten courses)
    db.session.execute(sa.insert(Enrollment).from_select(
        ["user_id", "course_id", "source", "enrolled_at"],
        sa.select(User.id, Course.id, sa.literal("self"), now).join(Course, (User.id + Course.id) % 9 == 0)))
    db.session.execute(sa.insert(LessonProgress).from_select(
        ["user_id", "lesson_id", "course_id", "completed_at"],
        sa.select(Enrollment.user_id, Lesson.id, Lesson.course_id, now)
        .join(Lesson, sa.and_(Lesson.course_id == Enrollment.course_id, Lesson.position < 2))))
    series = sa.func.generate_series(0, QUESTIONS - 1).alias("p")
    db.session.execute(sa.insert(Question).from_select(
        ["quiz_id", "position", "type", "text", "points", "explanation", "answers"],
        sa.select(Quiz.id, sa.column("p"), sa.literal("short_text"), sa.literal("Soal"), sa.literal(1.0),
                  sa.literal(""), sa.literal_column("'[\"ya\"]'::json")).select_from(Quiz).join(series, sa.true())))
    series = sa.func.generate_series(1, 1).alias("t")
    db.session.execute(sa.insert(Attempt).from_select(
        ["quiz_id", "user_id", "status", "practice", "started_at", "submitted_at", "layout", "score", "max_score",
         "percent", "passed"],
        sa.select(Quiz.id, Enrollment.user_id, sa.literal("submitted"), sa.false(), now, now,
                  sa.literal_column("'[]'::json"), sa.literal(4.0), sa.literal(5.0), sa.literal(80.0), sa.true())
        .join(Quiz, Quiz.course_id == Enrollment.course_id).join(series, sa.true())))
    db.session.execute(sa.insert(Attempt).from_select(
        ["quiz_id", "user_id", "status", "practice", "started_at", "layout"],
        sa.select(Quiz.id, Enrollment.user_id, sa.literal("open"), sa.false(), now, sa.literal_column("'[]'::json"))
        .join(Quiz, sa.and_(Quiz.course_id == Enrollment.course_id, Quiz.position == 0))
        .where(Enrollment.user_id % 2 == 0)))
    db.session.execute(sa.insert(Answer).from_select(
        ["attempt_id", "question_id", "response", "saved_at"],
        sa.select(Attempt.id, Question.id, sa.literal_column("'{\"text\": \"ya\"}'::json"), now)
        .join(Question, Question.quiz_id == Attempt.quiz_id)))
    db.session.execute(sa.insert(CourseCompletion).from_select(
        ["user_id", "course_id", "completed_at"],
        sa.select(Enrollment.user_id, Enrollment.course_id, now).where(Enrollment.user_id % 4 == 0)))
    db.session.execute(sa.insert(Certificate).from_select(
        ["code", "user_id", "course_id", "issued_at"],
        sa.select(sa.func.upper(sa.func.substr(sa.func.md5(sa.cast(CourseCompletion.id, sa.String)), 1, 24)),
                  CourseCompletion.user_id, CourseCompletion.course_id, now)))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("user", "course", "module", "lesson", "quiz", "question", *sorted(PER_LEARNER)):
            conn.exec_driver_sql(f'ANALYZE "{table}"')


def _world(db) -> dict:
    """A learner with enrolments, progress, an open attempt, a completion and a certificate."""
    learner = db.session.get(User, db.session.scalar(sa.select(User.id).where(User.id % 4 == 0).order_by(User.id)
                                                     .offset(LEARNERS // 8).limit(1)))
    course = db.session.scalar(sa.select(Course).join(Enrollment, Enrollment.course_id == Course.id)
                               .where(Enrollment.user_id == learner.id).order_by(Course.id).limit(1))
    course_quizzes = quizzes.course_quizzes(course.id)
    attempt = db.session.scalar(sa.select(Attempt).where(Attempt.user_id == learner.id, Attempt.status == "open")
                                .limit(1))
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == learner.id).limit(1))
    assert course_quizzes and attempt is not None and certificate is not None
    return {"learner": learner, "course": course, "quizzes": course_quizzes, "quiz": course_quizzes[0],
            "attempt": attempt, "certificate": certificate}


@contextmanager
def captured(db):
    """Collect (statement, parameters) of every SELECT the code in the block sends."""
    statements: list[tuple[str, object]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def explain(db, statement: str, parameters) -> list[dict]:
    raw = db.session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
    plan = json.loads(raw) if isinstance(raw, str) else raw
    return list(_nodes(plan[0]["Plan"]))


# lookup: (what the services are asked, indexes at least one of which its plans must use)
LOOKUPS = {
    "a learner's enrolments (dashboard)": (
        lambda w: courses.dashboard(w["learner"]), {"uq_enrollment_user_id_course_id"}),
    "is the learner enrolled": (
        lambda w: courses.is_enrolled(w["learner"], w["course"]), {"uq_enrollment_user_id_course_id"}),
    "lesson progress in one course (outline)": (
        lambda w: courses.outline(w["learner"], w["course"]),
        {"ix_lesson_progress_user_course", "uq_lesson_progress_user_id_lesson_id"}),
    "progress in many courses (catalogue)": (
        lambda w: courses.catalogue(w["learner"]),
        {"ix_lesson_progress_user_course", "uq_lesson_progress_user_id_lesson_id"}),
    "attempts per quiz of a learner (statuses)": (
        lambda w: quizzes.quiz_statuses(w["learner"], w["quizzes"]), {"ix_attempt_user_quiz", "uq_attempt_one_open"}),
    "a learner's attempts at a quiz (history)": (
        lambda w: quizzes.attempt_history(w["learner"], w["quiz"]), {"ix_attempt_user_quiz", "uq_attempt_one_open"}),
    "the open attempt": (
        lambda w: quizzes._open_attempt(w["learner"].id, w["quiz"].id),
        {"uq_attempt_one_open", "ix_attempt_user_quiz"}),
    "completions (progress)": (
        lambda w: courses.progress_for(w["learner"], [w["course"]]), {"uq_course_completion_user_id_course_id"}),
    "completion time of a certificate": (
        lambda w: quizzes.completion_time(w["certificate"]), {"uq_course_completion_user_id_course_id"}),
    "certificate of a course": (
        lambda w: quizzes.certificate_for(w["learner"].id, w["course"].id), {"uq_certificate_user_id_course_id"}),
    "certificate by code (verify)": (
        lambda w: quizzes.verify_certificate(w["certificate"].code), {"uq_certificate_code"}),
    "certificate codes of a learner": (
        lambda w: quizzes.certificate_codes(w["learner"].id, [w["course"].id]), {"uq_certificate_user_id_course_id"}),
    # a trainer's pages read one quiz's or one course's attempts: per quiz, not per learner
    "answers of an attempt": (
        lambda w: quizzes.saved_answers(w["attempt"]), {"uq_answer_attempt_id_question_id"}),
    "attempts of one quiz (item analysis)": (
        lambda w: analysis.quiz_analysis(w["quiz"]), {"ix_attempt_quiz_id"}),
    "learners of one course (studio)": (
        lambda w: course_learners(w["course"]), {"ix_enrollment_course_id"}),
}


@pytest.fixture(scope="module")
def plans(app):
    """Fill the tables once for the module, then EXPLAIN every lookup's statements."""
    from tests.conftest import _clean

    _clean(app)
    out: dict = {"lookups": {}}
    with app.app_context():
        _fill(_db)
        out["rows"] = {table: _db.session.scalar(sa.text(f'SELECT count(*) FROM "{table}"'))
                       for table in sorted(PER_LEARNER)}
        world = _world(_db)
        for lookup, (call, _expected) in LOOKUPS.items():
            _db.session.expire_all()
            with captured(_db) as statements:
                call(world)
            out["lookups"][lookup] = [(statement, explain(_db, statement, parameters))
                                      for statement, parameters in statements]
        _db.session.rollback()
        _db.session.remove()
    _clean(app)
    return out


def test_the_tables_are_big(plans):
    """Thousands of rows in every per-learner table, so that the planner has a choice to make."""
    assert min(plans["rows"].values()) >= 3_000, plans["rows"]
    assert plans["rows"]["enrollment"] >= 15_000 and plans["rows"]["attempt"] >= 30_000, plans["rows"]


@pytest.mark.parametrize("lookup", list(LOOKUPS))
def test_lookup_uses_an_index(lookup, plans):
    """No Seq Scan on a per-learner table, and the lookup's own index is used."""
    expected = LOOKUPS[lookup][1]
    statements = plans["lookups"][lookup]
    assert statements, "the service sent no SELECT"
    used = set()
    for statement, nodes in statements:
        for node in nodes:
            relation = node.get("Relation Name")
            assert not (node["Node Type"] == "Seq Scan" and relation in PER_LEARNER), \
                f"Seq Scan on {relation}:\n{statement}"
            if node["Node Type"] in SCANS:
                used.add(node.get("Index Name"))
    print(f"{lookup}: {len(statements)} statements, indexes {sorted(used)}")
    assert used & expected, f"none of {sorted(expected)} used; plans used {sorted(used)}"
