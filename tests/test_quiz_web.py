"""Quiz pages without JavaScript: start, page through, save, summary, submit, result, grants."""
import re

import pytest
import sqlalchemy as sa

from lms.quizzes.models import Answer, Attempt, Choice, Question, Quiz
from tests.conftest import csrf_from
from tests.factories import make_quiz_course, make_user, quiz_spec


@pytest.fixture
def learner_in_course(web, client, db):
    def build(quiz=None, **kw):
        learner = make_user()
        course = make_quiz_course(module_quiz=quiz, **kw)
        web.login(learner.username)
        web.post_form("/courses/", f"/courses/{course.slug}/enroll")
        return learner, course, db.session.scalar(sa.select(Quiz))
    return build


def _start(web, quiz):
    response = web.post_form(f"/quizzes/{quiz.id}", f"/quizzes/{quiz.id}/start")
    assert response.status_code == 302
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def _page(client, attempt_id, page=0):
    html = client.get(f"/attempts/{attempt_id}?page={page}").get_data(as_text=True)
    return html, [int(x) for x in re.findall(r'name="shown" value="(\d+)"', html)]


def _right(db, qid):
    question = db.session.get(Question, qid)
    if question.type == "short_text":
        return {f"q_{qid}": question.answers[0]}
    return {f"q_{qid}": [str(c.id) for c in question.choices if c.correct]}


def test_course_page_lists_the_quiz(client, learner_in_course):
    learner, course, quiz = learner_in_course()
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert f"/quizzes/{quiz.id}" in html and "Nilai lulus 70%" in html


def test_full_attempt_one_question_per_page(web, client, db, learner_in_course):
    learner, course, quiz = learner_in_course()
    attempt_id = _start(web, quiz)
    for page in range(5):
        html, shown = _page(client, attempt_id, page)
        assert len(shown) == 1 and f"Soal {page + 1} dari 5" in html
        go = "next" if page < 4 else "summary"
        response = client.post(f"/attempts/{attempt_id}", data={
            "csrf_token": csrf_from(html), "page": page, "shown": shown[0], "go": go, **_right(db, shown[0])})
        assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}/summary")
    summary = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "5 dari 5 soal sudah dijawab" in summary
    response = client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf_from(summary)})
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert '<p class="score">100%</p>' in result and "Selamat, Anda lulus" in result and "Pembahasan" in result
    # submitting again changes nothing
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf_from(summary)})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1


def test_all_questions_on_one_page(web, client, db, learner_in_course):
    learner, course, quiz = learner_in_course(quiz_spec(one_question_per_page=False))
    attempt_id = _start(web, quiz)
    html, shown = _page(client, attempt_id)
    assert len(shown) == 5
    data = {"csrf_token": csrf_from(html), "page": 0, "shown": shown, "go": "summary"}
    for qid in shown[:2]:
        data.update(_right(db, qid))
    client.post(f"/attempts/{attempt_id}", data=data)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 5  # blanks saved as blanks
    summary = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "2 dari 5 soal sudah dijawab" in summary


def test_saved_answer_is_shown_when_coming_back(web, client, db, learner_in_course):
    learner, course, quiz = learner_in_course()
    attempt_id = _start(web, quiz)
    html, shown = _page(client, attempt_id, 0)
    right = _right(db, shown[0])
    client.post(f"/attempts/{attempt_id}", data={"csrf_token": csrf_from(html), "page": 0, "shown": shown[0],
                                                 "go": "next", **right})
    html, _ = _page(client, attempt_id, 0)
    choice_id = right[f"q_{shown[0]}"][0]
    assert re.search(rf'value="{choice_id}"\s+checked', html)


def test_autosave_with_csrf_header(web, client, db, learner_in_course):
    learner, course, quiz = learner_in_course()
    attempt_id = _start(web, quiz)
    html, shown = _page(client, attempt_id, 0)
    token = csrf_from(html)
    response = client.post(f"/attempts/{attempt_id}/answers/{shown[0]}",
                           data={"shown": shown[0], **_right(db, shown[0])}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert client.post(f"/attempts/{attempt_id}/answers/{shown[0]}", data={"shown": shown[0]}).status_code == 400


def test_open_attempt_page_reveals_nothing_about_correctness(web, client, db, learner_in_course):
    """Scan the HTML and JSON of an open attempt for any trace of which choices are right."""
    learner, course, quiz = learner_in_course(quiz_spec(one_question_per_page=False))
    attempt_id = _start(web, quiz)
    html, shown = _page(client, attempt_id)
    lowered = html.lower()
    for word in ("correct", "benar\"", "data-right", "is-right", "<!--"):
        assert word not in lowered, word
    secrets = []
    for question in db.session.scalars(sa.select(Question)):
        secrets.append(question.explanation)
        secrets += [c.feedback for c in question.choices if c.feedback]
        secrets += list(question.answers)
    for secret in secrets:
        assert secret not in html, secret
    # choice order on the page is the attempt's layout, fixed at start
    attempt = db.session.get(Attempt, attempt_id)
    for item in attempt.layout:
        shown_ids = [int(x) for x in re.findall(rf'name="q_{item["question_id"]}" value="(\d+)"', html)]
        assert shown_ids == item["choice_ids"]


def test_open_attempt_json_reveals_nothing(client, api, db):
    learner = make_user()
    course = make_quiz_course()
    headers = api.as_user(learner)
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers)
    quiz = db.session.scalar(sa.select(Quiz))
    started = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)
    detail = client.get(f"/api/v1/attempts/{started.get_json()['attempt_id']}", headers=headers)
    for response in (started, detail):
        text = response.get_data(as_text=True)
        assert "correct" not in text and "explanation" not in text and "feedback" not in text
        assert "72 jam" not in text and "BSSN" not in text


def test_result_page_without_review_for_score_only(web, client, db, learner_in_course):
    learner, course, quiz = learner_in_course(quiz_spec(review="score_only"))
    attempt_id = _start(web, quiz)
    summary = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf_from(summary)})
    html = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert '<p class="score">0%</p>' in html and "Pembahasan" not in html and "Aturan 3-2-1" not in html


def test_countdown_shows_the_server_deadline(web, client, learner_in_course):
    learner, course, quiz = learner_in_course(quiz_spec(time_limit_minutes=10))
    attempt_id = _start(web, quiz)
    html, _ = _page(client, attempt_id)
    assert 'id="countdown"' in html and 'data-deadline="' in html and "WITA" in html


def test_other_learner_cannot_open_an_attempt(web, client, learner_in_course):
    learner, course, quiz = learner_in_course()
    attempt_id = _start(web, quiz)
    web.post_form("/", "/logout")
    web.login(make_user().username)
    for url in (f"/attempts/{attempt_id}", f"/attempts/{attempt_id}/summary", f"/attempts/{attempt_id}/result"):
        assert client.get(url).status_code == 404, url


def test_max_attempts_page_explains_how_to_get_more(web, client, db, learner_in_course):
    learner, course, quiz = learner_in_course(quiz_spec(max_attempts=1))
    attempt_id = _start(web, quiz)
    summary = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf_from(summary)})
    html = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "sudah habis" in html and "Hubungi pelatih" in html


def test_trainer_grants_attempts_from_the_web(web, client, db):
    author = make_user("trainer")
    course = make_quiz_course(module_quiz=quiz_spec(max_attempts=1), author=author)
    quiz = db.session.scalar(sa.select(Quiz))
    from lms.courses.services import enroll
    from lms.quizzes.services import start_attempt, submit_attempt

    learner = make_user(full_name="Kadek Terjebak")
    enroll(learner, course)
    submit_attempt(start_attempt(learner, quiz)[0])
    db.session.commit()
    web.login(author.username)
    html = client.get(f"/quizzes/{quiz.id}/grants").get_data(as_text=True)
    assert "Kadek Terjebak" in html
    response = client.post(f"/quizzes/{quiz.id}/grants", data={"csrf_token": csrf_from(html),
                                                              "user_ids": [learner.id], "extra_attempts": 2})
    assert response.status_code == 302
    assert "Kadek Terjebak" not in client.get(f"/quizzes/{quiz.id}/grants").get_data(as_text=True)


@pytest.mark.parametrize("role,status", [("learner", 403), ("reviewer", 403), ("trainer", 403), ("admin", 200)])
def test_grants_page_permissions(web, client, db, role, status):
    make_quiz_course(author=make_user("trainer"))
    quiz = db.session.scalar(sa.select(Quiz))
    web.login(make_user(role).username)
    assert client.get(f"/quizzes/{quiz.id}/grants").status_code == status


@pytest.mark.parametrize("path", ["/quizzes/1", "/attempts/1", "/attempts/1/summary", "/attempts/1/result",
                                  "/quizzes/1/grants", "/certificates/AAAA.pdf"])
def test_quiz_pages_require_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_verify_page_is_public(client):
    assert client.get("/verify/TIDAK-ADA").status_code == 404
