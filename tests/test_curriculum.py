"""The curriculum in content/courses: loads through the real importer and keeps the editorial rules."""
import copy
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.courses.models import CourseCompletion
from lms.courses.services import complete_lesson, enroll
from lms.packages import import_package, validate
from lms.quizzes.models import Question
from lms.quizzes.services import course_quizzes, save_answer, start_attempt, submit_attempt
from tests.content_rules import course_problems, lesson_problems, link_problems, quiz_problems
from tests.factories import make_user

CONTENT = Path(__file__).resolve().parent.parent / "content" / "courses"
FILES = sorted(CONTENT.glob("*.json"))
IDS = [p.stem for p in FILES]
REQUIRED = {
    "fungsi-aplikasi-layanan-digital-desa": "cakap", "keamanan-digital-perangkat-desa": "aman",
    "melindungi-data-pribadi-warga": "aman", "media-sosial-branding-desa": "budaya",
    "etika-digital-melawan-hoaks": "etika", "regulasi-dokumentasi-sistem": "cakap",
    "integrasi-aplikasi-pusat-data": "cakap",
}


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_seven_courses_are_shipped_with_their_pillars():
    shipped = {load(p)["course"]["slug"]: load(p)["course"]["pillar"] for p in FILES}
    assert {slug: shipped.get(slug) for slug in REQUIRED} == REQUIRED


def test_every_pillar_has_a_course():
    assert {load(p)["course"]["pillar"] for p in FILES} == {"cakap", "etika", "budaya", "aman"}


def test_slugs_are_unique_and_match_file_names():
    slugs = [load(p)["course"]["slug"] for p in FILES]
    assert len(slugs) == len(set(slugs))
    assert slugs == IDS


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_course_keeps_the_editorial_rules(path):
    assert course_problems(load(path), path.parent) == []


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_manifest_loads_through_the_real_importer(path, db):
    data = load(path)
    assert validate(data) == []
    course = import_package(data)
    assert course.slug == path.stem and course.status == "published"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_a_learner_can_complete_the_course(path, db):
    """Every lesson marked complete and every scored quiz passed: the course is recorded complete."""
    course = import_package(load(path))
    learner = make_user()
    enroll(learner, course)
    for module in course.modules:
        for lesson in module.lessons:
            complete_lesson(learner, lesson)
    for quiz in course_quizzes(course.id):
        attempt, _ = start_attempt(learner, quiz)
        questions = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.quiz_id == quiz.id))}
        for item in attempt.layout:
            question = questions[item["question_id"]]
            payload = ({"text": question.answers[0]} if question.type == "short_text"
                       else {"choice_ids": [c.id for c in question.choices if c.correct]})
            save_answer(attempt, question.id, payload)
        assert submit_attempt(attempt).percent == 100.0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseCompletion).where(
        CourseCompletion.user_id == learner.id, CourseCompletion.course_id == course.id)) == 1


def test_seed_loads_every_course(runner, db):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    for slug in REQUIRED:
        assert slug in result.output


def test_curriculum_doc_is_current():
    """docs/curriculum.md is generated from the manifests (tools/curriculum_doc.py) and kept in sync."""
    from tools.curriculum_doc import render

    doc = (CONTENT.parent.parent / "docs" / "curriculum.md").read_text(encoding="utf-8")
    assert doc == render(FILES), "run: .venv/bin/python -m tools.curriculum_doc > docs/curriculum.md"


# The rules themselves must be able to fail: each broken copy of a real course is caught.
def _first():
    return copy.deepcopy(load(CONTENT / "keamanan-digital-perangkat-desa.json"))


def _lesson(data):
    return data["course"]["modules"][0]["lessons"][0]


@pytest.mark.parametrize("breakage,expected", [
    (lambda d: _lesson(d).update(body_markdown=_lesson(d)["body_markdown"].split("## Coba sekarang")[0]
                                 .replace("## Tujuan", "## Tujuan")[:1500] + "\n## Coba sekarang\nx\n## Ringkasan\ny"),
     "words"),
    (lambda d: _lesson(d).update(body_markdown=_lesson(d)["body_markdown"].replace("## Tujuan pembelajaran", "## Tujuan")),
     "Tujuan pembelajaran"),
    (lambda d: _lesson(d).update(body_markdown=_lesson(d)["body_markdown"].replace("## Coba sekarang", "## Latihan")),
     "practical task"),
    (lambda d: _lesson(d).update(body_markdown=_lesson(d)["body_markdown"].replace("## Ringkasan", "## Penutup")),
     "summary"),
    (lambda d: d["course"]["modules"][0]["quizzes"][0].update(
        questions=d["course"]["modules"][0]["quizzes"][0]["questions"][:5]), "questions, needs 6"),
    (lambda d: d["course"]["quizzes"][0].update(questions=d["course"]["quizzes"][0]["questions"][:9]),
     "questions, needs 10"),
    (lambda d: d["course"]["modules"][1]["quizzes"][0]["questions"][0].update(explanation=" "), "no explanation"),
    (lambda d: d["course"]["modules"][0]["quizzes"][0].update(questions=[
        q for q in d["course"]["modules"][0]["quizzes"][0]["questions"] if q["type"] == "single"] * 6),
     "two question types"),
    (lambda d: _lesson(d).update(body_markdown=_lesson(d)["body_markdown"] + "\n\n![peta](gambar/tidak-ada.png)"),
     "missing file"),
    (lambda d: d["course"].update(modules=d["course"]["modules"][:2]), "needs 3-4"),
])
def test_rules_catch_a_broken_course(breakage, expected):
    data = _first()
    breakage(data)
    problems = course_problems(data, CONTENT)
    assert any(expected in p for p in problems), problems


def test_single_choice_with_two_correct_is_caught():
    quiz = {"questions": [{"type": "single", "text": "?", "explanation": "x",
                           "choices": [{"text": "a", "correct": True}, {"text": "b", "correct": True}]}] * 6}
    assert any("exactly one" in p for p in quiz_problems("q", quiz, final=False))


def test_links_to_existing_files_and_the_web_pass(tmp_path):
    (tmp_path / "ada.png").write_bytes(b"x")
    assert link_problems("p", "![a](ada.png) [b](https://example.org) [c](#bagian)", tmp_path) == []
    assert link_problems("p", "[d](lampiran.pdf)", tmp_path) == ["p: link or image to a missing file: lampiran.pdf"]


def test_lesson_rules_on_a_minimal_good_lesson():
    body = ("## Tujuan pembelajaran\n- satu\n- dua\n\n## Isi\n" + "kata " * 360 +
            "\n\n## Coba sekarang\n" + "langkah " * 40 + "\n\n## Ringkasan\n" + "ringkas " * 20)
    assert lesson_problems("l", {"body_markdown": body}) == []
