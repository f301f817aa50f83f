"""Authoring through the studio pages, with CSRF on: courses, modules, lessons, quizzes, questions."""
import re

import pytest
import sqlalchemy as sa

from lms.courses.models import Course, CourseCompletion, Lesson, LessonProgress, Module
from lms.courses.services import complete_lesson, enroll, progress_for
from lms.quizzes.models import Question, Quiz
from tests.conftest import csrf_from
from tests.factories import make_course, make_user
from tests.markup import executable_markup


@pytest.fixture
def trainer(web):
    user = make_user("trainer", full_name="Pelatih Utama")
    web.login(user.username)
    return user


def post(web, page, action, data):
    return web.post_form(page, action, data)


def test_trainer_builds_a_course_with_a_quiz_and_publishes_it(web, client, db, trainer):
    """From nothing to a published course with a module, a lesson, a quiz and a question."""
    response = post(web, "/studio/courses/new", "/studio/courses/new", {
        "title": "Kursus Uji Studio", "summary": "Ringkas.", "pillar": "etika", "level": "dasar"})
    course = db.session.scalar(sa.select(Course).where(Course.title == "Kursus Uji Studio"))
    assert response.headers["Location"] == f"/studio/courses/{course.id}"
    assert course.status == "draft" and course.author_id == trainer.id and course.slug == "kursus-uji-studio"
    page = f"/studio/courses/{course.id}"
    post(web, page, f"/studio/courses/{course.id}/modules", {"module-title": "Modul Satu"})
    module = db.session.scalar(sa.select(Module).where(Module.course_id == course.id))
    new_lesson = f"/studio/modules/{module.id}/lessons/new"
    post(web, new_lesson, new_lesson, {"title": "Pelajaran 1", "body_markdown": "## Halo\n\nIsi **tebal**.",
                                       "minutes": "12", "submit": "1"})
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.module_id == module.id))
    assert "<strong>tebal</strong>" in lesson.body_html and lesson.minutes == 12
    new_quiz = f"/studio/courses/{course.id}/quizzes/new?module_id={module.id}"
    post(web, new_quiz, f"/studio/courses/{course.id}/quizzes/new", {
        "title": "Kuis Satu", "module_id": str(module.id), "pass_percent": "80", "max_attempts": "2",
        "shuffle_choices": "y", "one_question_per_page": "y", "review": "after_pass"})
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
    assert (quiz.pass_percent, quiz.max_attempts, quiz.review, quiz.module_id) == (80, 2, "after_pass", module.id)
    new_question = f"/studio/quizzes/{quiz.id}/questions/new"
    post(web, new_question, new_question, {
        "type": "single", "text": "Apa itu OTP?", "points": "2", "explanation": "Kode sekali pakai.",
        "choices-0-text": "Kode sekali pakai", "choices-0-correct": "y", "choices-0-feedback": "Tepat.",
        "choices-1-text": "Nama aplikasi", "choices-2-text": "Jenis virus"})
    question = db.session.scalar(sa.select(Question).where(Question.quiz_id == quiz.id))
    assert question.points == 2.0 and [c.text for c in question.choices] == [
        "Kode sekali pakai", "Nama aplikasi", "Jenis virus"]
    assert [c.correct for c in question.choices] == [True, False, False]
    post(web, page, f"/studio/courses/{course.id}/status", {"status": "published"})
    db.session.refresh(course)
    assert course.status == "published"
    web.post_form("/", "/logout")
    learner = make_user()
    web.login(learner.username)
    assert "Kursus Uji Studio" in client.get("/courses/").get_data(as_text=True)


def test_validation_messages_appear_next_to_the_field(web, client, db, trainer):
    response = post(web, "/studio/courses/new", "/studio/courses/new", {"title": "", "pillar": "aman",
                                                                        "level": "dasar"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and re.search(r'id="title-error">Judul wajib diisi', html)
    course = make_course(author=trainer)
    quiz = Quiz(course_id=course.id, title="K", position=0)
    db.session.add(quiz)
    db.session.commit()
    url = f"/studio/quizzes/{quiz.id}/questions/new"
    response = post(web, url, url, {"type": "single", "text": "Dua benar?", "points": "1",
                                    "choices-0-text": "a", "choices-0-correct": "y",
                                    "choices-1-text": "b", "choices-1-correct": "y"})
    assert "tepat satu pilihan yang benar" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0
    response = post(web, url, url, {"type": "short_text", "text": "Isian?", "points": "1", "answers": ""})
    assert "minimal satu jawaban" in response.get_data(as_text=True)


def test_publishing_an_empty_course_is_refused(web, client, db, trainer):
    post(web, "/studio/courses/new", "/studio/courses/new", {"title": "Kosong", "pillar": "aman", "level": "dasar"})
    course = db.session.scalar(sa.select(Course))
    response = post(web, f"/studio/courses/{course.id}", f"/studio/courses/{course.id}/status", {"status": "published"})
    assert response.status_code == 302
    db.session.refresh(course)
    assert course.status == "draft"
    assert "minimal satu pelajaran" in client.get(f"/studio/courses/{course.id}").get_data(as_text=True)


def test_lesson_preview_is_sanitized_and_not_saved(web, client, db, trainer):
    course = make_course(author=trainer, modules=1, lessons=1)
    lesson = course.modules[0].lessons[0]
    url = f"/studio/lessons/{lesson.id}"
    response = post(web, url, url, {"title": "Baru", "body_markdown": "**pratinjau** <script>alert(1)</script>",
                                    "minutes": "5", "preview": "1"})
    html = response.get_data(as_text=True)
    assert "<strong>pratinjau</strong>" in html and "<script>alert(1)" not in html
    db.session.refresh(lesson)
    assert lesson.title != "Baru"


def test_reorder_without_javascript(web, client, db, trainer):
    course = make_course(author=trainer, modules=3, lessons=2)
    first, second, third = course.modules
    page = f"/studio/courses/{course.id}"
    post(web, page, f"/studio/modules/{third.id}/move", {"direction": "up"})
    db.session.expire_all()
    order = [m.title for m in db.session.scalars(sa.select(Module).where(Module.course_id == course.id)
                                                  .order_by(Module.position))]
    assert order == ["Modul 1", "Modul 3", "Modul 2"]
    lesson_a, lesson_b = db.session.get(Module, first.id).lessons
    post(web, page, f"/studio/lessons/{lesson_a.id}/move", {"direction": "down"})
    db.session.expire_all()
    assert [l.id for l in db.session.get(Module, first.id).lessons] == [lesson_b.id, lesson_a.id]
    post(web, page, f"/studio/lessons/{lesson_a.id}/move", {"direction": "down"})  # already last: no change
    db.session.expire_all()
    assert [l.position for l in db.session.get(Module, first.id).lessons] == [0, 1]


def test_delete_asks_for_confirmation(web, client, db, trainer):
    course = make_course(author=trainer, modules=2, lessons=1)
    module = course.modules[0]
    page = client.get(f"/studio/modules/{module.id}/delete")
    assert page.status_code == 200 and "Ya, hapus" in page.get_data(as_text=True)
    assert db.session.get(Module, module.id) is not None
    response = client.post(f"/studio/modules/{module.id}/delete", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    db.session.expire_all()
    remaining = db.session.scalars(sa.select(Module).where(Module.course_id == course.id)).all()
    assert [(m.title, m.position) for m in remaining] == [("Modul 2", 0)]


def test_editing_a_published_course_keeps_progress(web, client, db, trainer):
    """Completed lessons stay completed; a deleted lesson leaves the percentages; completions stay recorded."""
    course = make_course(author=trainer, modules=1, lessons=3)
    kept, edited, dropped = course.modules[0].lessons
    learner, finisher = make_user(), make_user()
    for user in (learner, finisher):
        enroll(user, course)
    complete_lesson(learner, kept)
    complete_lesson(learner, dropped)
    for lesson in (kept, edited, dropped):
        complete_lesson(finisher, lesson)
    db.session.commit()
    assert progress_for(learner, [course])[0].percent == 66.7
    url = f"/studio/lessons/{edited.id}"
    post(web, url, url, {"title": "Judul diperbarui", "body_markdown": "Isi baru", "minutes": "7", "submit": "1"})
    url = f"/studio/lessons/{dropped.id}/delete"
    post(web, url, url, {})
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert progress_for(learner, [course])[0].percent == 50.0      # 1 of the 2 remaining lessons
    assert progress_for(finisher, [course])[0].percent == 100.0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseCompletion)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress).where(
        LessonProgress.lesson_id == edited.id)) == 1


def test_coauthors(web, client, db, trainer):
    course = make_course(author=trainer)
    partner = make_user("trainer", username="rekan")
    outsider = make_user("trainer", username="orang-lain")
    page = f"/studio/courses/{course.id}"
    post(web, page, f"/studio/courses/{course.id}/coauthors", {"username": "rekan"})
    web.post_form("/", "/logout")
    web.login(partner.username)
    assert client.get(page).status_code == 200
    # a co-author cannot add more co-authors
    assert post(web, page, f"/studio/courses/{course.id}/coauthors", {"username": "orang-lain"}).status_code == 403
    web.post_form("/", "/logout")
    web.login(outsider.username)
    assert client.get(page).status_code == 403


def test_authored_fields_are_sanitized_or_escaped_everywhere(web, client, db, trainer):
    """XSS payloads in every authored field never come out as executable markup."""
    payloads = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
                "<svg onload=alert(1)>", "\"><a href=javascript:alert(1)>x</a>"]
    for i, payload in enumerate(payloads):
        post(web, "/studio/courses/new", "/studio/courses/new", {"title": f"{payload} {i}", "summary": payload,
                                                                 "pillar": "aman", "level": "dasar"})
    courses = db.session.scalars(sa.select(Course)).all()
    for course, payload in zip(courses, payloads):
        page = f"/studio/courses/{course.id}"
        post(web, page, f"/studio/courses/{course.id}/modules", {"module-title": payload})
        module = db.session.scalar(sa.select(Module).where(Module.course_id == course.id))
        url = f"/studio/modules/{module.id}/lessons/new"
        post(web, url, url, {"title": payload, "body_markdown": payload, "minutes": "5", "submit": "1"})
        url = f"/studio/courses/{course.id}/quizzes/new"
        post(web, url, url, {"title": payload, "module_id": "", "pass_percent": "70", "max_attempts": "0",
                             "review": "after_submit"})
        quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
        url = f"/studio/quizzes/{quiz.id}/questions/new"
        post(web, url, url, {"type": "single", "text": payload, "points": "1", "explanation": payload,
                             "choices-0-text": payload, "choices-0-correct": "y", "choices-0-feedback": payload,
                             "choices-1-text": payload + "b", "choices-1-feedback": payload})
        post(web, page, f"/studio/courses/{course.id}/status", {"status": "published"})
    learner = make_user()
    enrolled_pages = []
    for course in courses:
        enroll(learner, course)
        enrolled_pages.append(course)
    db.session.commit()
    studio_pages = ["/studio/"]
    for course in courses:
        module = course.modules[0]
        quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
        studio_pages += [f"/studio/courses/{course.id}", f"/studio/lessons/{module.lessons[0].id}",
                         f"/studio/quizzes/{quiz.id}", f"/studio/questions/{quiz.questions[0].id}",
                         f"/studio/quizzes/{quiz.id}/analysis", f"/studio/courses/{course.id}/learners"]
    for url in studio_pages:
        html = client.get(url).get_data(as_text=True)
        assert executable_markup(html, page=True) == [], url
    web.post_form("/", "/logout")
    web.login(learner.username)
    learner_pages = ["/", "/courses/"]
    for course in courses:
        quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
        learner_pages += [f"/courses/{course.slug}", f"/courses/{course.slug}/lessons/{course.modules[0].lessons[0].id}",
                          f"/quizzes/{quiz.id}"]
        started = web.post_form(f"/quizzes/{quiz.id}", f"/quizzes/{quiz.id}/start")
        attempt_url = started.headers["Location"]
        for html in (client.get(attempt_url).get_data(as_text=True),
                     summary := client.get(attempt_url + "/summary").get_data(as_text=True)):
            assert executable_markup(html, page=True) == [], attempt_url
        client.post(attempt_url + "/submit", data={"csrf_token": csrf_from(summary)})
        learner_pages.append(attempt_url + "/result")
    for url in learner_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert executable_markup(response.get_data(as_text=True), page=True) == [], url
