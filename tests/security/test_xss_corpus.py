"""Stored XSS: 60 payloads in every field people and trainers write, rendered on every page
that shows them; none may survive as executable markup."""
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.courses.services import complete_lesson, enroll
from lms.packages import import_package
from lms.quizzes.models import Certificate, Question
from lms.quizzes.services import course_quizzes, save_answer, start_attempt, submit_attempt
from tests.factories import make_user, manifest
from tests.markup import executable_markup

PAYLOADS = [line for line in (Path(__file__).parent.parent / "data" / "xss_payloads.txt")
            .read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 50


@pytest.fixture
def world(db):
    author = make_user("trainer", username="penulis-xss")
    data = manifest("xss", modules=1, lessons=len(PAYLOADS), title=PAYLOADS[0])
    data["course"]["summary"] = PAYLOADS[1]
    data["course"]["modules"][0]["title"] = PAYLOADS[2]
    for lesson, payload in zip(data["course"]["modules"][0]["lessons"], PAYLOADS):
        lesson["title"], lesson["body_markdown"] = payload, f"{payload}\n\n**{payload}**"
    data["course"]["modules"][0]["quizzes"] = [{
        "title": PAYLOADS[3], "one_question_per_page": False, "review": "after_submit",
        "questions": [{"type": "single", "text": p, "explanation": p,
                       "choices": [{"text": p, "correct": True, "feedback": p},
                                   {"text": p + " (2)", "feedback": p}]} for p in PAYLOADS]}]
    course = import_package(data, author=author)
    learners = [make_user(username=f"xss{i}", full_name=p[:120], commit=False) for i, p in enumerate(PAYLOADS)]
    for learner in learners:
        enroll(learner, course)
    first = learners[0]
    complete_lesson(first, course.modules[0].lessons[0])
    quiz = course_quizzes(course.id)[0]
    attempt, _ = start_attempt(first, quiz)
    questions = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.quiz_id == quiz.id))}
    for item in attempt.layout:
        wrong = next(c for c in questions[item["question_id"]].choices if not c.correct)
        save_answer(attempt, item["question_id"], {"choice_ids": [wrong.id]})
    submit_attempt(attempt)
    db.session.add(Certificate(code="XSSX-XSSX-XSSX-XSSX-XSSX", user_id=first.id, course_id=course.id))
    db.session.commit()
    return {"author": author, "course": course, "quiz": quiz, "attempt": attempt, "first": first}


def _assert_clean(client, urls):
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert executable_markup(html, page=True) == [], url


def test_learner_pages(web, client, world):
    course = world["course"]
    web.login(world["first"].username)
    lessons = [f"/courses/{course.slug}/lessons/{lesson.id}" for lesson in course.modules[0].lessons]
    _assert_clean(client, ["/", "/courses/", f"/courses/{course.slug}", f"/quizzes/{world['quiz'].id}",
                           f"/attempts/{world['attempt'].id}/result", "/me/profile", *lessons])


def test_an_open_attempt_page(web, client, world, db):
    second = db.session.scalar(sa.select(type(world["first"])).where(type(world["first"]).username == "xss1"))
    attempt, _ = start_attempt(second, world["quiz"])
    db.session.commit()
    web.login(second.username)
    _assert_clean(client, [f"/attempts/{attempt.id}", f"/attempts/{attempt.id}/summary"])


def test_studio_pages(web, client, world):
    course, quiz = world["course"], world["quiz"]
    web.login(world["author"].username)
    _assert_clean(client, ["/studio/", f"/studio/courses/{course.id}", f"/studio/quizzes/{quiz.id}",
                           f"/studio/questions/{quiz.questions[0].id}", f"/studio/quizzes/{quiz.id}/analysis",
                           f"/studio/courses/{course.id}/learners",
                           f"/studio/lessons/{course.modules[0].lessons[5].id}"])


def test_report_and_people_pages(web, client, world):
    web.login(make_user("admin").username)
    _assert_clean(client, ["/reports/", "/reports/table?group_by=course", "/reports/learners",
                           "/reports/follow-up?list=not_started", "/reports/recap", "/reports/print?group_by=course",
                           "/people/", "/people/?page=2", f"/people/{world['first'].id}", "/people/audit"])


def test_public_verification_page(client, world):
    _assert_clean(client, ["/verify/XSSX-XSSX-XSSX-XSSX-XSSX"])
