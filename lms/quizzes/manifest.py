"""The quiz part of the course manifest: rules beyond the JSON Schema, writing, exporting."""
from __future__ import annotations

import random

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.models import Choice, Question, Quiz

QUIZ_DEFAULTS = {
    "practice": False, "pass_percent": 70, "max_attempts": 0, "retry_after_hours": None,
    "time_limit_minutes": None, "shuffle_questions": False, "shuffle_choices": True,
    "questions_per_attempt": None, "one_question_per_page": True, "review": "after_submit",
}
CHOICE_TYPES = ("single", "multiple", "true_false")


def _quiz_specs(course_spec: dict):
    """Yield (path, module position or None, quiz position, quiz spec) for every quiz."""
    for m_pos, module in enumerate(course_spec.get("modules", [])):
        for q_pos, quiz in enumerate(module.get("quizzes", [])):
            yield f"course.modules[{m_pos}].quizzes[{q_pos}]", m_pos, q_pos, quiz
    for q_pos, quiz in enumerate(course_spec.get("quizzes", [])):
        yield f"course.quizzes[{q_pos}]", None, q_pos, quiz


def question_problems(path: str, question: dict) -> list[dict]:
    """Rules per question type that a JSON Schema cannot say well, with the field path."""
    problems = []
    kind = question["type"]
    choices = question.get("choices", [])
    correct = sum(1 for c in choices if c.get("correct"))
    if kind in CHOICE_TYPES:
        if len(choices) < 2:
            problems.append({"field": f"{path}.choices", "message": _("minimal 2 pilihan")})
        elif kind in ("single", "true_false") and correct != 1:
            problems.append({"field": f"{path}.choices", "message": _("harus tepat satu pilihan yang benar")})
        elif kind == "multiple" and correct < 1:
            problems.append({"field": f"{path}.choices", "message": _("minimal satu pilihan yang benar")})
        if kind == "true_false" and len(choices) != 2:
            problems.append({"field": f"{path}.choices", "message": _("soal benar/salah harus punya tepat 2 pilihan")})
        if "answers" in question:
            problems.append({"field": f"{path}.answers", "message": _("hanya untuk soal isian singkat (short_text)")})
    else:
        if not question.get("answers"):
            problems.append({"field": f"{path}.answers", "message": _("minimal satu jawaban yang diterima")})
        if "choices" in question:
            problems.append({"field": f"{path}.choices", "message": _("soal isian singkat tidak memakai pilihan")})
    return problems


def quiz_problems(course_spec: dict) -> list[dict]:
    problems = []
    for path, _m, _q, quiz in _quiz_specs(course_spec):
        for i, question in enumerate(quiz["questions"]):
            problems += question_problems(f"{path}.questions[{i}]", question)
        draw = quiz.get("questions_per_attempt")
        if draw is not None and draw > len(quiz["questions"]):
            problems.append({"field": f"{path}.questions_per_attempt",
                             "message": _("lebih besar dari jumlah soal (%(n)d)", n=len(quiz["questions"]))})
    return problems


def write_questions(quiz: Quiz, questions_spec: list[dict]) -> None:
    """Replace a quiz's questions; a question with the same position and text keeps its id."""
    existing = {(q.position, q.text): q for q in quiz.questions}
    keep = []
    for pos, spec in enumerate(questions_spec):
        question = existing.pop((pos, spec["text"]), None) or Question(position=pos, text=spec["text"])
        question.type = spec["type"]
        question.points = float(spec.get("points", 1))
        question.explanation = spec.get("explanation", "")
        question.answers = list(spec.get("answers", []))
        wanted = [(c["text"], bool(c.get("correct", False)), c.get("feedback", "")) for c in spec.get("choices", [])]
        if question.id is not None and [(c.text, c.correct, c.feedback) for c in question.choices] == wanted:
            keep.append(question)  # unchanged choices keep their ids, so saved answers still point at them
            continue
        specs = list(enumerate(spec.get("choices", [])))
        # Rows are inserted in a random order, so a choice's id says nothing about whether
        # it is correct, even when the author always writes the right answer first.
        random.SystemRandom().shuffle(specs)
        choices = [Choice(position=c_pos, text=c["text"], correct=bool(c.get("correct", False)),
                          feedback=c.get("feedback", "")) for c_pos, c in specs]
        question.choices.clear()  # old choices are orphans now, deleted at flush
        db.session.add_all(choices)  # the unit of work inserts in this (shuffled) order
        question.choices.extend(sorted(choices, key=lambda c: c.position))
        keep.append(question)
    quiz.questions = keep


def write_quizzes(course: Course, course_spec: dict) -> None:
    """Write every quiz of a validated spec; (module, position, title) matches keep their id and attempts."""
    modules = {m.position: m for m in course.modules}
    existing = {}
    for quiz in db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id)):
        module_pos = quiz.module.position if quiz.module else None
        existing[(module_pos, quiz.position, quiz.title)] = quiz
    for _path, m_pos, q_pos, spec in _quiz_specs(course_spec):
        quiz = existing.pop((m_pos, q_pos, spec["title"].strip()), None)
        if quiz is None:
            quiz = Quiz(course_id=course.id, title=spec["title"].strip(), position=q_pos)
            db.session.add(quiz)
        quiz.module = modules[m_pos] if m_pos is not None else None
        for key, default in QUIZ_DEFAULTS.items():
            setattr(quiz, key, spec.get(key, default))
        write_questions(quiz, spec["questions"])
    for quiz in existing.values():
        db.session.delete(quiz)
    db.session.flush()


def export_quiz(quiz: Quiz) -> dict:
    out = {"title": quiz.title}
    for key in QUIZ_DEFAULTS:
        out[key] = getattr(quiz, key)
    out["questions"] = [export_question(q) for q in quiz.questions]
    return out


def export_question(question: Question) -> dict:
    out = {"type": question.type, "text": question.text, "points": question.points,
           "explanation": question.explanation}
    if question.type == "short_text":
        out["answers"] = list(question.answers)
    else:
        out["choices"] = [{"text": c.text, "correct": c.correct, "feedback": c.feedback} for c in question.choices]
    return out


def export_quizzes(course: Course, course_out: dict) -> None:
    """Add the quizzes of ``course`` to an exported course dict, in place."""
    # Quizzes, questions and choices in three queries whatever their number.
    quizzes = db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.position)
                                 .options(so.selectinload(Quiz.questions).selectinload(Question.choices))).all()
    by_module = {m.id: pos for pos, m in enumerate(course.modules)}
    for quiz in quizzes:
        if quiz.module_id is None:
            course_out.setdefault("quizzes", []).append(export_quiz(quiz))
        else:
            course_out["modules"][by_module[quiz.module_id]].setdefault("quizzes", []).append(export_quiz(quiz))
