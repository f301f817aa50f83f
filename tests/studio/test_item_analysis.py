"""Item analysis: the pure computation worked out by hand, and the page."""
import sqlalchemy as sa

from lms.courses.services import enroll
from lms.quizzes.models import Question
from lms.quizzes.services import course_quizzes, save_answer, start_attempt, submit_attempt
from lms.studio.analysis import analyse, quiz_analysis
from tests.factories import make_quiz_course, make_user, quiz_spec

QUESTIONS = [
    {"id": 1, "text": "Mudah", "choices": {10: ("benar", True), 11: ("salah", False), 12: ("salah2", False)}},
    {"id": 2, "text": "Sulit", "choices": {20: ("benar", True), 21: ("jebakan", False), 22: ("lain", False)}},
    {"id": 3, "text": "Terbalik", "choices": {30: ("benar", True), 31: ("salah", False)}},
]


def _attempt(i, percent, passed=False):
    return {"id": i, "percent": percent, "passed": passed, "question_ids": {1, 2, 3}}


def _answer(attempt_id, qid, chosen, correct):
    return {"attempt_id": attempt_id, "question_id": qid, "correct": correct, "choice_ids": [chosen], "empty": False}


def test_analyse_by_hand():
    """10 attempts. Q1 right by all; Q2 right by 1 (top) only; Q3 right by the 3 weakest only."""
    percents = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    attempts = [_attempt(i, p, p >= 70) for i, p in enumerate(percents, 1)]
    answers = []
    for i in range(1, 11):
        answers.append(_answer(i, 1, 10, True))
        answers.append(_answer(i, 2, 20 if i == 10 else 21, i == 10))
        answers.append(_answer(i, 3, 30 if i <= 3 else 31, i <= 3))
    stats = analyse(attempts, answers, QUESTIONS)
    assert stats.attempts == 10 and stats.average_percent == 55.0 and stats.median_percent == 55.0
    assert stats.pass_rate == 40.0
    q1, q2, q3 = stats.questions
    # groups: round(10 * .27) = 3 → lower {1,2,3}, upper {8,9,10}
    assert (q1.percent_correct, q1.discrimination, q1.flags) == (100.0, 0.0, [])
    assert (q2.percent_correct, q2.discrimination) == (10.0, 0.33)
    assert q2.flags == ["hard"] and (q2.top_wrong_choice, q2.top_wrong_count) == ("jebakan", 9)
    assert (q3.percent_correct, q3.discrimination) == (30.0, -1.0)
    assert q3.flags == ["negative_discrimination"]


def test_unanswered_counts_as_wrong_and_answered_counts_only_answers():
    attempts = [_attempt(1, 100), _attempt(2, 0)]
    answers = [_answer(1, 1, 10, True)]
    q1 = analyse(attempts, answers, QUESTIONS[:1]).questions[0]
    assert (q1.shown, q1.answered, q1.correct, q1.percent_correct) == (2, 1, 1, 50.0)


def test_no_attempts():
    stats = analyse([], [], QUESTIONS)
    assert stats.attempts == 0 and stats.average_percent is None and stats.pass_rate is None
    assert all(q.percent_correct is None and q.discrimination is None for q in stats.questions)


def test_quiz_analysis_reads_real_attempts(db, web, client):
    author = make_user("trainer")
    course = make_quiz_course(author=author, module_quiz=quiz_spec())
    quiz = course_quizzes(course.id)[0]
    questions = {q.id: q for q in db.session.scalars(sa.select(Question))}
    for right in (True, False, False):
        learner = make_user()
        enroll(learner, course)
        attempt, _ = start_attempt(learner, quiz)
        for item in attempt.layout:
            q = questions[item["question_id"]]
            if q.type == "short_text":
                payload = {"text": q.answers[0] if right else "salah"}
            else:
                payload = {"choice_ids": [c.id for c in q.choices if c.correct == right][:1 if q.type != "multiple" else None]}
            save_answer(attempt, q.id, payload)
        submit_attempt(attempt)
    db.session.commit()
    stats = quiz_analysis(quiz)
    assert stats.attempts == 3 and stats.pass_rate == 33.3
    assert all(q.percent_correct == 33.3 for q in stats.questions)
    web.login(author.username)
    html = client.get(f"/studio/quizzes/{quiz.id}/analysis").get_data(as_text=True)
    assert "Percobaan dinilai: 3" in html and "33,3" in html
