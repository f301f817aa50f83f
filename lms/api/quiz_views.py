"""API v1 routes for quizzes, attempts and certificates (same blueprint as lms.api.views)."""
from __future__ import annotations

from flask import g, jsonify

from lms.api.common import json_body, token_required
from lms.api.serializers import attempt_json, result_json
from lms.api.views import bp
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.security.ratelimit import answer_limit, submit_limit
from lms.timeutil import isoformat


@bp.post("/quizzes/<int:quiz_id>/attempts")
@token_required()
def start_attempt(quiz_id: int):
    """Enrolled learners: start an attempt (201) or resume the open one (200)."""
    quiz = quiz_services.get_quiz_for(g.api_user, quiz_id)
    attempt, created = quiz_services.start_attempt(g.api_user, quiz)
    db.session.commit()
    body = {"attempt_id": attempt.id, **attempt_json(attempt, questions=quiz_services.learner_questions(attempt))}
    return jsonify(body), 201 if created else 200


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@token_required()
@answer_limit
def save_answer(attempt_id: int, question_id: int):
    """The attempt's learner: save one answer while the attempt is open."""
    attempt = quiz_services.get_attempt_for(g.api_user, attempt_id)
    feedback = quiz_services.save_answer(attempt, question_id, json_body())
    db.session.commit()
    body = {"attempt_id": attempt.id, "question_id": question_id, "saved": True}
    if feedback is not None:
        body["feedback"] = feedback
    return jsonify(body)


@bp.post("/attempts/<int:attempt_id>/submit")
@token_required()
@submit_limit
def submit_attempt(attempt_id: int):
    """The attempt's learner: grade and close it; repeating returns the same result."""
    attempt = quiz_services.get_attempt_for(g.api_user, attempt_id)
    attempt = quiz_services.submit_attempt(attempt)
    db.session.commit()
    return jsonify(result_json(attempt, quiz_services.review(attempt)))


@bp.get("/attempts/<int:attempt_id>")
@token_required()
def get_attempt(attempt_id: int):
    """The learner, the course's trainers, reviewers and admins."""
    attempt = quiz_services.get_attempt_for(g.api_user, attempt_id, own=False)
    if attempt.status == "open" and quiz_services.close_if_overdue(attempt):
        db.session.commit()
    body = {"attempt_id": attempt.id, "quiz_id": attempt.quiz_id,
            **attempt_json(attempt, answers=quiz_services.saved_answers(attempt))}
    if attempt.status == "submitted":
        body.update(result_json(attempt, quiz_services.review(attempt)))
    return jsonify(body)


@bp.get("/certificates/<code>")
def verify_certificate(code: str):
    """Anyone: check a certificate code ({valid: false} with 404 when unknown or revoked)."""
    certificate = quiz_services.verify_certificate(code)
    if certificate is None:
        return jsonify({"valid": False}), 404
    completed_at = quiz_services.completion_time(certificate)
    return jsonify({"valid": True, "full_name": certificate.user.full_name, "course_title": certificate.course.title,
                    "completed_at": isoformat(completed_at), "code": certificate.code})
