"""Statement budgets: every page and API call issues a fixed number of SQL statements (no N+1).

A registry, like ``tests/security/test_access_table.py``: every GET rule of ``app.url_map`` is
either in BUDGET (endpoint -> persona, URLs, maximum statements) or in EXCLUDED with a reason,
so a new page cannot be added without a budget. Each case is measured twice in one database: in
a small world (one of everything), then again after a large world (20 enrolled courses, 20
lessons, 40 questions, 20 attempts, 40 learners of a course, 20 co-authors, cohort rules and
audit events) has been added. The two counts must be equal and within the budget. The POST and
PUT endpoints learners hit most (complete a lesson, save an answer, submit, start, enrol, sign
in) have budgets too, each measured in a fresh small and a fresh large world.

This replaces the former tests/test_query_counts.py, tests/reports/test_report_query_counts.py
and tests/studio/test_studio_query_counts.py: every URL they measured is in the tables below.

Each budget is the count measured when it was set plus two: room for a small change, none for a
query per row. Pages that need no database at all have a budget of zero. ``pytest -s`` prints
every figure. Transaction control and PRAGMAs are not counted.
"""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from lms.audit import record
from lms.courses.models import CohortRule, Enrollment
from lms.courses.services import complete_lesson, enroll
from lms.extensions import db as _db
from lms.packages import import_package
from lms.quizzes.models import Answer, Certificate, Question, Quiz
from lms.quizzes.services import start_attempt, submit_attempt
from lms.studio.media import save_image
from lms.studio.services import add_coauthor
from lms.timeutil import utcnow
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user, manifest, quiz_spec

MUNGGU, PELAGA = "51.03.02.2001", "51.03.04.2004"
SMALL, LARGE = 1, 20
_phones = itertools.count(1)


# ---------------------------------------------------------------------------- the world
def _questions(n: int) -> list[dict]:
    base = quiz_spec()["questions"]
    return [dict(q, text=f"{q['text']} #{i}") for i, q in enumerate((base * (n // len(base) + 1))[:n])]


def _answer_all(attempt, questions: dict, *, right: bool = True, only: int | None = None) -> None:
    """Save answers to the attempt's questions with one multi-row INSERT (fast for large worlds)."""
    rows = []
    for item in attempt.layout[:only]:
        question = questions[item["question_id"]]
        if question.type == "short_text":
            response = {"text": question.answers[0] if right else "salah"}
        else:
            response = {"choice_ids": [c.id for c in question.choices if c.correct == right][:1]}
        rows.append({"attempt_id": attempt.id, "question_id": question.id, "response": response})
    if rows:
        _db.session.execute(sa.insert(Answer), rows)


def _page_form(attempt, questions: dict) -> dict:
    """The form of an attempt shown on one page, every question answered."""
    form = {"shown": [str(item["question_id"]) for item in attempt.layout], "go": "summary", "page": "0"}
    for item in attempt.layout:
        question = questions[item["question_id"]]
        form[f"q_{question.id}"] = question.answers[0] if question.type == "short_text" else str(item["choice_ids"][0])
    return form


@dataclass
class World:
    people: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


def build_world(n: int) -> World:
    """One learner's world at size ``n``: ``n`` is 1 (small) or 20 (large)."""
    big = n > 1
    people = {
        "learner": make_user(desa_kode=MUNGGU, commit=False),
        "author": make_user("trainer", commit=False),
        "reviewer": make_user("reviewer", commit=False),
        "admin": make_user("admin", commit=False),
        "operator": make_user("operator", desa_kode=MUNGGU, commit=False),
    }
    learner, author = people["learner"], people["author"]
    modules, lessons = (4, 5) if big else (1, 1)
    data = manifest(modules=modules, lessons=lessons)
    data["course"]["modules"][0]["quizzes"] = [
        {"title": "Kuis besar", "questions": _questions(2 * n if big else 5), "one_question_per_page": False},
        {"title": "Kuis terbatas", "questions": _questions(5), "max_attempts": 1, "pass_percent": 100},
    ]
    for module in data["course"]["modules"][1:]:
        module["quizzes"] = [{"title": "Kuis modul", "questions": _questions(5)}]
    data["course"]["quizzes"] = [{"title": "Ujian akhir", "questions": _questions(2 * n if big else 5),
                                  "one_question_per_page": False}]
    course = import_package(data, author=author)
    quizzes = _db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id)
                                  .order_by(Quiz.module_id.is_(None), Quiz.module_id, Quiz.position)).all()
    quiz, limited, final = quizzes[0], quizzes[1], quizzes[-1]
    questions = {q.id: q for q in quiz.questions}
    all_lessons = [lesson for module in course.modules for lesson in module.lessons]

    # the learner: enrolled in the course (all lessons but the last done) and in n small finished courses
    enroll(learner, course)
    for lesson in all_lessons[:-1]:
        complete_lesson(learner, lesson)
    for _ in range(n):
        extra = import_package(manifest(modules=1, lessons=1), author=author)
        enroll(learner, extra)
        complete_lesson(learner, extra.modules[0].lessons[0])  # completes it: completion and certificate
    done = None
    for i in range(n):
        attempt, _ = start_attempt(learner, quiz)
        if i == n - 1:
            _answer_all(attempt, questions, right=False)
        done = submit_attempt(attempt)
    open_attempt, _ = start_attempt(learner, quiz)
    _answer_all(open_attempt, questions, only=len(open_attempt.layout) // 2)

    # 2n other learners in two villages: n with progress, a graded attempt and the limited quiz
    # failed; n enrolled a month ago who never started (the follow-up lists)
    for i in range(n):
        other = make_user(desa_kode=(MUNGGU, PELAGA)[i % 2], commit=False, phone=f"0812{next(_phones):08d}")
        enroll(other, course)
        complete_lesson(other, all_lessons[0])
        attempt, _ = start_attempt(other, quiz)
        _answer_all(attempt, questions, right=bool(i % 2))
        submit_attempt(attempt)
        submit_attempt(start_attempt(other, limited)[0])
        idle = make_user(desa_kode=(PELAGA, MUNGGU)[i % 2], commit=False, phone=f"0812{next(_phones):08d}")
        enroll(idle, course, due_at=utcnow() - timedelta(days=1))
        _db.session.execute(sa.update(Enrollment).where(Enrollment.user_id == idle.id)
                            .values(enrolled_at=utcnow() - timedelta(days=30)))
        record(people["admin"].id, "user.update", target=f"user:{learner.id}", details={"n": i})
        coauthor = make_user("trainer", commit=False)
        add_coauthor(course, by=author, username=coauthor.username)
        _db.session.add(CohortRule(course_id=course.id, desa_kode=PELAGA, active=False, created_by_id=author.id))
    unenrolled = import_package(manifest(modules=1, lessons=1), author=author)
    _db.session.flush()
    certificate = _db.session.scalar(sa.select(Certificate).where(Certificate.user_id == learner.id).limit(1))
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    image = save_image(buffer.getvalue())
    _db.session.commit()
    question = _db.session.scalar(sa.select(Question).where(Question.quiz_id == quiz.id).limit(1))
    last = next(item for item in reversed(open_attempt.layout) if questions[item["question_id"]].type != "short_text")
    ids = {"slug": course.slug, "course": course.id, "module": course.modules[0].id,
           "lesson": all_lessons[-1].id, "seen_lesson": all_lessons[len(all_lessons) // 2].id, "quiz": quiz.id,
           "limited": limited.id, "question": question.id, "open": open_attempt.id,
           "open_question": last["question_id"], "open_choice": last["choice_ids"][0], "done": done.id,
           "open_page": _page_form(open_attempt, questions), "final": final.id, "code": certificate.code,
           "learner": learner.id, "username": learner.username, "image": image,
           "unenrolled": unenrolled.id, "unenrolled_slug": unenrolled.slug}
    return World(people, ids)


# ---------------------------------------------------------------------------- the tables
@dataclass(frozen=True)
class Case:
    """``max`` statements for each of ``urls`` (templates over World.ids) requested as ``persona``."""

    persona: str
    urls: tuple[str, ...]
    max: int
    status: int = 200


def case(persona: str, *urls: str, max: int, status: int = 200) -> Case:  # noqa: A002 - reads as a table
    return Case(persona, urls, max, status)


REPORT_FILTERS = "?kecamatan_kode=51.03.02&course_id={course}"
BUDGET: dict[str, Case] = {
    # signing in, public pages
    "auth.login": case("anonymous", "/login", max=0),
    "auth.totp_login": case("anonymous", "/login/2fa", max=0, status=302),
    "auth.totp_setup": case("author", "/me/2fa", max=4),
    "people.register": case("anonymous", "/register", max=9),
    "people.privacy": case("anonymous", "/privacy", max=0),
    "quizzes.verify": case("anonymous", "/verify/{code}", max=4),
    "ops.healthz": case("anonymous", "/healthz", max=3),
    "auth.favicon": case("anonymous", "/favicon.ico", max=0),
    "offline.service_worker": case("anonymous", "/sw.js", max=0),
    "offline.manifest": case("anonymous", "/manifest.webmanifest", max=0),
    "offline.fallback": case("anonymous", "/offline", max=0),
    "offline.state": case("learner", "/offline/state.json", max=4),
    "offline.course_files": case("learner", "/courses/{slug}/offline.json", max=7),
    "static": case("learner", "/static/css/app.css", "/static/js/quiz.js", max=0),
    # learners
    "courses.dashboard": case("learner", "/", max=8),
    "courses.catalogue": case("learner", "/courses/", "/courses/?pillar=aman", max=9),
    "courses.detail": case("learner", "/courses/{slug}", max=14),
    "courses.lesson": case("learner", "/courses/{slug}/lessons/{seen_lesson}", "/courses/{slug}/lessons/{lesson}",
                           max=9),
    "quizzes.overview": case("learner", "/quizzes/{quiz}", max=10),
    "quizzes.attempt": case("learner", "/attempts/{open}", max=8),
    "quizzes.summary": case("learner", "/attempts/{open}/summary", max=9),
    "quizzes.result": case("learner", "/attempts/{done}/result", max=14),
    "quizzes.certificate_pdf": case("learner", "/certificates/{code}.pdf", max=6),
    "media.image": case("learner", "/media/{image}", max=4),
    "people.profile": case("learner", "/me/profile", max=4),
    "people.my_data": case("learner", "/me/data.json", max=15),
    "people.change_password": case("learner", "/me/password", max=3),
    "people.consent": case("learner", "/privacy/consent", max=3),
    "reports.my_transcript": case("learner", "/reports/me/transcript.pdf", max=15),
    # trainers: the studio
    "quizzes.grants": case("author", "/quizzes/{limited}/grants", max=6),
    "studio.index": case("author", "/studio/", max=6),
    "studio.new_course": case("author", "/studio/courses/new", max=4),
    "studio.import_package": case("author", "/studio/packages/import", max=4),
    "studio.question_template": case("author", "/studio/question-template.csv", "/studio/question-template.xlsx",
                                     max=4),
    "studio.course": case("author", "/studio/courses/{course}", max=10),
    "studio.cohort": case("author", "/studio/courses/{course}/cohorts", max=9),
    "studio.learners": case("author", "/studio/courses/{course}/learners", max=10),
    "studio.export_package": case("author", "/studio/courses/{course}/package.zip", max=11),
    "studio.new_quiz": case("author", "/studio/courses/{course}/quizzes/new", max=6),
    "studio.module": case("author", "/studio/modules/{module}", max=6),
    "studio.delete_module": case("author", "/studio/modules/{module}/delete", max=6),
    "studio.new_lesson": case("author", "/studio/modules/{module}/lessons/new", max=7),
    "studio.lesson": case("author", "/studio/lessons/{lesson}", max=8),
    "studio.delete_lesson": case("author", "/studio/lessons/{lesson}/delete", max=6),
    "studio.quiz": case("author", "/studio/quizzes/{quiz}", max=9),
    "studio.delete_quiz": case("author", "/studio/quizzes/{quiz}/delete", max=6),
    "studio.new_question": case("author", "/studio/quizzes/{quiz}/questions/new", max=7),
    "studio.question": case("author", "/studio/questions/{question}", max=9),
    "studio.delete_question": case("author", "/studio/questions/{question}/delete", max=7),
    "studio.import_questions": case("author", "/studio/quizzes/{quiz}/import", max=7),
    "studio.export_gift": case("author", "/studio/quizzes/{quiz}/export.gift", max=8),
    "studio.item_analysis": case("author", "/studio/quizzes/{quiz}/analysis", max=11),
    # reviewers and operators: reports
    "reports.dashboard": case("reviewer", "/reports/", "/reports/" + REPORT_FILTERS, max=23),
    "reports.table": case("reviewer", "/reports/table?group_by=desa", "/reports/table?group_by=jabatan", max=11),
    "reports.learners": case("reviewer", "/reports/learners", "/reports/learners" + REPORT_FILTERS, max=11),
    "reports.literacy_map": case("reviewer", "/reports/map", max=10),
    "reports.follow_up": case("reviewer", "/reports/follow-up?list=not_started", "/reports/follow-up?list=inactive",
                              max=9),
    "reports.recap": case("reviewer", "/reports/recap", max=14),
    "reports.recap_pdf": case("reviewer", "/reports/recap.pdf", max=12),
    "reports.printable": case("reviewer", "/reports/print?group_by=kecamatan", max=7),
    "reports.export": case("reviewer", "/reports/export/completion.csv?group_by=jabatan",
                           "/reports/export/learners.xlsx", "/reports/export/recap.csv", max=13),
    "reports.transcript": case("reviewer", "/reports/learners/{learner}/transcript.pdf", max=18),
    # admins and village operators: people
    "people.index": case("operator", "/people/", max=8),
    "people.new": case("operator", "/people/new", max=12),
    "people.import_people": case("operator", "/people/import", max=4),
    "people.import_template": case("operator", "/people/import/template.csv", "/people/import/template.xlsx", max=12),
    "people.enrol": case("operator", "/people/enrol", max=8),
    "people.edit": case("operator", "/people/{learner}", max=13),
    "people.erase": case("admin", "/people/{learner}/erase", max=5),
    "people.audit": case("admin", "/people/audit", max=8),
    # the JSON API
    "api.openapi_json": case("anonymous", "/api/v1/openapi.json", max=0),
    "api.verify_certificate": case("anonymous", "/api/v1/certificates/{code}", max=4),
    "api.me": case("learner", "/api/v1/me", max=4),
    "api.my_progress": case("learner", "/api/v1/me/progress", max=9),
    "api.list_courses": case("learner", "/api/v1/courses", max=9),
    "api.get_course": case("learner", "/api/v1/courses/{course}", max=13),
    "api.get_attempt": case("learner", "/api/v1/attempts/{done}", "/api/v1/attempts/{open}", max=9),
    "api.export_course_package": case("author", "/api/v1/courses/{course}/package", max=11),
    "api.completion_report": case("reviewer", "/api/v1/reports/completion?group_by=kecamatan",
                                  "/api/v1/reports/completion?group_by=desa&format=csv", max=9),
    "api.report_learners": case("reviewer", "/api/v1/reports/learners", max=5),
}

# endpoint: why it has no budget (and which test covers it instead). Empty today: even static
# files are budgeted (at zero, see lms/assets.py).
EXCLUDED: dict[str, str] = {}


# ---------------------------------------------------------------------------- measuring
class Counter:
    """Count the SQL statements the engine executes (transaction control and PRAGMAs left out),
    the same rule as the ``count_queries`` fixture of tests/conftest.py."""

    def __init__(self):
        self.statements: list[str] = []

    def __enter__(self):
        sa.event.listen(_db.engine, "before_cursor_execute", self._listen)
        return self

    def __exit__(self, *exc):
        sa.event.remove(_db.engine, "before_cursor_execute", self._listen)

    def _listen(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


class Session:
    """A signed-in persona: a browser (cookies) for pages, a bearer token for the API."""

    def __init__(self, app, world: World, persona: str):
        self.client = app.test_client()
        self.headers: dict = {}
        self.persona = persona
        if persona == "anonymous":
            return
        user = world.people[persona]
        page = self.client.get("/login")
        response = self.client.post("/login", data={"username": user.username, "password": PASSWORD,
                                                    "csrf_token": csrf_from(page.get_data(as_text=True))})
        assert response.status_code == 302, f"{persona} could not sign in"
        token = self.client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
        self.headers = {"Authorization": f"Bearer {token.get_json()['token']}"}

    def get(self, url: str):
        response = self.client.get(url, headers=self.headers if url.startswith("/api/") else {})
        response.get_data()  # a streamed body runs its queries while it is read
        response.close()  # file responses (images, downloads) hold their file open until closed
        return response

    def measure(self, url: str, status: int) -> tuple[int | None, str]:
        """Statements for one GET after a warm-up request; (None, why) if the page did not answer."""
        self.get(url)
        with Counter() as counter:
            response = self.get(url)
        if response.status_code != status:
            return None, f"{self.persona} GET {url}: status {response.status_code}, expected {status}"
        return counter.count, ""


@dataclass(frozen=True)
class Post:
    """A state-changing request learners make often: ``max`` statements, each size in a fresh world."""

    persona: str
    method: str
    url: str
    max: int
    status: int
    body: object = None  # a function of World.ids giving the form (web) or the JSON body (API)


POST_BUDGET: dict[str, Post] = {
    "auth.login": Post("anonymous", "POST", "/login", 4, 302,
                       lambda ids: {"username": ids["username"], "password": PASSWORD}),
    "courses.enroll": Post("learner", "POST", "/courses/{unenrolled_slug}/enroll", 16, 302),
    "api.enroll": Post("learner", "POST", "/api/v1/courses/{unenrolled}/enroll", 17, 201),
    "courses.complete_lesson": Post("learner", "POST", "/courses/{slug}/lessons/{lesson}/complete", 23, 302),
    "api.complete_lesson": Post("learner", "POST", "/api/v1/lessons/{lesson}/complete", 24, 200),
    "quizzes.start": Post("learner", "POST", "/quizzes/{final}/start", 17, 302),
    "api.start_attempt": Post("learner", "POST", "/api/v1/quizzes/{final}/attempts", 19, 201),
    "quizzes.autosave": Post("learner", "POST", "/attempts/{open}/answers/{open_question}", 11, 200,
                             lambda ids: {"shown": str(ids["open_question"]),
                                          f"q_{ids['open_question']}": str(ids["open_choice"])}),
    "api.save_answer": Post("learner", "PUT", "/api/v1/attempts/{open}/answers/{open_question}", 11, 200,
                            lambda ids: {"choice_ids": [ids["open_choice"]]}),
    "quizzes.save_page": Post("learner", "POST", "/attempts/{open}", 12, 302, lambda ids: ids["open_page"]),
    "quizzes.submit": Post("learner", "POST", "/attempts/{open}/submit", 25, 302),
    "api.submit_attempt": Post("learner", "POST", "/api/v1/attempts/{open}/submit", 29, 200),
}


def _post(app, world: World, post: Post) -> tuple[int | None, str]:
    session = Session(app, world, post.persona)
    url = post.url.format(**world.ids)
    body = post.body(world.ids) if post.body else {}
    if url.startswith("/api/"):
        request = {"json": body, "headers": session.headers}
    else:
        page = session.client.get("/login" if post.persona == "anonymous" else "/me/profile")
        request = {"data": {"csrf_token": csrf_from(page.get_data(as_text=True)), **body}}
    with Counter() as counter:
        response = session.client.open(url, method=post.method, **request)
        response.close()
    if response.status_code != post.status:
        return None, f"{post.persona} {post.method} {url}: status {response.status_code}, expected {post.status}"
    return counter.count, ""


# ---------------------------------------------------------------------------- the tests
def _dimensions(world: World) -> dict[str, int]:
    """How big the world is where it matters to the pages (checked by test_the_large_world_is_large)."""
    from lms.audit import AuditEvent
    from lms.courses.models import CourseAuthor, Lesson
    from lms.quizzes.models import Attempt

    ids, count = world.ids, (lambda stmt: _db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())))
    learner = ids["learner"]
    return {
        "enrolments of the learner": count(sa.select(Enrollment.id).where(Enrollment.user_id == learner)),
        "certificates of the learner": count(sa.select(Certificate.id).where(Certificate.user_id == learner)),
        "lessons of the course": count(sa.select(Lesson.id).where(Lesson.course_id == ids["course"])),
        "questions of the quiz": count(sa.select(Question.id).where(Question.quiz_id == ids["quiz"])),
        "attempts of the learner at the quiz": count(sa.select(Attempt.id).where(
            Attempt.user_id == learner, Attempt.quiz_id == ids["quiz"])),
        "learners of the course": count(sa.select(Enrollment.id).where(Enrollment.course_id == ids["course"])),
        "learners enrolled a month ago, not started": count(sa.select(Enrollment.id).where(
            Enrollment.course_id == ids["course"], Enrollment.enrolled_at < utcnow() - timedelta(days=20))),
        "co-authors": count(sa.select(CourseAuthor.id).where(CourseAuthor.course_id == ids["course"])),
        "cohort rules": count(sa.select(CohortRule.id).where(CohortRule.course_id == ids["course"])),
        "audit events about the learner": count(sa.select(AuditEvent.id).where(
            AuditEvent.target == f"user:{learner}")),
    }


@pytest.fixture(scope="module")
def measured(app):
    """Every GET case measured in the small world, then again once the large world is added.

    Done once for the module (two worlds, not two per page); each test below reads its figures.
    """
    from tests.conftest import _clean

    figures = {endpoint: [[None, None] for _ in budget.urls] for endpoint, budget in BUDGET.items()}
    problems: dict[str, list[str]] = {endpoint: [] for endpoint in BUDGET}
    dimensions = []
    _clean(app)
    with app.app_context():
        for slot, size in enumerate((SMALL, LARGE)):
            world = build_world(size)
            dimensions.append(_dimensions(world))
            sessions: dict[str, Session] = {}
            for endpoint, budget in BUDGET.items():
                if budget.persona not in sessions:
                    sessions[budget.persona] = Session(app, world, budget.persona)
                for i, template in enumerate(budget.urls):
                    count, problem = sessions[budget.persona].measure(template.format(**world.ids), budget.status)
                    figures[endpoint][i][slot] = count
                    if problem:
                        problems[endpoint].append(problem)
        _db.session.remove()
    _clean(app)
    return {"figures": figures, "problems": problems, "dimensions": dimensions}


def test_every_get_route_has_a_budget_or_a_reason(app):
    """A new GET route fails here until it gets a budget (or a reason to have none)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    gets = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert gets - set(BUDGET) - set(EXCLUDED) == set(), "GET routes without a statement budget"
    assert set(BUDGET) & set(EXCLUDED) == set(), "both budgeted and excluded"
    assert (set(BUDGET) | set(EXCLUDED) | set(POST_BUDGET)) - endpoints == set(), "entries for routes that are gone"
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_the_large_world_is_large(measured):
    """The large world is at least ten times the small one in every dimension the pages list."""
    small, large = measured["dimensions"]
    for name, value in small.items():
        assert value >= 1, name
        assert large[name] >= 10 * value or large[name] >= 20, (name, value, large[name])


@pytest.mark.parametrize("endpoint", sorted(BUDGET))
def test_get_statement_budget(endpoint, measured):
    """The same number of statements in the small and the large world, and no more than the budget."""
    budget = BUDGET[endpoint]
    assert not measured["problems"][endpoint], measured["problems"][endpoint]
    lines, wrong = [], []
    for template, (small, large) in zip(budget.urls, measured["figures"][endpoint]):
        lines.append(f"{template}: {small} statements small, {large} large (budget {budget.max})")
        if small != large or large > budget.max:
            wrong.append(lines[-1])
    print("\n".join(lines))
    assert not wrong, wrong


@pytest.mark.parametrize("endpoint", sorted(POST_BUDGET))
def test_post_statement_budget(endpoint, app, db):
    """Frequent writes: the same number of statements in a small and in a large world."""
    post = POST_BUDGET[endpoint]
    counts = []
    for size in (SMALL, LARGE):
        count, problem = _post(app, build_world(size), post)
        assert not problem, problem
        counts.append(count)
    print(f"{endpoint} {post.url}: {counts[0]} / {counts[1]} statements (budget {post.max})")
    assert counts[0] == counts[1], counts
    assert counts[1] <= post.max, f"{counts[1]} statements, budget {post.max}"
