"""Course completion (lessons and scored quizzes) and verifiable certificates."""
import re

import pytest
import sqlalchemy as sa

from lms.courses.models import CourseCompletion
from lms.quizzes.models import Certificate, Question, Quiz
from lms.timeutil import utcnow
from tests.factories import make_quiz_course, make_user, quiz_spec, right_answers


def finish_quiz(client, headers, quiz_id, db, right=True):
    body = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    if right:
        for qid, payload in right_answers(body["questions"], db.session.scalars(sa.select(Question)).all()).items():
            client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{qid}", json=payload, headers=headers)
    return client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers).get_json()


@pytest.fixture
def course_with_final(client, api, db):
    learner = make_user(full_name="Ni Made Ayu", jabatan="KAUR_KEUANGAN", desa_kode="51.03.04.2005")
    course = make_quiz_course("lengkap", lessons=2, final_quiz=quiz_spec("Ujian akhir"))
    headers = api.as_user(learner)
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers)
    module_quiz, final = db.session.scalars(sa.select(Quiz).order_by(Quiz.id)).all()
    return learner, course, headers, module_quiz, final


def progress(client, headers):
    return client.get("/api/v1/me/progress", headers=headers).get_json()["courses"][0]


def test_complete_only_when_lessons_done_and_every_quiz_passed(client, db, course_with_final):
    learner, course, headers, module_quiz, final = course_with_final
    for lesson in course.modules[0].lessons:
        client.post(f"/api/v1/lessons/{lesson.id}/complete", headers=headers)
    assert progress(client, headers)["completed"] is False  # lessons alone are not enough
    finish_quiz(client, headers, module_quiz.id, db)
    assert progress(client, headers)["completed"] is False  # the final test is still open
    assert finish_quiz(client, headers, final.id, db, right=False)["passed"] is False
    assert progress(client, headers)["completed"] is False  # a failed attempt does not count
    finish_quiz(client, headers, final.id, db)
    entry = progress(client, headers)
    assert entry["completed"] is True and entry["completed_at"] and entry["certificate_code"]


def test_completion_time_is_recorded_once(client, db, course_with_final):
    learner, course, headers, module_quiz, final = course_with_final
    for lesson in course.modules[0].lessons:
        client.post(f"/api/v1/lessons/{lesson.id}/complete", headers=headers)
    finish_quiz(client, headers, module_quiz.id, db)
    finish_quiz(client, headers, final.id, db)
    first = progress(client, headers)["completed_at"]
    finish_quiz(client, headers, final.id, db)  # passing again later changes nothing
    assert progress(client, headers)["completed_at"] == first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseCompletion)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def _complete(client, db, course_with_final):
    learner, course, headers, module_quiz, final = course_with_final
    for lesson in course.modules[0].lessons:
        client.post(f"/api/v1/lessons/{lesson.id}/complete", headers=headers)
    finish_quiz(client, headers, module_quiz.id, db)
    finish_quiz(client, headers, final.id, db)
    return progress(client, headers)["certificate_code"]


def test_certificate_code_is_unguessable_and_verifiable(client, db, course_with_final):
    code = _complete(client, db, course_with_final)
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){4}", code)
    body = client.get(f"/api/v1/certificates/{code}").get_json()
    assert body["valid"] is True and body["full_name"] == "Ni Made Ayu" and body["course_title"] == "Kursus lengkap"
    assert body["completed_at"].endswith("+08:00")
    page = client.get(f"/verify/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ni Made Ayu" in html and "Kursus lengkap" in html and "sah" in html
    assert "KAUR" not in html and "Keuangan" not in html  # only name, course and date


def test_unknown_or_revoked_code_is_not_valid(client, db, course_with_final):
    response = client.get("/api/v1/certificates/AAAA-BBBB-CCCC-DDDD-EEEE")
    assert response.status_code == 404 and response.get_json() == {"valid": False}
    assert client.get("/verify/AAAA-BBBB-CCCC-DDDD-EEEE").status_code == 404
    code = _complete(client, db, course_with_final)
    certificate = db.session.scalar(sa.select(Certificate))
    certificate.revoked_at = utcnow()
    db.session.commit()
    assert client.get(f"/api/v1/certificates/{code}").get_json() == {"valid": False}
    assert "tidak sah" in client.get(f"/verify/{code}").get_data(as_text=True)


def test_certificate_pdf_for_the_owner_only(client, db, web, course_with_final):
    code = _complete(client, db, course_with_final)
    learner = course_with_final[0]
    web.login(learner.username)
    response = client.get(f"/certificates/{code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and len(response.data) > 5000
    web.post_form("/", "/logout")
    other = make_user()
    web.login(other.username)
    assert client.get(f"/certificates/{code}.pdf").status_code == 404


def test_certificate_pdf_contents(app, db, client, course_with_final):
    """The PDF names the person, jabatan, desa, course, pillar, date and code."""
    from lms.quizzes.certificate_pdf import render_certificate
    from lms.quizzes.services import completion_time

    _complete(client, db, course_with_final)
    certificate = db.session.scalar(sa.select(Certificate))
    with app.test_request_context():
        pdf = render_certificate(certificate, completed_at=completion_time(certificate),
                                 verify_url=f"http://localhost/verify/{certificate.code}")
    text = extract_text(pdf)
    for expected in ("Ni Made Ayu", "Kepala Urusan Keuangan", "Desa Getasan", "Kursus lengkap", "Aman Digital",
                     certificate.code, "WITA"):
        assert expected in text, expected


def extract_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
