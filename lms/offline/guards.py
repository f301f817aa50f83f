"""Checks on replayed actions that a fresh request does not need.

A queued quiz answer is replayed with ``Cakap-Queued-Age: <seconds>``: how long ago, by the
browser's own clock, the learner gave it. The server turns that into a moment on its own clock
(now − age), so the two clocks never need to agree. If a newer answer to the same question was
saved after that moment (on another device, or online before the queue was replayed), the old one
is refused with 409 ``stale_answer`` instead of overwriting it. Closed or overdue attempts are left
to the view, which refuses them with 409 ``attempt_closed``: the server's deadline is the truth.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask_babel import gettext as _

from lms.extensions import db
from lms.quizzes.models import Answer, Attempt

AGE_HEADER = "Cakap-Queued-Age"
MAX_AGE = timedelta(days=30)


def queued_at(now: datetime) -> datetime | None:
    """When the replayed action was taken, on the server's clock (None for a fresh request)."""
    raw = request.headers.get(AGE_HEADER)
    try:
        age = timedelta(seconds=float(raw)) if raw else None
    except (ValueError, OverflowError):
        return None
    if age is None or not timedelta(0) <= age <= MAX_AGE:
        return None
    return now - age


def newer_answer_saved(user_id: int, attempt_id: int, question_id: int, since: datetime) -> bool:
    """Has the learner's open attempt an answer to this question saved after ``since``?"""
    return db.session.scalar(
        sa.select(Answer.id).join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.id == attempt_id, Attempt.user_id == user_id, Attempt.status == "open",
               Answer.question_id == question_id, Answer.saved_at > since).limit(1)) is not None


def _stale_answer(user_id: int, view_args: dict, now: datetime) -> Response | None:
    since = queued_at(now)
    if since is None or not newer_answer_saved(user_id, view_args["attempt_id"], view_args["question_id"], since):
        return None
    response = jsonify({"error": {"code": "stale_answer", "message": _(
        "Jawaban yang lebih baru untuk soal ini sudah tersimpan; jawaban offline yang lebih lama tidak dipakai.")}})
    response.status_code = 409
    return response


GUARDS = {"quizzes.autosave": _stale_answer}


def check(endpoint: str, user_id: int, view_args: dict, now: datetime) -> Response | None:
    """Run the endpoint's guard; a response means "refused, and this is the answer"."""
    guard = GUARDS.get(endpoint)
    return guard(user_id, view_args, now) if guard else None
