"""No N+1: pages and endpoints issue the same number of statements at 1 and at 20 courses."""
import pytest

from lms.courses import services
from lms.extensions import db
from lms.packages import import_package
from tests.factories import make_course, make_user, manifest, quiz_spec


def _setup(n_courses):
    learner = make_user(commit=False)
    courses = [make_course(modules=2, lessons=3) for _ in range(n_courses)]
    for course in courses:
        services.enroll(learner, course)
        services.complete_lesson(learner, course.modules[0].lessons[0])
    return learner, courses


def _count(count_queries, client, url, headers=None):
    with count_queries() as counter:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, url
    return counter.count


@pytest.mark.parametrize("page", ["/", "/courses/", "course", "lesson"])
def test_web_pages_do_not_grow_with_enrolments(web, client, db, count_queries, page):
    counts = []
    for n in (1, 20):
        db.session.rollback()
        learner, courses = _setup(n)
        db.session.commit()
        web.login(learner.username)
        url = {"course": f"/courses/{courses[-1].slug}",
               "lesson": f"/courses/{courses[-1].slug}/lessons/{courses[-1].modules[1].lessons[1].id}"}.get(page, page)
        counts.append(_count(count_queries, client, url))
        web.post_form("/", "/logout")
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts


@pytest.mark.parametrize("url", ["/api/v1/courses", "/api/v1/me/progress", "course"])
def test_api_endpoints_do_not_grow_with_enrolments(client, api, db, count_queries, url):
    counts = []
    for n in (1, 20):
        learner, courses = _setup(n)
        db.session.commit()
        headers = api.as_user(learner)
        target = f"/api/v1/courses/{courses[-1].id}" if url == "course" else url
        counts.append(_count(count_queries, client, target, headers))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts


def _quiz_course(n_questions: int, n_quizzes: int = 1):
    """A course with ``n_quizzes`` module quizzes and a final quiz of ``n_questions`` each."""
    quiz = quiz_spec()
    quiz["questions"] = (quiz["questions"] * ((n_questions // 5) + 1))[:n_questions]
    quiz["questions"] = [dict(q, text=f"{q['text']} #{i}") for i, q in enumerate(quiz["questions"])]
    data = manifest(modules=n_quizzes, lessons=1)
    for module in data["course"]["modules"]:
        module["quizzes"] = [dict(quiz, one_question_per_page=False)]
    data["course"]["quizzes"] = [dict(quiz, title="Akhir")]
    course = import_package(data)
    db.session.commit()
    return course


@pytest.mark.parametrize("page", ["course", "overview", "attempt", "summary", "result"])
def test_quiz_pages_do_not_grow_with_questions_or_quizzes(web, client, db, count_queries, page):
    from lms.courses.services import enroll
    from lms.quizzes.services import course_quizzes, start_attempt, submit_attempt

    counts = []
    for n in (5, 40):
        learner = make_user()
        course = _quiz_course(n, n_quizzes=1 if n == 5 else 8)
        enroll(learner, course)
        quiz = course_quizzes(course.id)[0]
        attempt, _ = start_attempt(learner, quiz)
        if page == "result":
            submit_attempt(attempt)
        db.session.commit()
        web.login(learner.username)
        url = {"course": f"/courses/{course.slug}", "overview": f"/quizzes/{quiz.id}",
               "attempt": f"/attempts/{attempt.id}", "summary": f"/attempts/{attempt.id}/summary",
               "result": f"/attempts/{attempt.id}/result"}[page]
        counts.append(_count(count_queries, client, url))
        web.post_form("/", "/logout")
    assert counts[0] == counts[1], counts
    assert counts[1] <= 14, counts


@pytest.mark.parametrize("endpoint", ["detail", "start", "get", "submit"])
def test_quiz_api_does_not_grow(client, api, db, count_queries, endpoint):
    from lms.courses.services import enroll
    from lms.quizzes.services import course_quizzes

    counts = []
    for n in (5, 40):
        learner = make_user()
        course = _quiz_course(n, n_quizzes=1 if n == 5 else 8)
        enroll(learner, course)
        db.session.commit()
        quiz = course_quizzes(course.id)[0]
        headers = api.as_user(learner)
        attempt_id = None
        if endpoint in ("get", "submit"):
            attempt_id = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers).get_json()["attempt_id"]
        with count_queries() as counter:
            if endpoint == "detail":
                response = client.get(f"/api/v1/courses/{course.id}", headers=headers)
            elif endpoint == "start":
                response = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)
            elif endpoint == "get":
                response = client.get(f"/api/v1/attempts/{attempt_id}", headers=headers)
            else:
                response = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers)
        assert response.status_code in (200, 201)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20, counts
