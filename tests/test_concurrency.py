"""Races: many submits of one attempt, two devices starting one quiz, double lesson completion.

They run on both databases; on PostgreSQL (CI) they prove the row lock, the conditional
UPDATE and the partial unique index under real concurrency.
"""
import threading

import sqlalchemy as sa

from lms.courses.models import CourseCompletion, LessonProgress
from lms.quizzes.models import Attempt, Question, Quiz
from tests.factories import make_quiz_course, make_user, right_answers


def run_at_once(app, count, fn):
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def worker(i):
        client = app.test_client()
        try:
            barrier.wait(timeout=10)
            results[i] = fn(client)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def _setup(client, api, db):
    learner = make_user()
    course = make_quiz_course()
    headers = api.as_user(learner)
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers)
    return learner, course, headers, db.session.scalar(sa.select(Quiz))


def test_twenty_simultaneous_submits_give_one_attempt_and_one_score(app, client, api, db):
    learner, course, headers, quiz = _setup(client, api, db)
    body = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers).get_json()
    answers = right_answers(body["questions"], db.session.scalars(sa.select(Question)).all())
    for qid, payload in list(answers.items())[:3]:
        client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{qid}", json=payload, headers=headers)
    url = f"/api/v1/attempts/{body['attempt_id']}/submit"

    responses = run_at_once(app, 20, lambda c: c.post(url, headers=headers))
    assert {r.status_code for r in responses} == {200}
    bodies = {(r.get_json()["score"], r.get_json()["percent"], r.get_json()["submitted_at"]) for r in responses}
    assert bodies == {(3.0, 60.0, responses[0].get_json()["submitted_at"])}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1


def test_two_devices_starting_at_once_get_one_open_attempt(app, client, api, db):
    learner, course, headers, quiz = _setup(client, api, db)
    url = f"/api/v1/quizzes/{quiz.id}/attempts"
    responses = run_at_once(app, 2, lambda c: c.post(url, headers=headers))
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert len({r.get_json()["attempt_id"] for r in responses}) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1


def test_simultaneous_lesson_completions_make_one_row_and_one_completion(app, client, api, db):
    learner = make_user()
    from tests.factories import make_course

    course = make_course(modules=1, lessons=1)
    headers = api.as_user(learner)
    client.post(f"/api/v1/courses/{course.id}/enroll", headers=headers)
    url = f"/api/v1/lessons/{course.modules[0].lessons[0].id}/complete"
    responses = run_at_once(app, 10, lambda c: c.post(url, headers=headers))
    assert {r.status_code for r in responses} == {200}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseCompletion)) == 1
