"""A small, known population for report tests; every expected number is worked out by hand
in the tests that use it (see the comments there)."""
from datetime import datetime, timezone

import sqlalchemy as sa

from lms.courses.models import CourseCompletion
from lms.courses.services import complete_lesson, enroll
from lms.extensions import db
from lms.packages import import_package
from lms.quizzes.models import Question
from lms.quizzes.services import course_quizzes, save_answer, start_attempt, submit_attempt
from tests.factories import make_user, manifest

MUNGGU, KAPAL, PELAGA = "51.03.02.2001", "51.03.02.1004", "51.03.04.2004"
MENGWI, PETANG = "51.03.02", "51.03.04"


def _quiz(n=5):
    return {"title": "Kuis A", "questions": [
        {"type": "single", "text": f"Soal {i}", "explanation": "x",
         "choices": [{"text": "benar", "correct": True}, {"text": "salah"}]} for i in range(n)]}


def _attempt(user, quiz, right: int):
    """Submit an attempt with ``right`` of 5 answers correct (percent = right × 20)."""
    attempt, _ = start_attempt(user, quiz)
    questions = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.quiz_id == quiz.id))}
    for i, item in enumerate(attempt.layout):
        q = questions[item["question_id"]]
        choice = next(c for c in q.choices if c.correct == (i < right))
        save_answer(attempt, q.id, {"choice_ids": [choice.id]})
    return submit_attempt(attempt)


def _when(day: int) -> datetime:
    return datetime(2026, 11, day, 4, 0, tzinfo=timezone.utc)  # 12:00 WITA


def build() -> dict:
    data_a = manifest("kursus-a", modules=1, lessons=2, pillar="aman", title="Kursus A")
    data_a["course"]["modules"][0]["quizzes"] = [_quiz()]
    course_a = import_package(data_a)
    course_b = import_package(manifest("kursus-b", modules=1, lessons=1, pillar="etika", title="Kursus B"))
    draft = import_package(manifest("kursus-d", modules=1, lessons=1, status="draft", title="Kursus D"))
    quiz_a = course_quizzes(course_a.id)[0]
    people = {
        "u1": make_user(full_name="Made Satu", desa_kode=MUNGGU, jabatan="SEKDES", kind="perangkat",
                        phone="081234567801"),
        "u2": make_user(full_name="Nyoman Dua", desa_kode=MUNGGU, jabatan=None, kind="warga"),
        "u3": make_user(full_name="Ketut Tiga", desa_kode=KAPAL, jabatan="KAUR_KEUANGAN", kind="perangkat",
                        phone="+62 812-3456-7803"),
        "u4": make_user(full_name="Wayan Empat", desa_kode=PELAGA, jabatan="SEKDES", kind="perangkat"),
        "u5": make_user(full_name="Putu Nonaktif", desa_kode=PELAGA, jabatan="SEKDES", kind="perangkat"),
        "u6": make_user(full_name="Kadek Enam", desa_kode=PELAGA, jabatan=None, kind="warga"),
        "trainer": make_user("trainer", full_name="Pelatih", desa_kode=MUNGGU),
    }
    u1, u2, u3, u4, u5 = (people[k] for k in ("u1", "u2", "u3", "u4", "u5"))
    a_lessons, b_lesson = course_a.modules[0].lessons, course_b.modules[0].lessons[0]
    # u1: A complete (2 lessons + quiz 100 %), B complete (1 lesson)
    enroll(u1, course_a), enroll(u1, course_b)
    for lesson in a_lessons:
        complete_lesson(u1, lesson)
    _attempt(u1, quiz_a, 5)
    complete_lesson(u1, b_lesson)
    # u2: A started (1 lesson), quiz 40 %
    enroll(u2, course_a)
    complete_lesson(u2, a_lessons[0])
    _attempt(u2, quiz_a, 2)
    # u3: A not started
    enroll(u3, course_a)
    # u4: B not started; A: attempts 60 % then 80 % (passed), lessons not done
    enroll(u4, course_b), enroll(u4, course_a)
    _attempt(u4, quiz_a, 3)
    _attempt(u4, quiz_a, 4)
    # u5: A complete, then deactivated (excluded everywhere)
    enroll(u5, course_a)
    for lesson in a_lessons:
        complete_lesson(u5, lesson)
    _attempt(u5, quiz_a, 5)
    u5.active = False
    # the trainer's own enrolment is not a learner's
    enroll(people["trainer"], course_a)
    complete_lesson(people["trainer"], a_lessons[0])
    db.session.flush()
    completions = {(c.user_id, c.course_id): c for c in db.session.scalars(sa.select(CourseCompletion))}
    completions[(u1.id, course_a.id)].completed_at = _when(10)
    completions[(u1.id, course_b.id)].completed_at = _when(20)
    completions[(u5.id, course_a.id)].completed_at = _when(12)
    db.session.commit()
    return {"people": people, "a": course_a, "b": course_b, "draft": draft, "quiz_a": quiz_a}
