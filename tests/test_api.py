"""JSON API v1: tokens, courses, enrolment, progress, course packages, users."""
import pytest
import sqlalchemy as sa

from lms.auth.models import ApiToken, User
from lms.courses.models import Course, LessonProgress
from tests.factories import PASSWORD, make_course, make_user, manifest


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_for_good_credentials_is_random_and_stored_hashed(client, db):
    user = make_user()
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    token = response.get_json()["token"]
    assert response.status_code == 200 and len(token) >= 32
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert stored and token not in stored
    second = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    assert second.get_json()["token"] != token


@pytest.mark.parametrize("body", [
    {"username": "tidak-ada", "password": PASSWORD}, {"username": "made", "password": "salah-salah-salah"},
    {"username": "made"}, {"username": ["made"], "password": PASSWORD},
])
def test_bad_credentials_give_401(client, body):
    make_user(username="made")
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_inactive_user_gets_no_token_and_old_tokens_stop_working(client, api, db):
    user = make_user()
    headers = api.as_user(user)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 401


def test_non_json_body_gives_422_not_500(client):
    response = client.post("/api/v1/auth/token", data="bukan json", content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_revoked_token_stops_working(client, api):
    user = make_user()
    headers = api.as_user(user)
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer salah"}, {"Authorization": "Basic eDp5"}])
def test_endpoints_need_a_valid_bearer_token(client, headers):
    response = client.get("/api/v1/courses", headers=headers)
    assert response.status_code == 401
    assert set(response.get_json()["error"]) >= {"code", "message"}


def test_session_cookie_does_not_authenticate_the_api(web, client):
    """The API reads bearer tokens only, so a browser's cookie cannot be used to write."""
    user = make_user()
    course = make_course()
    web.login(user.username)
    assert client.post(f"/api/v1/courses/{course.id}/enroll").status_code == 401


def test_me_returns_the_profile(client, api):
    user = make_user(full_name="Putu Ayu", kind="perangkat", jabatan="KAUR_KEUANGAN", desa_kode="51.03.03.2001")
    body = client.get("/api/v1/me", headers=api.as_user(user)).get_json()
    assert body["id"] == user.id and body["username"] == user.username and body["full_name"] == "Putu Ayu"
    assert body["role"] == "learner" and body["kind"] == "perangkat" and body["jabatan"] == "KAUR_KEUANGAN"
    assert body["desa"] == {"kode": "51.03.03.2001", "nama": "Darmasaba"}


def test_course_list_shows_published_courses_with_the_callers_progress(client, api, db):
    user = make_user()
    headers = api.as_user(user)
    course = make_course("api", modules=2, lessons=2)
    make_course("draf", status="draft")
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers)
    client.post(f"/api/v1/lessons/{course.modules[0].lessons[0].id}/complete", headers=headers)
    body = client.get("/api/v1/courses", headers=headers).get_json()
    assert body == {"courses": [{"id": course.id, "slug": "api", "title": course.title, "pillar": "aman",
                                 "lesson_count": 4, "enrolled": True, "progress_percent": 25.0}]}


def test_course_detail_has_modules_lessons_and_completion(client, api):
    user = make_user()
    headers = api.as_user(user)
    course = make_course("detail", modules=2, lessons=1)
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers)
    done = course.modules[1].lessons[0]
    client.post(f"/api/v1/lessons/{done.id}/complete", headers=headers)
    body = client.get(f"/api/v1/courses/{course.id}", headers=headers).get_json()
    assert body["id"] == course.id and body["slug"] == "detail" and body["pillar"] == "aman"
    assert [m["title"] for m in body["modules"]] == ["Modul 1", "Modul 2"]
    assert body["modules"][1]["lessons"] == [{"id": done.id, "title": done.title, "minutes": 5, "completed": True}]
    assert body["modules"][0]["lessons"][0]["completed"] is False


def test_draft_course_is_404_except_for_author_and_admin(client, api):
    author = make_user("trainer")
    draft = make_course("draf", status="draft", author=author)
    for user, status in [(make_user(), 404), (make_user("trainer"), 404), (make_user("reviewer"), 404),
                         (author, 200), (make_user("admin"), 200)]:
        assert client.get(f"/api/v1/courses/{draft.id}", headers=api.as_user(user)).status_code == status
    assert client.get("/api/v1/courses/99999", headers=api.as_user(author)).status_code == 404


def test_enrol_gives_201_then_200(client, api):
    headers = api.as_user(make_user())
    course = make_course()
    assert client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers).status_code == 201
    assert client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers).status_code == 200


def test_complete_lesson_is_idempotent_and_needs_enrolment(client, api, db):
    headers = api.as_user(make_user())
    course = make_course(modules=1, lessons=3)
    lesson = course.modules[0].lessons[0]
    response = client.post(f"/api/v1/lessons/{lesson.id}/complete", headers=headers)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "not_enrolled"
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers)
    first = client.post(f"/api/v1/lessons/{lesson.id}/complete", headers=headers)
    again = client.post(f"/api/v1/lessons/{lesson.id}/complete", headers=headers)
    assert first.get_json() == again.get_json() == {"lesson_id": lesson.id, "course_id": course.id,
                                                   "progress_percent": 33.3}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1
    assert client.post("/api/v1/lessons/99999/complete", headers=headers).status_code == 404


def test_my_progress_lists_enrolled_courses(client, api):
    headers = api.as_user(make_user())
    course = make_course(modules=1, lessons=1)
    make_course()  # not enrolled
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers)
    client.post(f"/api/v1/lessons/{course.modules[0].lessons[0].id}/complete", headers=headers)
    body = client.get("/api/v1/me/progress", headers=headers).get_json()
    entry = body["courses"][0]
    assert len(body["courses"]) == 1 and entry["course_id"] == course.id
    assert entry["progress_percent"] == 100.0 and entry["completed"] is True
    assert entry["completed_at"].endswith("+08:00") and len(entry["certificate_code"]) == 24


def test_course_package_import_by_trainer(client, api, db):
    trainer = make_user("trainer")
    response = client.post("/api/v1/course-packages", json=manifest("paket"), headers=api.as_user(trainer))
    assert response.status_code == 201
    course = db.session.get(Course, response.get_json()["id"])
    assert response.get_json()["slug"] == "paket" and course.author_id == trainer.id


@pytest.mark.parametrize("role", ["learner", "reviewer"])
def test_course_package_import_is_forbidden_for(client, api, role, db):
    response = client.post("/api/v1/course-packages", json=manifest("paket"), headers=api.as_user(make_user(role)))
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_bad_course_package_gives_422_with_the_field_path(client, api, db):
    data = manifest("rusak")
    del data["course"]["modules"][0]["lessons"][1]["title"]
    response = client.post("/api/v1/course-packages", json=data, headers=api.as_user(make_user("admin")))
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["field"] == "course.modules[0].lessons[1].title"
    assert "course.modules[0].lessons[1].title" in error["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_trainer_cannot_replace_another_trainers_course(client, api):
    make_course("milik-orang", author=make_user("trainer"))
    response = client.post("/api/v1/course-packages", json=manifest("milik-orang"),
                           headers=api.as_user(make_user("trainer")))
    assert response.status_code == 403


NEW_USER = {"username": "nyoman", "full_name": "I Nyoman Budi", "password": "sandi-yang-panjang-1",
            "role": "learner", "kind": "perangkat", "jabatan": "SEKDES", "desa_kode": "51.03.02.2001",
            "phone": "+6281234567890"}


def test_admin_creates_a_user(client, api, db):
    response = client.post("/api/v1/users", json=NEW_USER, headers=api.as_user(make_user("admin")))
    body = response.get_json()
    assert response.status_code == 201 and body["username"] == "nyoman" and body["desa"]["kode"] == "51.03.02.2001"
    assert "password" not in body and "password_hash" not in body
    user = db.session.scalar(sa.select(User).where(User.username == "nyoman"))
    assert user.check_password("sandi-yang-panjang-1")


def test_creating_a_taken_username_gives_409(client, api):
    headers = api.as_user(make_user("admin"))
    client.post("/api/v1/users", json=NEW_USER, headers=headers)
    assert client.post("/api/v1/users", json=NEW_USER, headers=headers).status_code == 409


@pytest.mark.parametrize("field,value", [
    ("desa_kode", "51.03.99.9999"), ("role", "superadmin"), ("kind", "tamu"), ("jabatan", "RAJA"),
    ("password", "pendek"), ("username", ""), ("full_name", None), ("is_admin", True),
])
def test_bad_user_fields_give_422_naming_the_field(client, api, field, value, db):
    body = {**NEW_USER, field: value}
    response = client.post("/api/v1/users", json=body, headers=api.as_user(make_user("admin")))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field
    assert db.session.scalar(sa.select(User).where(User.username == "nyoman")) is None


def test_password_minimum_follows_the_setting(client, api, app):
    headers = api.as_user(make_user("admin"))
    app.config["PASSWORD_MIN_LENGTH"] = 24
    try:
        response = client.post("/api/v1/users", json=NEW_USER, headers=headers)
    finally:
        app.config["PASSWORD_MIN_LENGTH"] = 12
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "password"


@pytest.mark.parametrize("role", ["learner", "trainer", "reviewer"])
def test_only_admins_create_users(client, api, role):
    response = client.post("/api/v1/users", json=NEW_USER, headers=api.as_user(make_user(role)))
    assert response.status_code == 403


def test_unknown_api_path_and_method_give_json_errors(client):
    response = client.get("/api/v1/tidak-ada")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.put("/api/v1/auth/token")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


def test_ids_beyond_an_integer_column_are_404_not_500(client, api):
    """PostgreSQL refuses ints over 2**31-1; the URL converter stops them first."""
    headers = api.as_user(make_user("admin"))
    for url in ("/api/v1/courses/99999999999999999999", "/api/v1/attempts/2147483648",
                "/api/v1/lessons/2147483648/complete"):
        response = client.get(url, headers=headers) if "complete" not in url else client.post(url, headers=headers)
        assert response.status_code == 404, url
    response = client.get("/api/v1/reports/completion?group_by=desa&course_id=99999999999", headers=headers)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "course_id"


def test_nul_characters_in_json_are_422_not_500(client, api, db):
    """Found by Schemathesis on PostgreSQL: text columns there cannot hold NUL."""
    data = manifest("nul")
    data["course"]["modules"][0]["title"] = "\x00"
    response = client.post("/api/v1/course-packages", json=data, headers=api.as_user(make_user("admin")))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_json"
