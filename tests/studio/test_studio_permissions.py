"""Every studio route: who may use it. Anonymous → login; learner and reviewer → 403;
a trainer who is not an author → 403 on that course's pages; author and admin → allowed."""
import pytest
import sqlalchemy as sa

from lms.courses.models import CohortRule
from lms.quizzes.models import Quiz
from tests.conftest import csrf_from
from tests.factories import make_quiz_course, make_user


@pytest.fixture
def world(db):
    author = make_user("trainer", username="penulis")
    course = make_quiz_course("milik-penulis", author=author)
    quiz = db.session.scalar(sa.select(Quiz))
    rule = CohortRule(course_id=course.id, active=True)
    db.session.add(rule)
    db.session.commit()
    ids = {"c": course.id, "m": course.modules[0].id, "l": course.modules[0].lessons[0].id, "q": quiz.id,
           "qq": quiz.questions[0].id, "r": rule.id}
    return author, ids


ROUTES = [  # (method, url template, needs a specific course)
    ("GET", "/studio/", False), ("GET", "/studio/courses/new", False), ("GET", "/studio/packages/import", False),
    ("GET", "/studio/question-template.xlsx", False), ("GET", "/studio/question-template.csv", False),
    ("GET", "/studio/courses/{c}", True), ("POST", "/studio/courses/{c}/status", True),
    ("POST", "/studio/courses/{c}/coauthors", True), ("POST", "/studio/courses/{c}/coauthors/1/remove", True),
    ("POST", "/studio/courses/{c}/modules", True), ("GET", "/studio/modules/{m}", True),
    ("POST", "/studio/modules/{m}/move", True), ("GET", "/studio/modules/{m}/delete", True),
    ("GET", "/studio/modules/{m}/lessons/new", True), ("GET", "/studio/lessons/{l}", True),
    ("POST", "/studio/lessons/{l}/move", True), ("GET", "/studio/lessons/{l}/delete", True),
    ("POST", "/studio/courses/{c}/images", True), ("GET", "/studio/courses/{c}/quizzes/new", True),
    ("GET", "/studio/quizzes/{q}", True), ("GET", "/studio/quizzes/{q}/delete", True),
    ("GET", "/studio/quizzes/{q}/questions/new", True), ("GET", "/studio/questions/{qq}", True),
    ("POST", "/studio/questions/{qq}/move", True), ("GET", "/studio/questions/{qq}/delete", True),
    ("GET", "/studio/quizzes/{q}/import", True), ("GET", "/studio/quizzes/{q}/export.gift", True),
    ("GET", "/studio/quizzes/{q}/analysis", True), ("GET", "/studio/courses/{c}/package.zip", True),
    ("GET", "/studio/courses/{c}/cohorts", True), ("POST", "/studio/cohorts/{r}/deactivate", True),
    ("GET", "/studio/courses/{c}/learners", True),
]



def _post_with_token(web, client, url):
    # a token from a page the user can open, so that CSRF is not what refuses the request
    page = client.get("/")
    if page.status_code != 200:
        page = client.get("/login")
    return client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


@pytest.mark.parametrize("method,template,per_course", ROUTES)
@pytest.mark.parametrize("who,expect_general,expect_course", [
    ("anonymous", 302, 302), ("learner", 403, 403), ("reviewer", 403, 403),
    ("other_trainer", 200, 403), ("author", 200, 200), ("admin", 200, 200),
])
def test_studio_route_permissions(web, client, world, method, template, per_course, who, expect_general,
                                  expect_course):
    author, ids = world
    if who == "author":
        web.login(author.username)
    elif who == "other_trainer":
        web.login(make_user("trainer").username)
    elif who != "anonymous":
        web.login(make_user(who).username)
    url = template.format(**ids)
    response = client.get(url) if method == "GET" else _post_with_token(web, client, url)
    status = response.status_code
    expected = expect_course if per_course else expect_general
    if expected == 302:
        assert status == 302 and "/login" in response.headers["Location"], (url, status)
    elif expected == 403:
        assert status == 403, (url, status)
    else:
        # allowed: a page, a redirect after a POST, or a plain validation error; never a refusal
        assert status in (200, 302, 422), (url, status)
        if status == 302:
            assert "/login" not in response.headers["Location"], url


@pytest.mark.parametrize("who,status", [("anonymous", 302), ("learner", 200), ("reviewer", 200)])
def test_media_needs_login(web, client, who, status, app):
    from lms.studio.media import save_image
    import io
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(buffer, "PNG")
    with app.app_context():
        name = save_image(buffer.getvalue())
    if who != "anonymous":
        web.login(make_user(who).username)
    with client.get(f"/media/{name}") as response:
        assert response.status_code == status
        if status == 200:
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.mimetype == "image/png"
            assert response.data.startswith(b"\x89PNG")
    assert client.get("/media/..%2Fsecret_key").status_code in (302, 404)
