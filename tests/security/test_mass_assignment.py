"""Fields a caller may not set are refused or ignored; oversized bodies get 413."""
import sqlalchemy as sa

from lms.auth.models import User
from lms.quizzes.models import Attempt, Quiz
from tests.factories import make_quiz_course, make_user


def test_answer_body_cannot_carry_score_or_correctness(client, api, db):
    learner = make_user()
    course = make_quiz_course()
    headers = api.as_user(learner)
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers)
    quiz = db.session.scalar(sa.select(Quiz))
    body = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers).get_json()
    question = body["questions"][0]
    for extra in ({"correct": True}, {"points": 5}, {"score": 100}, {"user_id": 1}):
        response = client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{question['id']}",
                              json={"choice_ids": [], **extra}, headers=headers)
        assert response.status_code == 422, extra


def test_submit_and_enroll_ignore_what_the_caller_sends(client, api, db):
    learner, other = make_user(), make_user()
    course = make_quiz_course()
    headers = api.as_user(learner)
    response = client.post(f"/api/v1/courses/{course.id}/enroll", json={"user_id": other.id, "source": "assigned"},
                           headers=headers)
    assert response.status_code == 201
    quiz = db.session.scalar(sa.select(Quiz))
    body = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers,
                       json={"deadline": None, "user_id": other.id}).get_json()
    result = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers,
                         json={"score": 5, "percent": 100, "passed": True, "submitted_at": "2020-01-01"}).get_json()
    assert result["score"] == 0.0 and result["passed"] is False
    attempt = db.session.get(Attempt, body["attempt_id"])
    assert attempt.user_id == learner.id


def test_user_creation_rejects_fields_nobody_may_set(client, api, db):
    headers = api.as_user(make_user("admin"))
    base = {"username": "baru", "full_name": "Baru", "password": "Tiga ekor bebek di sawah", "role": "learner",
            "kind": "warga"}
    for extra in ({"active": False}, {"id": 1}, {"session_version": 9}, {"is_admin": True},
                  {"password_hash": "x"}, {"must_change_password": False}):
        response = client.post("/api/v1/users", json={**base, **extra}, headers=headers)
        assert response.status_code == 422 and response.get_json()["error"]["field"] == next(iter(extra))
    assert db.session.scalar(sa.select(User).where(User.username == "baru")) is None


def test_oversized_body_gets_413(client, api, app):
    headers = api.as_user(make_user("admin"))
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/course-packages", data=b"x" * (limit + 1), headers={
        **headers, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
