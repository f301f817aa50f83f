"""The rollup under concurrency, and the plans of its per-learner upkeep (PostgreSQL only).

SQLite has one writer at a time, so the races below cannot happen there; on PostgreSQL two
transactions touching the same learner must not both apply a change computed from the same
old state, and the per-learner recomputation must use the indexes on user_id.
"""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.courses.models import Lesson
from lms.quizzes.models import Quiz
from lms.courses.services import complete_lesson, enroll
from lms.extensions import db as _db
from lms.reports import rollup
from lms.reports.models import CourseRollup, PairState
from tests.conftest import Config
from tests.factories import make_course, make_quiz_course, make_user
from tests.reports.test_rollup import assert_rollup_equals_rebuild

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not Config.SQLALCHEMY_DATABASE_URI.startswith("postgresql"),
                       reason="needs PostgreSQL (TEST_DATABASE_URL): row locks between two transactions"),
]


def test_two_transactions_on_one_learner_are_serialised(app, db):
    """Two devices complete two lessons at once: the second waits for the first, and 'started' counts once."""
    learner = make_user(commit=False)
    course = make_course(modules=1, lessons=3, commit=False)
    enroll(learner, course)
    db.session.commit()
    lesson_ids = [lesson.id for lesson in course.modules[0].lessons[:2]]
    wrote, go, finished = threading.Event(), threading.Event(), threading.Event()
    errors: list = []

    def device(lesson_id: int, first: bool) -> None:
        try:
            with app.app_context():
                user = _db.session.get(User, learner.id)
                if not first:
                    wrote.wait(10)
                complete_lesson(user, _db.session.get(Lesson, lesson_id))  # the second blocks here
                if first:
                    wrote.set()
                    go.wait(10)
                _db.session.commit()
                if not first:
                    finished.set()
                _db.session.remove()
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=device, args=(lesson_ids[0], True)),
               threading.Thread(target=device, args=(lesson_ids[1], False))]
    for thread in threads:
        thread.start()
    assert wrote.wait(10)
    time.sleep(0.5)
    assert not finished.is_set(), "the second transaction did not wait for the first"
    go.set()
    for thread in threads:
        thread.join(20)
    assert errors == []
    db.session.expire_all()
    assert db.session.execute(sa.select(CourseRollup.enrolled, CourseRollup.started)
                              .where(CourseRollup.course_id == course.id)).one() == (1, 1)
    assert db.session.scalar(sa.select(PairState.minutes).where(PairState.user_id == learner.id)) == 10
    assert_rollup_equals_rebuild(db)


def _fill(learners: int):
    """Enough rows for the planner to choose between scans: learners, enrolments, progress, attempts."""
    course = make_quiz_course(lessons=3)
    _db.session.flush()
    lessons = [lesson.id for lesson in course.modules[0].lessons]
    quiz = _db.session.scalar(sa.select(Quiz.id).where(Quiz.course_id == course.id))
    conn = _db.session.connection()
    first = conn.scalar(sa.text(
        "INSERT INTO \"user\" (username, full_name, password_hash, role, kind, desa_kode, active, session_version,"
        " must_change_password, created_at) SELECT 'plan' || g, 'Peserta ' || g, '!', 'learner', 'warga',"
        " '51.03.02.2001', true, 1, false, now() FROM generate_series(1, :n) g RETURNING id"), {"n": learners})
    conn.execute(sa.text("INSERT INTO enrollment (user_id, course_id, source, enrolled_at) SELECT id, :c, 'self',"
                         " now() FROM \"user\" WHERE username LIKE 'plan%'"), {"c": course.id})
    conn.execute(sa.text("INSERT INTO lesson_progress (user_id, lesson_id, course_id, completed_at)"
                         " SELECT u.id, l, :c, now() FROM \"user\" u, unnest(CAST(:lessons AS int[])) l"
                         " WHERE u.username LIKE 'plan%'"), {"c": course.id, "lessons": lessons})
    conn.execute(sa.text("INSERT INTO attempt (quiz_id, user_id, status, practice, started_at, layout, percent, passed)"
                         " SELECT :q, id, 'submitted', false, now(), '[]', 80, true FROM \"user\""
                         " WHERE username LIKE 'plan%'"), {"q": quiz})
    conn.execute(sa.text("INSERT INTO course_completion (user_id, course_id, completed_at) SELECT id, :c, now()"
                         " FROM \"user\" WHERE username LIKE 'plan%' AND id % 2 = 0"), {"c": course.id})
    conn.execute(sa.text("ANALYZE"))
    return conn, first


def _scans(node: dict) -> list[tuple[str, str]]:
    """(node type, table) of every scan in an EXPLAIN (FORMAT JSON) plan tree."""
    found = [(node["Node Type"], node["Relation Name"])] if "Relation Name" in node else []
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


def test_recomputing_one_learner_uses_the_user_id_indexes(db):
    """EXPLAIN of the upkeep's per-learner statements: index scans on the base tables, never a sequential scan."""
    conn, user_id = _fill(20_000)
    base = {"enrollment", "lesson_progress", "attempt", "course_completion", "user"}
    for stmt in (rollup.pair_facts("postgresql", rollup.IDS), rollup.learner_facts(rollup.IDS)):
        stmt = stmt.params(ids=[user_id], tz="Asia/Makassar")
        sql = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True, "render_postcompile": True})
        plan = conn.scalar(sa.text(f"EXPLAIN (FORMAT JSON) {sql}"))
        scans = [(kind, table) for kind, table in _scans(plan[0]["Plan"]) if table in base]
        assert scans, plan
        assert all("Index" in kind or kind == "Bitmap Heap Scan" for kind, _table in scans), scans
    db.session.rollback()
