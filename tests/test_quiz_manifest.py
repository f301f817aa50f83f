"""Quizzes in the course manifest: validation with field paths, defaults, re-import, export."""
import copy

import pytest
import sqlalchemy as sa

from lms.packages import export_package, import_package, validate
from lms.quizzes.models import Attempt, Question, Quiz
from lms.quizzes.services import start_attempt
from lms.courses.services import enroll
from tests.factories import make_user, manifest, quiz_spec


def with_quiz(quiz=None, final=None):
    data = manifest("kuis", modules=1, lessons=1)
    data["course"]["modules"][0]["quizzes"] = [quiz or quiz_spec()]
    if final:
        data["course"]["quizzes"] = [final]
    return data


Q = "course.modules[0].quizzes[0]"


@pytest.mark.parametrize("mutate,field", [
    (lambda q: q["questions"][0]["choices"][0].update(correct=True), f"{Q}.questions[0].choices"),
    (lambda q: [c.update(correct=False) for c in q["questions"][1]["choices"]], f"{Q}.questions[1].choices"),
    (lambda q: q["questions"][2]["choices"][0].update(correct=True), f"{Q}.questions[2].choices"),
    (lambda q: q["questions"][2]["choices"].append({"text": "Mungkin"}), f"{Q}.questions[2].choices"),
    (lambda q: q["questions"][3].update(answers=[]), f"{Q}.questions[3].answers"),
    (lambda q: q["questions"][3].update(choices=[{"text": "a"}]), f"{Q}.questions[3].choices"),
    (lambda q: q["questions"][0].update(type="essay"), f"{Q}.questions[0].type"),
    (lambda q: q["questions"][0].update(text=""), f"{Q}.questions[0].text"),
    (lambda q: q["questions"][0].update(points=-1), f"{Q}.questions[0].points"),
    (lambda q: q["questions"][0]["choices"][1].update(correct="ya"), f"{Q}.questions[0].choices[1].correct"),
    (lambda q: q.update(review="always"), f"{Q}.review"),
    (lambda q: q.update(pass_percent=120), f"{Q}.pass_percent"),
    (lambda q: q.update(questions_per_attempt=9), f"{Q}.questions_per_attempt"),
    (lambda q: q.update(questions=[]), f"{Q}.questions"),
    (lambda q: q.update(timer=5), f"{Q}.timer"),
    (lambda q: q.pop("title"), f"{Q}.title"),
])
def test_bad_quiz_is_rejected_with_field_path(mutate, field, db):
    quiz = quiz_spec()
    mutate(quiz)
    problems = validate(with_quiz(quiz))
    assert problems and problems[0]["field"] == field, problems
    with pytest.raises(Exception):
        import_package(with_quiz(quiz))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quiz)) == 0


def test_quiz_defaults(db):
    course = import_package(with_quiz(final=quiz_spec("Ujian akhir", pass_percent=80, max_attempts=3)))
    quizzes = db.session.scalars(sa.select(Quiz).order_by(Quiz.id)).all()
    module_quiz, final = quizzes
    assert module_quiz.module_id == course.modules[0].id and final.module_id is None
    assert (module_quiz.pass_percent, module_quiz.max_attempts, module_quiz.time_limit_minutes,
            module_quiz.questions_per_attempt, module_quiz.review, module_quiz.practice) == \
        (70, 0, None, None, "after_submit", False)
    assert final.pass_percent == 80 and final.max_attempts == 3
    assert [q.type for q in module_quiz.questions] == ["single", "multiple", "true_false", "short_text", "single"]
    assert module_quiz.questions[0].points == 1.0


def test_export_then_import_round_trip_with_quizzes(db):
    data = with_quiz(quiz_spec(time_limit_minutes=10, review="after_pass"), final=quiz_spec("Akhir"))
    course = import_package(copy.deepcopy(data))
    exported = export_package(course)
    assert validate(exported) == []
    again = export_package(import_package(copy.deepcopy(exported)))
    assert again == exported
    q = exported["course"]["modules"][0]["quizzes"][0]
    assert q["time_limit_minutes"] == 10 and q["review"] == "after_pass"
    assert q["questions"][3]["answers"] == ["72 jam", "3 x 24 jam"]


def test_reimport_keeps_quiz_and_its_attempts(db):
    learner = make_user()
    course = import_package(with_quiz())
    enroll(learner, course)
    quiz = db.session.scalar(sa.select(Quiz))
    start_attempt(learner, quiz)
    db.session.commit()
    changed = with_quiz(quiz_spec(pass_percent=60))
    changed["course"]["modules"][0]["quizzes"][0]["questions"][0]["explanation"] = "Penjelasan baru."
    import_package(changed)
    db.session.commit()
    assert db.session.scalar(sa.select(Quiz.id)) == quiz.id
    assert db.session.scalar(sa.select(Quiz.pass_percent)) == 60
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 5


def test_choice_ids_do_not_follow_the_authored_order(db):
    """Rows are inserted shuffled: over many imports the correct choice is not always the lowest id."""
    lowest_is_correct = set()
    for i in range(40):  # chance that 40 shuffles never put the correct choice first: (3/4)**40 ≈ 1e-5
        quiz = {"title": "Q", "questions": [{"type": "single", "text": "?", "choices": [
            {"text": "benar", "correct": True}, {"text": "b"}, {"text": "c"}, {"text": "d"}]}]}
        data = manifest(f"urutan-{i}", modules=1, lessons=1)
        data["course"]["modules"][0]["quizzes"] = [quiz]
        course = import_package(data)
        q = db.session.scalars(sa.select(Question).join(Quiz).where(Quiz.course_id == course.id)).one()
        lowest = min(q.choices, key=lambda c: c.id)
        lowest_is_correct.add(lowest.correct)
    assert lowest_is_correct == {True, False}
