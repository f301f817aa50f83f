"""Every route in app.url_map against a table of who may use it.

Personas: anonymous, the learner who owns the data, another learner (another village), a
trainer who is not the author, the author, the operator of the learner's village, the operator
of another village, a reviewer, an admin. A route missing from the table fails the test, so a
new route cannot be added without stating who may use it.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from PIL import Image

from lms.courses.models import CohortRule
from lms.courses.services import complete_lesson, enroll
from lms.extensions import db as _db
from lms.packages import import_package
from lms.quizzes.models import Certificate, Quiz
from lms.quizzes.services import start_attempt, submit_attempt
from lms.studio.media import save_image
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user, manifest, quiz_spec

MUNGGU, PELAGA = "51.03.02.2001", "51.03.04.2004"
PERSONAS = ["anonymous", "learner", "other_learner", "trainer_other", "author", "operator_own", "operator_other",
            "reviewer", "admin"]
OK, LOGIN, DENIED, HIDDEN = "ok", "login", 403, 404


def everyone(value=OK, anonymous=LOGIN):
    return {p: (anonymous if p == "anonymous" else value) for p in PERSONAS}


def only(allowed: set, *, otherwise=DENIED, anonymous=LOGIN):
    return {p: (anonymous if p == "anonymous" else OK if p in allowed else otherwise) for p in PERSONAS}


PUBLIC = {p: OK for p in PERSONAS}
SIGNED_IN = everyone()
EDITORS = only({"author", "admin"})
STUDIO = only({"author", "trainer_other", "admin"})
REVIEWERS = only({"reviewer", "admin", "operator_own", "operator_other"})
MANAGERS = only({"admin", "operator_own", "operator_other"})
PERSON = only({"admin", "operator_own"})
ADMINS = only({"admin"})
OWNER = only({"learner"}, otherwise=HIDDEN)
ATTEMPT_VIEWERS = only({"learner", "author", "reviewer", "admin"}, otherwise=HIDDEN)
ENROLLED = only({"learner"})  # the others are not enrolled: 403 not_enrolled
TRANSCRIPT = only({"learner", "operator_own", "reviewer", "admin"}, otherwise=HIDDEN)
CERTIFICATE = only({"learner", "reviewer", "admin"}, otherwise=HIDDEN)
API_SIGNED_IN = everyone(anonymous=LOGIN)
API_EDITORS_IMPORT = only({"author", "trainer_other", "admin"})
LOGOUT = everyone(value="any")

# endpoint: (method, url template, expectations)
TABLE = {
    "static": ("GET", "/static/css/app.css", PUBLIC),
    "ops.healthz": ("GET", "/healthz", PUBLIC),
    "auth.login": ("GET", "/login", PUBLIC),
    "auth.favicon": ("GET", "/favicon.ico", PUBLIC),
    "auth.logout": ("POST", "/logout", LOGOUT),
    # nothing pending: everyone is sent to /login (anonymous) or the dashboard (signed in)
    "auth.totp_login": ("GET", "/login/2fa", {p: "any" for p in PERSONAS}),
    "auth.totp_setup": ("GET", "/me/2fa", only({"trainer_other", "author", "reviewer", "admin"})),
    "auth.totp_disable": ("POST", "/me/2fa/disable", only({"trainer_other", "author", "reviewer", "admin"})),
    "people.register": ("GET", "/register", PUBLIC),
    "people.privacy": ("GET", "/privacy", PUBLIC),
    "i18n.set_language": ("POST", "/language", PUBLIC),  # CSRF-checked; saved on the account when signed in
    "quizzes.verify": ("GET", "/verify/{code}", PUBLIC),
    "courses.dashboard": ("GET", "/", SIGNED_IN),
    "courses.catalogue": ("GET", "/courses/", SIGNED_IN),
    "courses.detail": ("GET", "/courses/{slug}", SIGNED_IN),
    "courses.enroll": ("POST", "/courses/{slug}/enroll", SIGNED_IN),
    "courses.lesson": ("GET", "/courses/{slug}/lessons/{lesson}", SIGNED_IN),
    "courses.complete_lesson": ("POST", "/courses/{slug}/lessons/{lesson}/complete", ENROLLED),
    # offline use (lms/offline): the app shell is public; a course's files only for its learners
    "offline.service_worker": ("GET", "/sw.js", PUBLIC),
    "offline.manifest": ("GET", "/manifest.webmanifest", PUBLIC),
    "offline.fallback": ("GET", "/offline", PUBLIC),
    "offline.state": ("GET", "/offline/state.json", SIGNED_IN),
    "offline.course_files": ("GET", "/courses/{slug}/offline.json", ENROLLED),
    "quizzes.overview": ("GET", "/quizzes/{quiz}", SIGNED_IN),
    "quizzes.start": ("POST", "/quizzes/{quiz}/start", ENROLLED),
    "quizzes.grants": ("GET", "/quizzes/{quiz}/grants", EDITORS),
    "quizzes.attempt": ("GET", "/attempts/{open}", OWNER),
    "quizzes.save_page": ("POST", "/attempts/{open}", OWNER),
    "quizzes.autosave": ("POST", "/attempts/{open}/answers/{question2}", OWNER),
    "quizzes.summary": ("GET", "/attempts/{open}/summary", OWNER),
    "quizzes.submit": ("POST", "/attempts/{open}/submit", OWNER),
    "quizzes.result": ("GET", "/attempts/{done}/result", ATTEMPT_VIEWERS),
    "quizzes.certificate_pdf": ("GET", "/certificates/{code}.pdf", CERTIFICATE),
    "media.image": ("GET", "/media/{image}", SIGNED_IN),
    "people.profile": ("GET", "/me/profile", SIGNED_IN),
    "people.my_data": ("GET", "/me/data.json", SIGNED_IN),
    "people.request_deletion": ("POST", "/me/delete", SIGNED_IN),
    "people.change_password": ("GET", "/me/password", SIGNED_IN),
    "people.consent": ("GET", "/privacy/consent", SIGNED_IN),
    "people.index": ("GET", "/people/", MANAGERS),
    "people.new": ("GET", "/people/new", MANAGERS),
    "people.import_people": ("GET", "/people/import", MANAGERS),
    "people.import_template": ("GET", "/people/import/template.csv", MANAGERS),
    "people.enrol": ("GET", "/people/enrol", MANAGERS),
    "people.edit": ("GET", "/people/{learner}", PERSON),
    "people.set_active": ("POST", "/people/{learner}/active", PERSON),
    "people.reset_password": ("POST", "/people/{learner}/reset-password", PERSON),
    "people.erase": ("GET", "/people/{learner}/erase", ADMINS),
    "people.audit": ("GET", "/people/audit", ADMINS),
    "reports.dashboard": ("GET", "/reports/", REVIEWERS),
    "reports.table": ("GET", "/reports/table?group_by=desa", REVIEWERS),
    "reports.learners": ("GET", "/reports/learners", REVIEWERS),
    "reports.literacy_map": ("GET", "/reports/map", REVIEWERS),
    "reports.follow_up": ("GET", "/reports/follow-up", REVIEWERS),
    "reports.recap": ("GET", "/reports/recap", REVIEWERS),
    "reports.recap_pdf": ("GET", "/reports/recap.pdf", REVIEWERS),
    "reports.printable": ("GET", "/reports/print", REVIEWERS),
    "reports.export": ("GET", "/reports/export/completion.csv?group_by=desa", REVIEWERS),
    "reports.transcript": ("GET", "/reports/learners/{learner}/transcript.pdf", TRANSCRIPT),
    "reports.my_transcript": ("GET", "/reports/me/transcript.pdf", SIGNED_IN),
    "studio.index": ("GET", "/studio/", STUDIO),
    "studio.new_course": ("GET", "/studio/courses/new", STUDIO),
    "studio.import_package": ("GET", "/studio/packages/import", STUDIO),
    "studio.question_template": ("GET", "/studio/question-template.csv", STUDIO),
    "studio.course": ("GET", "/studio/courses/{course}", EDITORS),
    "studio.status": ("POST", "/studio/courses/{course}/status", EDITORS),
    "studio.add_coauthor": ("POST", "/studio/courses/{course}/coauthors", EDITORS),
    "studio.remove_coauthor": ("POST", "/studio/courses/{course}/coauthors/{learner}/remove", EDITORS),
    "studio.cohort": ("GET", "/studio/courses/{course}/cohorts", EDITORS),
    "studio.deactivate_cohort": ("POST", "/studio/cohorts/{rule}/deactivate", EDITORS),
    "studio.upload_image": ("POST", "/studio/courses/{course}/images", EDITORS),
    "studio.learners": ("GET", "/studio/courses/{course}/learners", EDITORS),
    "studio.add_module": ("POST", "/studio/courses/{course}/modules", EDITORS),
    "studio.export_package": ("GET", "/studio/courses/{course}/package.zip", EDITORS),
    "studio.new_quiz": ("GET", "/studio/courses/{course}/quizzes/new", EDITORS),
    "studio.module": ("GET", "/studio/modules/{module}", EDITORS),
    "studio.move_module": ("POST", "/studio/modules/{module}/move", EDITORS),
    "studio.delete_module": ("GET", "/studio/modules/{module}/delete", EDITORS),
    "studio.new_lesson": ("GET", "/studio/modules/{module}/lessons/new", EDITORS),
    "studio.lesson": ("GET", "/studio/lessons/{lesson}", EDITORS),
    "studio.move_lesson": ("POST", "/studio/lessons/{lesson}/move", EDITORS),
    "studio.delete_lesson": ("GET", "/studio/lessons/{lesson}/delete", EDITORS),
    "studio.quiz": ("GET", "/studio/quizzes/{quiz}", EDITORS),
    "studio.delete_quiz": ("GET", "/studio/quizzes/{quiz}/delete", EDITORS),
    "studio.new_question": ("GET", "/studio/quizzes/{quiz}/questions/new", EDITORS),
    "studio.question": ("GET", "/studio/questions/{question}", EDITORS),
    "studio.move_question": ("POST", "/studio/questions/{question}/move", EDITORS),
    "studio.delete_question": ("GET", "/studio/questions/{question}/delete", EDITORS),
    "studio.import_questions": ("GET", "/studio/quizzes/{quiz}/import", EDITORS),
    "studio.export_gift": ("GET", "/studio/quizzes/{quiz}/export.gift", EDITORS),
    "studio.item_analysis": ("GET", "/studio/quizzes/{quiz}/analysis", EDITORS),
    # the JSON API: bearer tokens only
    "api.openapi_json": ("GET", "/api/v1/openapi.json", PUBLIC),
    "api.create_token": ("POST", "/api/v1/auth/token", {p: "any" for p in PERSONAS}),  # 401 = wrong credentials
    "api.revoke_token": ("DELETE", "/api/v1/auth/token", API_SIGNED_IN),
    "api.verify_certificate": ("GET", "/api/v1/certificates/{code}", PUBLIC),
    "api.me": ("GET", "/api/v1/me", API_SIGNED_IN),
    "api.my_progress": ("GET", "/api/v1/me/progress", API_SIGNED_IN),
    "api.list_courses": ("GET", "/api/v1/courses", API_SIGNED_IN),
    "api.get_course": ("GET", "/api/v1/courses/{course}", API_SIGNED_IN),
    "api.enroll": ("POST", "/api/v1/courses/{course}/enroll", API_SIGNED_IN),
    "api.complete_lesson": ("POST", "/api/v1/lessons/{lesson}/complete", ENROLLED),
    "api.start_attempt": ("POST", "/api/v1/quizzes/{quiz}/attempts", ENROLLED),
    "api.save_answer": ("PUT", "/api/v1/attempts/{open}/answers/{question2}", OWNER),
    "api.submit_attempt": ("POST", "/api/v1/attempts/{open}/submit", OWNER),
    "api.get_attempt": ("GET", "/api/v1/attempts/{done}", ATTEMPT_VIEWERS),
    "api.import_course_package": ("POST", "/api/v1/course-packages", API_EDITORS_IMPORT),
    "api.export_course_package": ("GET", "/api/v1/courses/{course}/package", EDITORS),
    "api.create_user": ("POST", "/api/v1/users", ADMINS),
    "api.import_users": ("POST", "/api/v1/users/import?dry_run=1", ADMINS),
    "api.completion_report": ("GET", "/api/v1/reports/completion?group_by=desa", REVIEWERS),
    "api.report_learners": ("GET", "/api/v1/reports/learners", REVIEWERS),
}


def build_world() -> tuple[dict, dict]:
    people = {
        "learner": make_user(desa_kode=MUNGGU, commit=False, full_name="Pemilik Data"),
        "other_learner": make_user(desa_kode=PELAGA, commit=False),
        "trainer_other": make_user("trainer", commit=False),
        "author": make_user("trainer", commit=False),
        "operator_own": make_user("operator", desa_kode=MUNGGU, commit=False),
        "operator_other": make_user("operator", desa_kode=PELAGA, commit=False),
        "reviewer": make_user("reviewer", commit=False),
        "admin": make_user("admin", commit=False),
    }
    data = manifest("akses", modules=1, lessons=2)
    data["course"]["modules"][0]["quizzes"] = [quiz_spec("Kuis satu"), quiz_spec("Kuis dua")]
    course = import_package(data, author=people["author"])
    quiz_done, quiz_open = _db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id)
                                               .order_by(Quiz.position)).all()
    learner = people["learner"]
    enroll(learner, course)
    complete_lesson(learner, course.modules[0].lessons[0])
    done = submit_attempt(start_attempt(learner, quiz_done)[0])
    open_attempt, _ = start_attempt(learner, quiz_open)
    certificate = Certificate(code="AAAA-BBBB-CCCC-DDDD-EEEE", user_id=learner.id, course_id=course.id,
                              issued_at=datetime.now(timezone.utc))
    rule = CohortRule(course_id=course.id, active=True)
    _db.session.add_all([certificate, rule])
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    image = save_image(buffer.getvalue())
    _db.session.commit()
    ids = {"slug": course.slug, "course": course.id, "module": course.modules[0].id,
           "lesson": course.modules[0].lessons[1].id, "quiz": quiz_open.id, "question": quiz_open.questions[0].id,
           "question2": open_attempt.layout[0]["question_id"], "open": open_attempt.id, "done": done.id,
           "code": certificate.code, "learner": learner.id, "rule": rule.id, "image": image}
    return people, ids


def _token_for(client, user) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _request(web, client, persona, people, method, url):
    is_api = url.startswith("/api/")
    headers = {}
    if persona != "anonymous":
        if is_api:
            headers = _token_for(client, people[persona])
        else:
            web.login(people[persona].username)
    if method == "GET":
        return client.get(url, headers=headers)
    if is_api:
        body = {"choice_ids": []} if "/answers/" in url else {}
        return client.open(url, method=method, json=body, headers=headers)
    page = client.get("/" if persona != "anonymous" else "/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.open(url, method=method, data={"csrf_token": token, "direction": "up", "status": "published",
                                                 "shown": "0"}, headers={"X-CSRFToken": token})


def _check(expected, response, url, persona):
    status = response.status_code
    location = response.headers.get("Location", "")
    where = f"{persona} {url}: {status} {location}"
    assert status < 500, where
    if expected == "any":
        return
    if expected == LOGIN:
        if url.startswith("/api/"):
            assert status == 401, where
        else:
            assert status == 302 and "/login" in location, where
    elif expected == OK:
        assert status not in (401, 403, 404), where
        assert not (status == 302 and "/login" in location), where
    else:
        assert status == expected, where


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(TABLE) == set(), "routes without an access rule"
    assert set(TABLE) - endpoints == set(), "rules for routes that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(TABLE))
def test_route_access(endpoint, app, db, web):
    method, template, expectations = TABLE[endpoint]
    assert set(expectations) == set(PERSONAS)
    people = ids = None
    for persona in PERSONAS:
        if method != "GET" or people is None:  # a state-changing request gets a fresh world each time
            _clean(app)
            people, ids = build_world()
        client = app.test_client()
        web.client = client
        url = template.format(**ids)
        response = _request(web, client, persona, people, method, url)
        _check(expectations[persona], response, url, persona)
        response.close()


def _clean(app):
    from tests.conftest import _clean as clean

    _db.session.remove()
    clean(app)
