"""The learner journey through the web pages."""
import pytest
import sqlalchemy as sa

from lms.courses.models import CourseCompletion, Enrollment, LessonProgress
from tests.factories import make_course, make_user


@pytest.fixture
def learner(web):
    user = make_user(full_name="Ketut Widana")
    web.login(user.username)
    return user


def test_catalogue_lists_published_courses_only(client, learner):
    make_course("terbit", title="Kursus Terbit")
    make_course("draf", title="Kursus Draf", status="draft")
    make_course("arsip", title="Kursus Arsip", status="archived")
    html = client.get("/courses/").get_data(as_text=True)
    assert "Kursus Terbit" in html and "Kursus Draf" not in html and "Kursus Arsip" not in html


def test_catalogue_filters_by_pillar(client, learner):
    make_course("a", title="Kursus Aman", pillar="aman")
    make_course("b", title="Kursus Etika", pillar="etika")
    html = client.get("/courses/?pillar=etika").get_data(as_text=True)
    assert "Kursus Etika" in html and "Kursus Aman" not in html


def test_draft_course_is_invisible_to_learners(client, learner):
    course = make_course("rahasia", status="draft")
    assert client.get("/courses/rahasia").status_code == 404
    lesson = course.modules[0].lessons[0]
    assert client.get(f"/courses/rahasia/lessons/{lesson.id}").status_code == 404


def test_draft_course_is_visible_to_its_author(web, client):
    trainer = make_user("trainer")
    make_course("draf-saya", status="draft", author=trainer)
    web.login(trainer.username)
    assert client.get("/courses/draf-saya").status_code == 200


def test_enrol_then_complete_lessons_moves_progress_and_records_completion(web, client, learner, db):
    """Enrolling, marking every lesson complete: the bar moves and the completion is recorded once."""
    course = make_course("alur", modules=1, lessons=2)
    assert web.post_form("/courses/", "/courses/alur/enroll").status_code == 302
    assert "0% selesai" in client.get("/courses/alur").get_data(as_text=True)
    first, second = course.modules[0].lessons
    url = f"/courses/alur/lessons/{first.id}"
    response = web.post_form(url, url + "/complete", {"next_lesson_id": second.id})
    assert response.headers["Location"] == f"/courses/alur/lessons/{second.id}"
    dashboard = client.get("/").get_data(as_text=True)
    assert "50% selesai" in dashboard and 'value="50.0"' in dashboard
    url = f"/courses/alur/lessons/{second.id}"
    web.post_form(url, url + "/complete")
    html = client.get("/").get_data(as_text=True)
    assert "100% selesai" in html and "Selesai pada" in html and "WITA" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseCompletion)) == 1


def test_completing_twice_changes_nothing(web, client, learner, db):
    course = make_course("dua-kali", modules=1, lessons=2)
    web.post_form("/courses/", "/courses/dua-kali/enroll")
    lesson = course.modules[0].lessons[0]
    url = f"/courses/dua-kali/lessons/{lesson.id}"
    web.post_form(url, url + "/complete")
    # the page now says it is done; post again with a token from another page
    web.post_form("/", url + "/complete")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1


def test_completing_without_enrolment_is_refused(web, client, learner, db):
    course = make_course("belum", modules=1, lessons=1)
    lesson = course.modules[0].lessons[0]
    url = f"/courses/belum/lessons/{lesson.id}"
    assert "Ikuti kursus untuk mencatat kemajuan" in client.get(url).get_data(as_text=True)
    assert web.post_form(url, url + "/complete").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0


def test_enrol_twice_keeps_one_enrolment(web, learner, db):
    make_course("sekali")
    web.post_form("/courses/", "/courses/sekali/enroll")
    web.post_form("/courses/", "/courses/sekali/enroll")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 1


def test_state_changing_forms_require_csrf(client, learner, db):
    course = make_course("csrf")
    assert client.post("/courses/csrf/enroll").status_code == 400
    assert client.post(f"/courses/csrf/lessons/{course.modules[0].lessons[0].id}/complete").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 0


def test_lesson_page_has_previous_and_next(web, client, learner):
    course = make_course("navigasi", modules=2, lessons=1)
    first, second = course.modules[0].lessons[0], course.modules[1].lessons[0]
    html = client.get(f"/courses/navigasi/lessons/{second.id}").get_data(as_text=True)
    assert f'href="/courses/navigasi/lessons/{first.id}"' in html and 'rel="next"' not in html
    html = client.get(f"/courses/navigasi/lessons/{first.id}").get_data(as_text=True)
    assert 'rel="next"' in html and 'rel="prev"' not in html


def test_lesson_under_the_wrong_course_slug_is_not_found(client, learner):
    make_course("satu")
    other = make_course("dua")
    assert client.get(f"/courses/satu/lessons/{other.modules[0].lessons[0].id}").status_code == 404


def test_user_written_titles_are_escaped(client, learner):
    make_course("xss", title="<script>alert('x')</script>")
    html = client.get("/courses/").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("path", ["/", "/courses/", "/courses/apa-saja", "/courses/apa-saja/lessons/1"])
def test_pages_require_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/logout", "/courses/apa-saja/enroll", "/courses/apa-saja/lessons/1/complete"])
def test_posts_require_login(web, path):
    """Anonymous POSTs with a valid CSRF token still go to the login page."""
    response = web.post_form("/login", path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pages_declare_a_phone_viewport_and_no_cdn(client, learner):
    make_course("mobile")
    html = client.get("/courses/").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html
