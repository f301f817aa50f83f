"""Schemathesis against the WSGI app: no 5xx, and every response as the OpenAPI document says.

Every operation runs (unsafe ones too) with a bounded, derandomized number of examples, so CI
is reproducible. ``DELETE /auth/token`` is left out of the fuzzing (it would revoke the token the
other cases use) and tested on its own below.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import lms.api.openapi  # noqa: F401  (registers GET /api/v1/openapi.json before the app is built)
from lms.api.openapi import openapi_document
from lms.auth import services as auth_services
from lms.courses import services as course_services
from lms.extensions import db as _db
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Question
from tests.factories import make_quiz_course, make_user, right_answers

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Operations only trainers/admins, admins, or report readers may call: run them as an admin so the
# fuzzing reaches past the role check. Everything else runs as an enrolled learner.
ADMIN_OPERATIONS = {"importCoursePackage", "exportCoursePackage", "createUser", "importUsers",
                    "completionReport", "learnersReport"}

CONFIG = SchemathesisConfig.from_dict({
    "seed": 20261128,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
})


@dataclass
class Seeded:
    learner_token: str
    admin_token: str
    ids: dict  # path parameter name -> an id that exists (the learner may use it)


@pytest.fixture
def seeded(db) -> Seeded:
    """An admin, an enrolled learner with an open attempt, a published course with a quiz."""
    admin = make_user("admin")
    learner = make_user("learner")
    course = make_quiz_course()
    course_services.enroll(learner, course)
    quiz = quiz_services.course_quizzes(course.id)[0]
    attempt, _created = quiz_services.start_attempt(learner, quiz)
    lesson_id = course_services.outline(learner, course).modules[0].lessons[0].id
    ids = {"course_id": course.id, "lesson_id": lesson_id, "quiz_id": quiz.id, "attempt_id": attempt.id,
           "question_id": attempt.layout[0]["question_id"]}
    learner_token, admin_token = auth_services.issue_token(learner), auth_services.issue_token(admin)
    db.session.commit()
    return Seeded(learner_token, admin_token, ids)


# Loaded from the same data the app serves (tests/test_openapi.py checks that the served document
# equals it); the requests go to the Flask app through WSGI (``app=`` on each call). The lazy
# ``schemathesis.pytest.from_fixture`` loader is not used: with pytest 9 it fails on
# ``request.node._nodeid``, and a module-level schema also gives one test (and one fresh database)
# per operation.
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG).exclude(operation_id="revokeToken")


def use_known_ids(case, ids: dict) -> None:
    """For about half the cases, point integer path parameters at rows that exist (deterministically:
    by the parity of the generated value), so the fuzzing reaches past 404."""
    for name, value in list((case.path_parameters or {}).items()):
        if name in ids and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = ids[name]


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case, app, seeded):
    use_known_ids(case, seeded.ids)
    token = seeded.admin_token if case.operation.definition.raw.get("operationId") in ADMIN_OPERATIONS \
        else seeded.learner_token
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, app=app)


def test_revoke_token_conforms_and_revokes(app, seeded):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    auth = {"Authorization": f"Bearer {seeded.learner_token}"}
    revoke = loaded["/auth/token"]["DELETE"].Case()
    me = loaded["/me"]["GET"].Case()

    assert me.call_and_validate(headers=auth, checks=CHECKS).status_code == 200
    assert revoke.call_and_validate(headers=auth, checks=CHECKS).status_code == 204
    assert me.call_and_validate(headers=auth, checks=CHECKS).status_code == 401
    assert revoke.call_and_validate(headers=auth, checks=CHECKS).status_code == 401  # already revoked
    assert revoke.call_and_validate(checks=CHECKS).status_code == 401  # no token at all
    _db.session.remove()


def test_create_user_without_a_required_field_is_422(client, seeded):
    """Found by this fuzzing: it used to raise TypeError (500) from ``create_user(**...)``."""
    response = client.post("/api/v1/users", json={"full_name": "Ni Made Sari", "password": "kata-sandi-rahasia-123",
                                                  "role": "learner", "kind": "perangkat", "jabatan": "SEKDES",
                                                  "desa_kode": "51.03.02.2001"},
                           headers={"Authorization": f"Bearer {seeded.admin_token}"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "username"


def test_a_learner_walkthrough_conforms(app, db, seeded):
    """The success shapes, checked on one real run: finish the course, get a certificate, verify it."""
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    auth = {"Authorization": f"Bearer {seeded.learner_token}"}
    ids = seeded.ids

    def call(method: str, path: str, *, token: bool = True, **case_kwargs):
        case = loaded[path][method].Case(**case_kwargs)
        return case.call_and_validate(headers=auth if token else None, checks=CHECKS)

    assert call("POST", "/lessons/{lesson_id}/complete", path_parameters={"lesson_id": ids["lesson_id"]}).status_code == 200
    started = call("POST", "/quizzes/{quiz_id}/attempts", path_parameters={"quiz_id": ids["quiz_id"]})
    assert started.status_code == 200  # the seeded open attempt is resumed
    attempt = started.json()
    answers = right_answers(attempt["questions"], db.session.scalars(sa.select(Question)).all())
    for question_id, payload in answers.items():
        saved = call("PUT", "/attempts/{attempt_id}/answers/{question_id}", body=payload, media_type="application/json",
                     path_parameters={"attempt_id": attempt["attempt_id"], "question_id": question_id})
        assert saved.status_code == 200
    result = call("POST", "/attempts/{attempt_id}/submit", path_parameters={"attempt_id": attempt["attempt_id"]})
    assert result.status_code == 200 and result.json()["passed"] is True
    detail = call("GET", "/attempts/{attempt_id}", path_parameters={"attempt_id": attempt["attempt_id"]})
    assert detail.json()["status"] == "submitted"
    closed = call("PUT", "/attempts/{attempt_id}/answers/{question_id}", body=next(iter(answers.values())),
                  media_type="application/json",
                  path_parameters={"attempt_id": attempt["attempt_id"], "question_id": next(iter(answers))})
    assert closed.status_code == 409
    assert call("GET", "/courses/{course_id}", path_parameters={"course_id": ids["course_id"]}).status_code == 200
    progress = call("GET", "/me/progress").json()["courses"][0]
    assert progress["completed"] is True and progress["certificate_code"]
    verified = call("GET", "/certificates/{code}", token=False, path_parameters={"code": progress["certificate_code"]})
    assert verified.status_code == 200 and verified.json()["valid"] is True
    _db.session.remove()


def test_reports_conform_as_json_and_csv(app, seeded):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    admin = {"Authorization": f"Bearer {seeded.admin_token}"}
    learner = {"Authorization": f"Bearer {seeded.learner_token}"}
    completion = loaded["/reports/completion"]["GET"]
    for group_by in ("kecamatan", "desa", "course", "jabatan", "pillar"):
        response = completion.Case(query={"group_by": group_by}).call_and_validate(headers=admin, checks=CHECKS)
        assert response.status_code == 200
    csv = completion.Case(query={"group_by": "desa", "format": "csv"}).call_and_validate(headers=admin, checks=CHECKS)
    assert csv.status_code == 200 and b"key,label,learners" in csv.content  # content type: checked above
    assert completion.Case(query={"group_by": "desa"}).call_and_validate(headers=learner, checks=CHECKS).status_code == 403
    learners = loaded["/reports/learners"]["GET"].Case(query={"kind": "perangkat"})
    assert learners.call_and_validate(headers=admin, checks=CHECKS).json()["learners"]
    _db.session.remove()
