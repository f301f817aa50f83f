"""The report rollup: kept current incrementally it always equals a full rebuild, and the figures
read from it equal the direct queries over the base tables (lms/reports/direct.py).

The world is built through the real services (enrol, complete a lesson, take a quiz, edit or
erase a person, publish a course), in a random order from a fixed seed, so every write path
the app has (ORM flushes, ``insert_ignore``, signals, cascades) goes through the triggers.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.courses.models import Course, CourseCompletion, Enrollment, Lesson, LessonProgress
from lms.courses.services import complete_lesson, enroll
from lms.errors import LMSError
from lms.packages import import_package
from lms.people import services as people
from lms.quizzes.models import Attempt, Quiz
from lms.quizzes.services import course_quizzes
from lms.regions.models import Desa
from lms.reports import direct, queries, rollup
from lms.reports.models import (CourseRollup, DayRollup, LearnerState, PairState, PeopleRollup, ReportDirty,
                                WeekRollup)
from lms.reports.queries import GROUPS, Filters
from tests.factories import make_user, manifest
from tests.reports.population import KAPAL, MENGWI, MUNGGU, PELAGA, _attempt, _quiz

JABATAN = ("SEKDES", "PERBEKEL", "KAUR_KEUANGAN", None)


def _course(slug, pillar, *, modules=1, lessons=2, quizzes=(), final=None, status="published"):
    data = manifest(slug, modules=modules, lessons=lessons, pillar=pillar, title=slug.title(), status=status)
    data["course"]["modules"][0]["quizzes"] = list(quizzes)
    if final:
        data["course"]["quizzes"] = [final]
    return import_package(data)


class World:
    """Courses, learners in a handful of villages, an admin, and a random generator of activity."""

    def __init__(self, db, seed: int, learners: int = 24):
        self.db, self.rng = db, random.Random(seed)
        practice = dict(_quiz(3), title="Latihan", practice=True)
        self.courses = [
            _course("alpha", "aman", modules=2, quizzes=[_quiz(5), practice], final=dict(_quiz(4), title="Akhir")),
            _course("beta", "etika", lessons=1),
            _course("gamma", "cakap", quizzes=[_quiz(5)]),
            _course("delta", "aman", lessons=1, quizzes=[_quiz(4)]),
        ]
        self.draft = _course("draft", "budaya", lessons=1, status="draft")
        self.admin = make_user("admin", commit=False)
        villages = [MUNGGU, KAPAL, PELAGA, "51.03.01.1001", None]
        self.people = [make_user(desa_kode=self.rng.choice(villages), kind=self.rng.choice(("perangkat", "warga")),
                                 jabatan=self.rng.choice(JABATAN), commit=False) for _ in range(learners)]
        self.people.append(make_user("trainer", commit=False))  # not a learner: never counted
        db.session.commit()

    # -- one random action, committed (or rolled back when the service refuses it)
    def step(self) -> str:
        rng = self.rng
        user = rng.choice(self.people)
        course = rng.choice(self.courses)
        action = rng.choices(["enrol", "lesson", "quiz", "move", "edit", "active", "role", "erase", "status",
                              "minutes", "completed_at", "unenrol", "rollback"],
                             weights=[10, 16, 10, 3, 2, 1, 1, 1, 1, 1, 2, 1, 1])[0]
        if action in ("lesson", "quiz"):  # mostly where the learner is enrolled
            pairs = self.db.session.execute(sa.select(Enrollment.user_id, Enrollment.course_id)).all()
            if pairs and rng.random() < 0.9:
                user_id, course_id = rng.choice(pairs)
                user, course = self.db.session.get(User, user_id), self.db.session.get(Course, course_id)
        try:
            getattr(self, f"_{action}")(user, course)
            if action == "rollback":
                self.db.session.rollback()
            else:
                self.db.session.commit()
        except LMSError:
            self.db.session.rollback()
        return action

    def _enrol(self, user, course):
        enroll(user, course)

    def _lesson(self, user, course):
        lessons = [lesson for module in course.modules for lesson in module.lessons]
        complete_lesson(user, self.rng.choice(lessons))

    def _quiz(self, user, course):
        quizzes = course_quizzes(course.id)
        if quizzes:
            quiz = self.rng.choice(quizzes)
            questions = len(quiz.questions)
            _attempt(user, quiz, self.rng.randint(max(0, questions - 3), questions))

    def _move(self, user, _course):
        desa = self.rng.choice(self.db.session.scalars(sa.select(Desa.kode).limit(8)).all() + [None])
        people.update_person(self.admin, user, desa_kode=desa)

    def _edit(self, user, _course):
        people.update_person(self.admin, user, kind=self.rng.choice(("perangkat", "warga")),
                             jabatan_kode=self.rng.choice(JABATAN))

    def _active(self, user, _course):
        if user.id != self.admin.id:
            people.set_active(self.admin, user, not user.active)

    def _role(self, user, _course):
        people.update_person(self.admin, user, role="learner" if user.role != "learner" else "operator")

    def _erase(self, user, _course):
        people.erase(self.admin, user)

    def _status(self, _user, course):
        course.status = {"published": "archived", "archived": "draft", "draft": "published"}[course.status]

    def _minutes(self, _user, course):
        lesson = course.modules[0].lessons[0]
        lesson.minutes = self.rng.choice((5, 10, 15))

    def _completed_at(self, _user, course):
        done = self.db.session.scalars(sa.select(CourseCompletion).where(CourseCompletion.course_id == course.id))
        for completion in done:
            completion.completed_at = datetime(2026, 10, 1, tzinfo=timezone.utc) + timedelta(
                hours=self.rng.randint(0, 24 * 60))

    def _unenrol(self, user, course):  # no page does this today; the rollup must follow it anyway
        self.db.session.execute(sa.delete(Enrollment).where(Enrollment.user_id == user.id,
                                                            Enrollment.course_id == course.id))

    def _rollback(self, user, course):
        self._enrol(user, course)
        self._lesson(user, course)


def snapshot(db) -> dict:
    """Every rollup row that holds anything, and every state row."""
    out = {}
    for model in (CourseRollup, PeopleRollup, DayRollup, WeekRollup, LearnerState, PairState):
        table = model.__table__
        keys = [c.name for c in table.primary_key]
        values = [c.name for c in table.c if c.name not in keys]
        rows = {}
        for row in db.session.execute(sa.select(table)).mappings():
            measures = tuple(row[v] for v in values)
            if model in (LearnerState, PairState) or any(measures):
                rows[tuple(row[k] for k in keys)] = measures
        out[table.name] = rows
    return out


def assert_rollup_equals_rebuild(db) -> None:
    incremental = snapshot(db)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportDirty)) == 0
    rollup.rebuild(db.session.connection())
    db.session.commit()
    rebuilt = snapshot(db)
    for name in rebuilt:
        assert incremental[name] == rebuilt[name], name


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_maintenance_equals_a_full_rebuild(db, seed):
    """After every few random actions, the rollup kept by the triggers equals one rebuilt from scratch."""
    world = World(db, seed)
    done = []
    for _ in range(160):
        done.append(world.step())
        assert_rollup_equals_rebuild(db)  # after every action: a missed change cannot hide behind a later one
    # the sequence did exercise what it is meant to
    assert {"enrol", "lesson", "quiz", "move", "edit", "erase", "status", "minutes", "unenrol"} <= set(done)
    count = (lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model)))
    assert count(CourseCompletion) >= 3 and count(LessonProgress) >= 15 and count(Attempt) >= 15
    assert count(PairState) >= 15


def test_rollup_is_not_empty_and_follows_a_lesson(db):
    """A completed lesson shows in the rollup at commit, not later: started goes from 0 to 1."""
    world = World(db, 3, learners=2)
    learner = world.people[0]
    course = world.courses[1]
    enroll(learner, course)
    db.session.commit()
    cell = sa.select(CourseRollup.enrolled, CourseRollup.started).where(CourseRollup.course_id == course.id)
    assert db.session.execute(cell).one() == (1, 0)
    complete_lesson(learner, course.modules[0].lessons[0])
    db.session.commit()
    assert db.session.execute(cell).one() == (1, 1)
    assert db.session.scalar(sa.select(CourseRollup.completed).where(CourseRollup.course_id == course.id)) == 1


def test_a_rolled_back_change_leaves_the_rollup_as_it_was(db):
    world = World(db, 4, learners=1)
    before = snapshot(db)
    enroll(world.people[0], world.courses[0])
    db.session.flush()
    db.session.rollback()
    assert snapshot(db) == before


def test_course_and_lesson_edits_reach_the_learners_figures(db):
    """Unpublishing a course, moving it to another pillar and changing a lesson's minutes change
    figures of learners who did nothing: the triggers on course and lesson queue them."""
    world = World(db, 6, learners=4)
    alpha, gamma = world.courses[0], world.courses[2]
    for learner in world.people[:3]:
        enroll(learner, gamma)
        complete_lesson(learner, gamma.modules[0].lessons[0])
    db.session.commit()
    pillar_learners = (lambda: {r.key: r.learners for r in queries.completion_report(Filters(), "pillar").rows})
    assert pillar_learners()["cakap"] == 3
    gamma.pillar = "budaya"
    db.session.commit()
    assert pillar_learners()["cakap"] == 0 and pillar_learners()["budaya"] == 3
    assert_rollup_equals_rebuild(db)
    gamma.status = "draft"
    db.session.commit()
    assert pillar_learners()["budaya"] == 0
    assert_rollup_equals_rebuild(db)
    gamma.status = "published"
    db.session.commit()
    gamma.modules[0].lessons[0].minutes = 45
    db.session.commit()
    minutes = sa.select(sa.func.sum(CourseRollup.minutes)).where(CourseRollup.course_id == gamma.id)
    assert db.session.scalar(minutes) == 3 * 45
    assert_rollup_equals_rebuild(db)
    quiz = course_quizzes(alpha.id)[0]
    enroll(world.people[0], alpha)
    _attempt(world.people[0], quiz, 5)
    db.session.commit()
    quiz.course_id = gamma.id  # no page moves a quiz; the rollup must follow anyway
    db.session.commit()
    assert_rollup_equals_rebuild(db)
    assert direct.differences(Filters()) == []


def test_deleting_users_and_quizzes_cascades_into_the_rollup(db):
    """Foreign-key cascades (a quiz and its attempts, a user and everything of theirs) reach the rollup."""
    world = World(db, 5, learners=8)
    for _ in range(80):
        world.step()
    quiz = db.session.scalar(sa.select(Quiz).join(Attempt, Attempt.quiz_id == Quiz.id).limit(1))
    assert quiz is not None
    db.session.delete(quiz)
    db.session.commit()
    victim = db.session.scalar(sa.select(User).join(LessonProgress, LessonProgress.user_id == User.id).limit(1))
    db.session.execute(sa.delete(User).where(User.id == victim.id))
    db.session.commit()
    assert_rollup_equals_rebuild(db)


FILTERS = [
    {}, {"kind": "perangkat"}, {"kind": "warga"}, {"jabatan": "SEKDES"}, {"desa_kode": MUNGGU},
    {"kecamatan_kode": MENGWI}, {"pillar": "aman"}, {"pillar": "cakap"}, {"from": "2026-10-20"},
    {"to": "2026-11-15"}, {"from": "2026-10-10", "to": "2026-10-31"}, {"kecamatan_kode": MENGWI, "kind": "warga"},
    {"pillar": "aman", "desa_kode": PELAGA, "from": "2026-10-05"},
    {"from": "2026-10-14", "to": "2026-10-16"},  # inside one week
    {"from": "2026-10-14", "to": "2026-10-20"},  # across two weeks, none whole
    {"from": "2026-10-12", "to": "2026-10-25"}, {"from": "2026-10-13", "to": "2026-11-22"},  # whole weeks, and edges
    {"to": "2026-10-18"}, {"from": "2026-10-19"}, {"from": "2026-10-21", "to": "2026-10-21"},
]


@pytest.mark.parametrize("seed", [7, 8])
def test_rollup_figures_equal_the_direct_queries(db, seed):
    """Every grouping, with every filter, on random data: identical to the queries over the base tables."""
    world = World(db, seed, learners=30)
    for _ in range(220):
        world.step()
    courses = [{"course_id": str(c.id)} for c in world.courses[:2]]
    checked = 0
    for args in FILTERS + courses + [dict(courses[0], **{"from": "2026-10-15", "kind": "perangkat"})]:
        f = queries.parse_filters(args)
        assert direct.differences(f) == [], args
        checked += 1
    report = queries.completion_report(Filters(), "kecamatan")
    assert report.totals.enrolled > 10 and report.totals.completed > 0 and report.totals.avg_best_percent
    assert checked == len(FILTERS) + 3 and len(GROUPS) == 5


def test_population_figures_come_from_the_rollup(db):
    """With the rollup emptied (and nothing queued), the aggregates say zero: they do not read the base tables."""
    from tests.reports.population import build

    build()
    assert queries.completion_report(Filters(), "kecamatan").totals.enrolled == 6
    for model in (CourseRollup, PeopleRollup, DayRollup, WeekRollup):
        db.session.execute(sa.delete(model))
    assert queries.completion_report(Filters(), "kecamatan").totals.enrolled == 0
    assert queries.learners_by_kind(Filters()) == {"perangkat": 0, "warga": 0}
    assert direct.completion_report(Filters(), "kecamatan").totals.enrolled == 6
    db.session.rollback()


def test_rebuild_command_refills_and_checks(db, runner):
    world = World(db, 9, learners=6)
    for _ in range(40):
        world.step()
    before = snapshot(db)
    for model in (CourseRollup, PeopleRollup, DayRollup, WeekRollup, LearnerState, PairState):
        db.session.execute(sa.delete(model))
    db.session.commit()
    result = runner.invoke(args=["rebuild-report-rollup", "--check"])
    assert result.exit_code == 0, result.output
    assert "report_rollup:" in result.output and "sama dengan hitungan langsung" in result.output
    db.session.expire_all()
    assert snapshot(db) == before


def test_triggers_are_installed(db):
    """Every table the figures come from has its triggers (create_all here; the migration in production)."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        found = set(conn.scalars(sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
    else:
        found = set(conn.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    expected = {name for names in rollup.trigger_names().values() for name in names}
    assert expected <= found
    assert {"enrollment", "lesson_progress", "attempt", "course_completion", "user"} <= set(rollup.TRIGGERS)


def test_local_day_of_a_completion_is_the_wita_day(db):
    """A completion at 17:00 UTC on 9 Nov is 01:00 WITA on 10 Nov: it counts on the 10th."""
    world = World(db, 10, learners=1)
    learner, course = world.people[0], world.courses[1]
    enroll(learner, course)
    complete_lesson(learner, course.modules[0].lessons[0])
    db.session.commit()
    completion = db.session.scalar(sa.select(CourseCompletion))
    completion.completed_at = datetime(2026, 11, 9, 17, 0, tzinfo=timezone.utc)
    db.session.commit()
    assert db.session.scalars(sa.select(DayRollup.day).where(DayRollup.completions > 0)).all() == [date(2026, 11, 10)]
    f = queries.parse_filters({"from": "2026-11-10", "to": "2026-11-10"})
    assert queries.completion_report(f, "course").totals.completed == 1
    assert queries.completions_per_week(Filters()) == [("2026-11-09", 1)]


def test_aggregate_reports_never_read_the_learner_tables(db, count_queries):
    """The dashboard, every grouping (also with a date range), the map and the trend read the
    rollup and the small reference tables only: nothing that grows with the number of learners."""
    import re

    from lms.reports import services

    World(db, 11, learners=3)
    big = re.compile(r'\b(enrollment|lesson_progress|attempt|course_completion|report_pair_state|'
                     r'report_learner_state)\b|"user"')
    with count_queries() as counter:
        services.dashboard(Filters())
        for f in (Filters(), queries.parse_filters({"from": "2026-10-01", "kecamatan_kode": MENGWI})):
            for group_by in GROUPS:
                queries.completion_report(f, group_by)
            queries.literacy_map(f)
            queries.completions_per_week(f)
            queries.learners_by_kind(f)
    assert counter.count >= 20
    assert [s for s in counter.statements if big.search(s)] == []


def test_reports_read_through_a_separate_engine_when_configured(db):
    """REPORTS_DATABASE_URL: report queries run on the replica engine, none on the primary."""
    from flask import current_app

    from lms import create_app
    from lms.extensions import db as _db
    from lms.reports import reader
    from tests.conftest import Config, FreshContextClient
    from tests.factories import PASSWORD
    from tests.reports.population import build

    class ReplicaConfig(Config):
        REPORTS_DATABASE_URL = Config.SQLALCHEMY_DATABASE_URI  # the same database stands in for a replica

    build()
    make_user("reviewer", username="peninjau-replika")
    expected = queries.completion_report(Filters(), "kecamatan").as_dict()
    assert reader.engine(current_app) is None
    app = create_app(ReplicaConfig)
    app.test_client_class = FreshContextClient
    seen = {"primary": 0, "replica": 0}
    with app.app_context():
        replica, primary = reader.engine(app), _db.engine
        assert replica is not None and replica is not primary and reader.engine(app) is replica
        for name, engine in (("primary", primary), ("replica", replica)):
            sa.event.listen(engine, "before_cursor_execute",
                            lambda *_a, name=name: seen.__setitem__(name, seen[name] + 1))
        assert queries.completion_report(Filters(), "kecamatan").as_dict() == expected
        assert seen["primary"] == 0 and seen["replica"] >= 3
    client = app.test_client()
    page = client.get("/login")
    from tests.conftest import csrf_from

    client.post("/login", data={"username": "peninjau-replika", "password": PASSWORD,
                                "csrf_token": csrf_from(page.get_data(as_text=True))})
    before = seen["replica"]
    response = client.get("/reports/table?group_by=desa")
    assert response.status_code == 200 and "Munggu" in response.get_data(as_text=True)
    assert seen["replica"] > before
    with app.app_context():
        replica.dispose()
        _db.engine.dispose()


def test_the_migration_installs_the_triggers_the_code_expects():
    """The migration's frozen trigger DDL is what lms/reports/rollup.py would install today."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "migrations/versions/20261128_1130_a011000b0003_report_rollup.py"
    spec = importlib.util.spec_from_file_location("report_rollup_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.TRIGGERS == rollup.TRIGGERS
    for dialect, build in (("postgresql", migration._pg_ddl), ("sqlite", migration._sqlite_ddl)):
        assert [s for table in migration.TRIGGERS for s in build(table)] == rollup.trigger_ddl(dialect)


from tests.test_migrations import fresh_database_url  # noqa: E402,F401  (fixture: an empty database)


def test_the_migration_fills_the_rollup_from_existing_data(fresh_database_url):
    """Upgrading a database that already has learners fills the rollup and installs the triggers."""
    from alembic import command

    from lms import create_app
    from lms.extensions import db as _db
    from tests.conftest import Config

    class MigConfig(Config):
        SQLALCHEMY_DATABASE_URI = fresh_database_url

    app = create_app(MigConfig)
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        command.upgrade(config, "0ff11e000002")
        now = datetime(2026, 11, 20, 4, tzinfo=timezone.utc)
        with _db.engine.begin() as conn:  # the app's session would look for the rollup, not there yet
            conn.execute(sa.text("INSERT INTO kecamatan (kode, nama) VALUES ('51.03.02', 'Mengwi')"))
            conn.execute(sa.text("INSERT INTO desa (kode, kecamatan_kode, nama, jenis) "
                                 "VALUES ('51.03.02.2001', '51.03.02', 'Munggu', 'desa')"))
            conn.execute(sa.insert(User.__table__), [
                {"id": i, "username": f"u{i}", "full_name": f"U {i}", "password_hash": "!", "role": "learner",
                 "kind": "warga", "desa_kode": "51.03.02.2001", "active": True, "created_at": now,
                 "session_version": 1, "must_change_password": False} for i in (1, 2)])
            conn.execute(sa.insert(Course.__table__).values(id=1, slug="k", title="K", summary="", pillar="aman",
                                                            level="dasar", status="published", created_at=now,
                                                            updated_at=now))
            conn.execute(sa.text("INSERT INTO module (id, course_id, position, title) VALUES (1, 1, 0, 'M')"))
            conn.execute(sa.insert(Lesson.__table__).values(id=1, module_id=1, course_id=1, position=0, title="L",
                                                            body_markdown="", body_html="", minutes=7))
            conn.execute(sa.insert(Enrollment.__table__), [
                {"user_id": i, "course_id": 1, "source": "self", "enrolled_at": now} for i in (1, 2)])
            conn.execute(sa.insert(LessonProgress.__table__).values(user_id=1, lesson_id=1, course_id=1,
                                                                    completed_at=now))
            conn.execute(sa.insert(CourseCompletion.__table__).values(user_id=1, course_id=1, completed_at=now))
        command.upgrade(config, "head")
        found = _db.session.execute(sa.select(CourseRollup.enrolled, CourseRollup.started, CourseRollup.completed,
                                              CourseRollup.minutes)).all()
        assert found == [(2, 1, 1, 7)]
        assert _db.session.scalar(sa.select(sa.func.sum(PeopleRollup.learners))) == 2
        conn = _db.session.connection()
        if conn.dialect.name == "postgresql":
            names = set(conn.scalars(sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        else:
            names = set(conn.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        assert {n for ns in rollup.trigger_names().values() for n in ns} <= names
        complete = sa.insert(LessonProgress.__table__).values(user_id=2, lesson_id=1, course_id=1, completed_at=now)
        _db.session.execute(complete)
        _db.session.commit()  # the triggers queue learner 2 and the commit hook applies it
        assert _db.session.scalar(sa.select(CourseRollup.started)) == 2
        _db.session.remove()
        command.downgrade(config, "0ff11e000002")
        assert "report_rollup" not in sa.inspect(_db.engine).get_table_names()
        _db.engine.dispose()
