"""JSON shapes of the API's resources."""
from __future__ import annotations

from lms.auth.models import User
from lms.courses.services import Outline
from lms.timeutil import isoformat


def user_json(user: User) -> dict:
    return {
        "id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role,
        "kind": user.kind, "jabatan": user.jabatan_kode, "email": user.email, "phone": user.phone,
        "desa": user.desa.as_dict() if user.desa else None, "active": user.active,
        "created_at": isoformat(user.created_at),
    }


def quiz_summary(status) -> dict:
    quiz = status.quiz
    return {"id": quiz.id, "title": quiz.title, "practice": quiz.practice, "pass_percent": quiz.pass_percent,
            "max_attempts": quiz.max_attempts, "time_limit_minutes": quiz.time_limit_minutes,
            "attempts_used": status.attempts_used, "best_percent": status.best_percent, "passed": status.passed}


def course_detail(outline: Outline, statuses: dict | None = None) -> dict:
    """The course with modules, lessons and (when ``statuses`` is given) quizzes with the caller's results."""
    course = outline.course
    statuses = statuses or {}
    by_module: dict = {}
    for status in statuses.values():
        by_module.setdefault(status.quiz.module_id, []).append(quiz_summary(status))
    return {
        "id": course.id, "slug": course.slug, "title": course.title, "summary": course.summary,
        "pillar": course.pillar, "level": course.level, "status": course.status,
        "progress_percent": outline.progress.percent,
        "modules": [
            {"id": m.id, "title": m.title,
             "lessons": [{"id": l.id, "title": l.title, "minutes": l.minutes,
                          "completed": l.id in outline.completed_lesson_ids} for l in m.lessons],
             "quizzes": by_module.get(m.id, [])}
            for m in outline.modules
        ],
        "quizzes": by_module.get(None, []),
        "completed_at": isoformat(outline.progress.completed_at),
    }


def attempt_json(attempt, *, questions: list | None = None, answers: dict | None = None) -> dict:
    body = {"status": attempt.status, "practice": attempt.practice, "started_at": isoformat(attempt.started_at),
            "deadline": isoformat(attempt.deadline)}
    if questions is not None:
        body["questions"] = questions
    if answers is not None:
        body["answers"] = {str(qid): response for qid, response in answers.items()}
    return body


def result_json(attempt, review) -> dict:
    return {"attempt_id": attempt.id, "status": attempt.status, "score": attempt.score,
            "max_score": attempt.max_score, "percent": attempt.percent, "passed": attempt.passed,
            "submitted_at": isoformat(attempt.submitted_at), "review": review}
