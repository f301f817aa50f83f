"""Course packages through the API: zip download for editors, zip upload as multipart."""
import io
import zipfile

import pytest
import sqlalchemy as sa

from lms.courses.models import Course
from tests.factories import make_quiz_course, make_user


def test_author_downloads_the_package(client, api, db):
    author = make_user("trainer")
    course = make_quiz_course("paket-api", author=author)
    response = client.get(f"/api/v1/courses/{course.id}/package", headers=api.as_user(author))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "course.json" in names


@pytest.mark.parametrize("role,status", [("learner", 403), ("reviewer", 403), ("trainer", 403), ("admin", 200)])
def test_package_download_permissions(client, api, db, role, status):
    course = make_quiz_course(author=make_user("trainer"))
    assert client.get(f"/api/v1/courses/{course.id}/package", headers=api.as_user(make_user(role))).status_code == status


def test_zip_upload_round_trip(client, api, db):
    author = make_user("trainer")
    course = make_quiz_course("bolak-balik", author=author)
    headers = api.as_user(author)
    data = client.get(f"/api/v1/courses/{course.id}/package", headers=headers).data
    response = client.post("/api/v1/course-packages", headers=headers,
                           data={"package": (io.BytesIO(data), "paket.zip")}, content_type="multipart/form-data")
    assert response.status_code == 201 and response.get_json()["slug"] == "bolak-balik"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 1


def test_non_zip_upload_is_422(client, api, db):
    headers = api.as_user(make_user("trainer"))
    response = client.post("/api/v1/course-packages", headers=headers,
                           data={"package": (io.BytesIO(b"not a zip"), "x.zip")}, content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_package"
