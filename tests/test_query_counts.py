"""No N+1: pages and endpoints issue the same number of statements at 1 and at 20 courses."""
import pytest

from lms.courses import services
from tests.factories import make_course, make_user


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
