"""Attempts through the API: start/resume, save, submit, deadlines, limits, review, practice."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.quizzes.models import Answer, Attempt, Question, Quiz
from lms.quizzes.services import course_quizzes
from lms.timeutil import utcnow
from tests.factories import make_quiz_course, make_user, quiz_spec, right_answers


@pytest.fixture
def setup(client, api, db):
    def build(quiz=None, final=None, enrol=True, **kw):
        learner = make_user()
        course = make_quiz_course(module_quiz=quiz, final_quiz=final, **kw)
        headers = api.as_user(learner)
        if enrol:
            assert client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers).status_code == 201
        quizzes = db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.id)).all()
        return learner, course, headers, quizzes
    return build


def start(client, quiz_id, headers):
    return client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers)


def answer_all(client, body, headers, db, right=True):
    questions = db.session.scalars(sa.select(Question)).all()
    answers = right_answers(body["questions"], questions)
    for qid, payload in answers.items():
        if not right:
            payload = {"text": "salah"} if "text" in payload else {"choice_ids": []}
        response = client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{qid}", json=payload, headers=headers)
        assert response.status_code == 200, response.get_json()


def test_start_returns_questions_without_correctness(client, setup):
    learner, course, headers, (quiz,) = setup()
    response = start(client, quiz.id, headers)
    body = response.get_json()
    assert response.status_code == 201 and body["deadline"] is None and len(body["questions"]) == 5
    first = body["questions"][0]
    assert set(first) == {"id", "type", "text", "points", "choices"}
    assert all(set(c) == {"id", "text"} for q in body["questions"] for c in q["choices"])


def test_start_again_resumes_the_open_attempt(client, setup, db):
    learner, course, headers, (quiz,) = setup()
    first = start(client, quiz.id, headers)
    again = start(client, quiz.id, headers)
    assert again.status_code == 200
    a, b = first.get_json(), again.get_json()
    assert a["attempt_id"] == b["attempt_id"] and a["questions"] == b["questions"] and a["deadline"] == b["deadline"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1


def test_start_needs_enrolment(client, setup):
    learner, course, headers, (quiz,) = setup(enrol=False)
    response = start(client, quiz.id, headers)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "not_enrolled"


def test_start_unknown_or_draft_quiz_is_404(client, setup, api):
    learner, course, headers, (quiz,) = setup()
    assert start(client, 99999, headers).status_code == 404
    draft = make_quiz_course("draf-kuis", status="draft")
    assert start(client, course_quizzes(draft.id)[0].id, headers).status_code == 404


def test_time_limit_sets_a_deadline_with_offset(client, setup):
    learner, course, headers, (quiz,) = setup(quiz=quiz_spec(time_limit_minutes=15))
    body = start(client, quiz.id, headers).get_json()
    assert body["deadline"].endswith("+08:00")


def test_draw_n_questions_fixed_at_start(client, setup, db):
    learner, course, headers, (quiz,) = setup(quiz=quiz_spec(questions_per_attempt=3, shuffle_questions=True))
    body = start(client, quiz.id, headers).get_json()
    assert len(body["questions"]) == 3
    attempt = db.session.get(Attempt, body["attempt_id"])
    assert [item["question_id"] for item in attempt.layout] == [q["id"] for q in body["questions"]]
    again = start(client, quiz.id, headers).get_json()
    assert again["questions"] == body["questions"]


def test_save_answer_and_replace_it(client, setup, db):
    learner, course, headers, (quiz,) = setup()
    body = start(client, quiz.id, headers).get_json()
    q = body["questions"][0]
    url = f"/api/v1/attempts/{body['attempt_id']}/answers/{q['id']}"
    assert client.put(url, json={"choice_ids": [q["choices"][0]["id"]]}, headers=headers).status_code == 200
    assert client.put(url, json={"choice_ids": [q["choices"][1]["id"]]}, headers=headers).status_code == 200
    answers = db.session.scalars(sa.select(Answer)).all()
    assert len(answers) == 1 and answers[0].response == {"choice_ids": [q["choices"][1]["id"]]}
    detail = client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=headers).get_json()
    assert detail["answers"] == {str(q["id"]): {"choice_ids": [q["choices"][1]["id"]]}}
    assert detail["status"] == "open" and "score" not in detail


@pytest.mark.parametrize("payload", [
    {"choice_ids": [999999]}, {"choice_ids": "1"}, {"text": "x"}, [1, 2], {"choice_ids": [1], "correct": True},
])
def test_bad_answer_bodies_give_422(client, setup, payload):
    learner, course, headers, (quiz,) = setup()
    body = start(client, quiz.id, headers).get_json()
    single = next(q for q in body["questions"] if q["type"] == "single")
    response = client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{single['id']}", json=payload,
                          headers=headers)
    assert response.status_code == 422, response.get_json()


def test_choice_of_another_question_gives_422(client, setup):
    learner, course, headers, (quiz,) = setup()
    body = start(client, quiz.id, headers).get_json()
    q1, q2 = body["questions"][0], body["questions"][1]
    response = client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{q1['id']}",
                          json={"choice_ids": [q2["choices"][0]["id"]]}, headers=headers)
    assert response.status_code == 422


def test_other_learners_attempt_is_404(client, setup, api):
    learner, course, headers, (quiz,) = setup()
    body = start(client, quiz.id, headers).get_json()
    other = make_user()
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=api.as_user(other))
    other_headers = api.as_user(other)
    q = body["questions"][0]
    url = f"/api/v1/attempts/{body['attempt_id']}"
    assert client.put(f"{url}/answers/{q['id']}", json={"choice_ids": []}, headers=other_headers).status_code == 404
    assert client.post(f"{url}/submit", headers=other_headers).status_code == 404
    assert client.get(url, headers=other_headers).status_code == 404


@pytest.mark.parametrize("role,status", [("reviewer", 200), ("admin", 200), ("trainer", 404)])
def test_attempt_detail_for_staff(client, setup, api, role, status):
    learner, course, headers, (quiz,) = setup()
    body = start(client, quiz.id, headers).get_json()
    staff_headers = api.as_user(make_user(role))
    assert client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=staff_headers).status_code == status


def test_attempt_detail_for_the_course_author(client, api, db):
    author = make_user("trainer")
    course = make_quiz_course(author=author)
    learner = make_user()
    headers = api.as_user(learner)
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers)
    quiz = db.session.scalar(sa.select(Quiz))
    body = start(client, quiz.id, headers).get_json()
    assert client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=api.as_user(author)).status_code == 200


def test_submit_grades_and_repeating_returns_the_same_result(client, setup, db):
    learner, course, headers, (quiz,) = setup()
    body = start(client, quiz.id, headers).get_json()
    answer_all(client, body, headers, db)
    first = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers)
    result = first.get_json()
    assert first.status_code == 200
    assert (result["status"], result["score"], result["max_score"], result["percent"], result["passed"]) == \
        ("submitted", 5.0, 5.0, 100.0, True)
    assert result["submitted_at"].endswith("+08:00")
    for _ in range(3):
        assert client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers).get_json() == result
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1


def test_answers_after_submit_are_refused(client, setup, db):
    learner, course, headers, (quiz,) = setup()
    body = start(client, quiz.id, headers).get_json()
    client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers)
    q = body["questions"][0]
    response = client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{q['id']}", json={"choice_ids": []},
                          headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "attempt_closed"


def test_after_the_deadline_answers_are_refused_and_saved_ones_graded(client, setup, db):
    learner, course, headers, (quiz,) = setup(quiz=quiz_spec(time_limit_minutes=5))
    body = start(client, quiz.id, headers).get_json()
    questions = db.session.scalars(sa.select(Question)).all()
    right = right_answers(body["questions"], questions)
    first, second = body["questions"][0]["id"], body["questions"][1]["id"]
    client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{first}", json=right[first], headers=headers)
    attempt = db.session.get(Attempt, body["attempt_id"])
    attempt.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    late = client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{second}", json=right[second],
                      headers=headers)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "attempt_closed"
    detail = client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=headers).get_json()
    assert detail["status"] == "submitted" and detail["score"] == 1.0 and detail["percent"] == 20.0


def test_close_overdue_attempts_command(client, setup, db, runner):
    learner, course, headers, (quiz,) = setup(quiz=quiz_spec(time_limit_minutes=5))
    body = start(client, quiz.id, headers).get_json()
    attempt = db.session.get(Attempt, body["attempt_id"])
    attempt.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["close-overdue-attempts"])
    assert result.exit_code == 0 and "1 percobaan" in result.output
    db.session.expire_all()
    attempt = db.session.get(Attempt, body["attempt_id"])
    assert attempt.status == "submitted" and attempt.score == 0.0
    assert attempt.submitted_at is not None


def test_max_attempts_then_grant_then_waiting_period(client, setup, db, api):
    learner, course, headers, (quiz,) = setup(quiz=quiz_spec(max_attempts=1))
    body = start(client, quiz.id, headers).get_json()
    client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers)
    refused = start(client, quiz.id, headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "max_attempts_reached"
    from lms.quizzes.services import grant_attempts, learners_out_of_attempts

    author = make_user("admin")
    assert [u.id for u, _ in learners_out_of_attempts(quiz)] == [learner.id]
    grant_attempts(quiz, [learner], 1, by=author)
    db.session.commit()
    assert learners_out_of_attempts(quiz) == []
    assert start(client, quiz.id, headers).status_code == 201


def test_waiting_period_opens_one_more_attempt(db):
    from lms.courses.services import enroll
    from lms.quizzes.services import start_attempt, submit_attempt

    learner = make_user()
    course = make_quiz_course(module_quiz=quiz_spec(max_attempts=1, retry_after_hours=24))
    enroll(learner, course)
    quiz = db.session.scalar(sa.select(Quiz))
    now = utcnow()
    attempt, _ = start_attempt(learner, quiz, now=now)
    submit_attempt(attempt, now=now)
    from lms.errors import Conflict

    with pytest.raises(Conflict):
        start_attempt(learner, quiz, now=now + timedelta(hours=23))
    second, created = start_attempt(learner, quiz, now=now + timedelta(hours=24, seconds=1))
    assert created


def test_best_attempt_counts(client, setup, db):
    learner, course, headers, (quiz,) = setup()
    body = start(client, quiz.id, headers).get_json()
    answer_all(client, body, headers, db)
    client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers)
    worse = start(client, quiz.id, headers).get_json()
    client.post(f"/api/v1/attempts/{worse['attempt_id']}/submit", headers=headers)
    detail = client.get(f"/api/v1/courses/{course.id}", headers=headers).get_json()
    summary = detail["modules"][0]["quizzes"][0]
    assert summary["attempts_used"] == 2 and summary["best_percent"] == 100.0 and summary["passed"] is True
    assert set(summary) >= {"id", "title", "pass_percent", "max_attempts", "time_limit_minutes"}


@pytest.mark.parametrize("policy", ["score_only", "after_submit", "after_pass"])
def test_review_policies(client, setup, db, policy):
    learner, course, headers, (quiz,) = setup(quiz=quiz_spec(review=policy))
    failed = start(client, quiz.id, headers).get_json()
    result = client.post(f"/api/v1/attempts/{failed['attempt_id']}/submit", headers=headers).get_json()
    assert result["passed"] is False
    if policy == "after_submit":
        assert len(result["review"]) == 5
        item = result["review"][0]
        assert set(item) >= {"question_id", "correct", "points", "explanation", "correct_choice_ids", "feedback"}
    else:
        assert result["review"] is None
    passed = start(client, quiz.id, headers).get_json()
    answer_all(client, passed, headers, db)
    result = client.post(f"/api/v1/attempts/{passed['attempt_id']}/submit", headers=headers).get_json()
    assert result["passed"] is True
    assert (result["review"] is None) == (policy == "score_only")
    if policy != "score_only":
        assert all(item["correct"] for item in result["review"])


def test_practice_quiz_feedback_unlimited_and_not_counted(client, setup, db):
    learner, course, headers, quizzes = setup(quiz=quiz_spec("Latihan", practice=True, max_attempts=1),
                                              lessons=1)
    quiz = quizzes[0]
    body = start(client, quiz.id, headers).get_json()
    q = next(q for q in body["questions"] if q["type"] == "true_false")
    saved = client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{q['id']}",
                       json={"choice_ids": [q["choices"][0]["id"]]}, headers=headers).get_json()
    assert saved["feedback"]["correct"] is False and saved["feedback"]["explanation"] == "Jangan pernah."
    for _ in range(3):
        client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers)
        body = start(client, quiz.id, headers).get_json()
        assert "attempt_id" in body
    # the practice quiz is the only quiz: completing the lesson completes the course
    lesson_id = course.modules[0].lessons[0].id
    client.post(f"/api/v1/lessons/{lesson_id}/complete", headers=headers)
    progress = client.get("/api/v1/me/progress", headers=headers).get_json()["courses"][0]
    assert progress["completed"] is True and progress["certificate_code"]
