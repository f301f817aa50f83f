"""Quiz pages: overview, attempt (one question per page or all on one), summary, result;
attempt grants for trainers; certificates and their public verification."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.models import User
from lms.courses.forms import ActionForm
from lms.courses.hooks import OutlineItem, outline_item_providers
from lms.courses.services import can_edit_course
from lms.extensions import db
from lms.formutil import options
from lms.i18n import number
from lms.quizzes import services
from lms.quizzes.certificate_pdf import render_certificate
from lms.quizzes.forms import GrantForm
from lms.quizzes.models import Attempt
from lms.security.ratelimit import answer_limit, submit_limit

bp = Blueprint("quizzes", __name__)


def _quiz_items(user, course):
    quizzes = services.course_quizzes(course.id)
    statuses = services.quiz_statuses(user, quizzes)
    for quiz in quizzes:
        status = statuses[quiz.id]
        if quiz.practice:
            meta = _("Latihan, tidak dinilai")
        elif status.best_percent is not None:
            meta = _("Nilai terbaik %(p)s%% (lulus %(m)d%%)", p=number(status.best_percent), m=quiz.pass_percent)
        else:
            meta = _("Nilai lulus %(m)d%%", m=quiz.pass_percent)
        yield OutlineItem(quiz.module_id, quiz.title, url_for("quizzes.overview", quiz_id=quiz.id), meta,
                          status.passed and not quiz.practice)


outline_item_providers.append(_quiz_items)


@bp.get("/quizzes/<int:quiz_id>")
@login_required
def overview(quiz_id: int):
    """Signed-in users who may see the course: the quiz, its rules and the learner's attempts."""
    quiz = services.get_quiz_for(current_user, quiz_id)
    status = services.quiz_statuses(current_user, [quiz])[quiz.id]
    return render_template("quizzes/overview.html", quiz=quiz, status=status, form=ActionForm(),
                           history=services.attempt_history(current_user, quiz), now=services.utcnow(),
                           question_count=len(quiz.questions), can_edit=can_edit_course(current_user, quiz.course))


@bp.post("/quizzes/<int:quiz_id>/start")
@login_required
def start(quiz_id: int):
    """Enrolled learners: start an attempt or resume the open one."""
    quiz = services.get_quiz_for(current_user, quiz_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    attempt, _created = services.start_attempt(current_user, quiz)
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _page_count(attempt: Attempt) -> int:
    return len(attempt.layout) if attempt.quiz.one_question_per_page else 1


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """The attempt's learner: answer questions (a closed attempt shows its result)."""
    attempt = services.get_attempt_for(current_user, attempt_id)
    if attempt.status != "open" or services.close_if_overdue(attempt):
        db.session.commit()
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    pages = _page_count(attempt)
    page = min(max(request.args.get("page", 0, type=int), 0), pages - 1)
    questions = services.learner_questions(attempt)
    shown = questions[page:page + 1] if attempt.quiz.one_question_per_page else questions
    answers = services.saved_answers(attempt)
    feedback = services.practice_feedback(attempt, [q["id"] for q in shown]) if attempt.practice else {}
    return render_template("quizzes/attempt.html", attempt=attempt, quiz=attempt.quiz, questions=shown,
                           answers=answers, page=page, pages=pages, form=ActionForm(), feedback=feedback,
                           number_offset=page if attempt.quiz.one_question_per_page else 0)


def _form_payloads(attempt: Attempt) -> dict[int, dict]:
    """Read the answers of the questions shown on the posted page."""
    types = services.question_types(attempt)
    payloads = {}
    for raw in request.form.getlist("shown"):
        if not raw.isdigit() or int(raw) not in types:
            continue
        qid = int(raw)
        if types[qid] == "short_text":
            payloads[qid] = {"text": request.form.get(f"q_{qid}", "")}
        else:
            values = request.form.getlist(f"q_{qid}")
            payloads[qid] = {"choice_ids": [int(v) for v in values if v.isdigit()]}
    return payloads


@bp.post("/attempts/<int:attempt_id>")
@login_required
@answer_limit
def save_page(attempt_id: int):
    """The attempt's learner: save the answers on this page, then move on."""
    attempt = services.get_attempt_for(current_user, attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if attempt.status == "open" and not services.is_overdue(attempt):
        services.save_answers(attempt, _form_payloads(attempt))
    db.session.commit()
    if attempt.status != "open" or services.close_if_overdue(attempt):
        db.session.commit()
        flash(_("Waktu habis. Jawaban yang tersimpan sudah dinilai."), "info")
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    action = request.form.get("go", "")
    if action == "summary":
        return redirect(url_for("quizzes.summary", attempt_id=attempt.id))
    page = request.form.get("page", 0, type=int)
    target = page + 1 if action == "next" else page - 1 if action == "prev" else page
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=max(target, 0)))


@bp.post("/attempts/<int:attempt_id>/answers/<int:question_id>")
@login_required
@answer_limit
def autosave(attempt_id: int, question_id: int):
    """The attempt's learner (JavaScript): save one answer as soon as it changes."""
    attempt = services.get_attempt_for(current_user, attempt_id)
    payload = _form_payloads(attempt).get(question_id)
    if payload is None:
        abort(400)
    feedback = services.save_answer(attempt, question_id, payload)
    db.session.commit()
    return jsonify({"saved": True, "feedback": feedback})


@bp.get("/attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id: int):
    """The attempt's learner: which questions are answered, and the submit button."""
    attempt = services.get_attempt_for(current_user, attempt_id)
    if attempt.status != "open" or services.close_if_overdue(attempt):
        db.session.commit()
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    questions = services.learner_questions(attempt)
    answered = services.answered_question_ids(attempt)
    return render_template("quizzes/summary.html", attempt=attempt, quiz=attempt.quiz, questions=questions,
                           answered=answered, form=ActionForm())


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
@submit_limit
def submit(attempt_id: int):
    """The attempt's learner: grade and close it (again: the same result)."""
    attempt = services.get_attempt_for(current_user, attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.submit_attempt(attempt)
    db.session.commit()
    return redirect(url_for("quizzes.result", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    """The learner, the course's trainers, reviewers and admins: the graded attempt."""
    attempt = services.get_attempt_for(current_user, attempt_id, own=False)
    if attempt.status == "open" and not services.close_if_overdue(attempt):
        if attempt.user_id == current_user.id:
            return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
        abort(404)
    db.session.commit()
    review = services.review(attempt)
    questions = services.review_questions(attempt) if review else {}
    certificate = services.certificate_for(attempt.user_id, attempt.quiz.course_id)
    return render_template("quizzes/result.html", attempt=attempt, quiz=attempt.quiz, review=review,
                           questions=questions, certificate=certificate)


@bp.route("/quizzes/<int:quiz_id>/grants", methods=["GET", "POST"])
@login_required
def grants(quiz_id: int):
    """The course's author and admins: more attempts for learners who used them up."""
    quiz = services.get_quiz_for(current_user, quiz_id)
    if not can_edit_course(current_user, quiz.course):
        abort(403)
    stuck = services.learners_out_of_attempts(quiz)
    form = GrantForm()
    form.user_ids.choices = options([(user.id, f"{user.full_name} ({user.username})") for user, _used in stuck])
    if form.validate_on_submit():
        learners = list(db.session.scalars(sa.select(User).where(User.id.in_(form.user_ids.data))))
        count = services.grant_attempts(quiz, learners, form.extra_attempts.data, by=current_user)
        db.session.commit()
        flash(_("%(n)d peserta mendapat tambahan kesempatan.", n=count), "success")
        return redirect(url_for("quizzes.grants", quiz_id=quiz.id))
    return render_template("quizzes/grants.html", quiz=quiz, stuck=stuck, form=form)


@bp.get("/certificates/<code>.pdf")
@login_required
def certificate_pdf(code: str):
    """The certificate's owner, reviewers and admins: download the PDF."""
    certificate = services.verify_certificate(code)
    if certificate is None or not (certificate.user_id == current_user.id
                                   or current_user.role in ("admin", "reviewer")):
        abort(404)
    pdf = render_certificate(certificate, completed_at=services.completion_time(certificate),
                             verify_url=url_for("quizzes.verify", code=certificate.code, _external=True))
    filename = f"sertifikat-{certificate.course.slug}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/verify/<code>")
def verify(code: str):
    """Anyone: is this certificate valid? Shows only name, course and date."""
    certificate = services.verify_certificate(code)
    completed_at = services.completion_time(certificate) if certificate else None
    return render_template("quizzes/verify.html", certificate=certificate, code=code,
                           completed_at=completed_at), 200 if certificate else 404
