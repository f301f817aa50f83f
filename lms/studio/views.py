"""Trainer studio pages. Every route: trainers (for courses they author or co-author) and
admins; reviewers and learners get 403, anonymous users go to the login page."""
from __future__ import annotations

from datetime import datetime, time, timezone

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.decorators import roles_required
from lms.content import render_markdown
from lms.courses import cohorts
from lms.courses.forms import ActionForm
from lms.courses.models import Module
from lms.errors import Invalid, LMSError
from lms.extensions import db
from lms.formutil import options, show_error
from lms.quizzes.models import Quiz
from lms.regions.services import list_desa, list_jabatan
from lms.studio import analysis, services
from lms.studio import question_formats as formats
from lms.studio.forms import (CoauthorForm, CohortForm, CourseForm, ImageForm, ImportQuestionsForm, LessonForm,
                              PackageImportForm, QuestionForm, QuizForm, TitleForm)
from lms.studio.media import IMAGE_URL_PREFIX, image_path, save_image
from lms.studio.zip_package import export_zip, import_zip, is_zip
from lms.timeutil import local_tz

bp = Blueprint("studio", __name__, url_prefix="/studio")
editor_required = roles_required("trainer", "admin")


# ---------------------------------------------------------------------------- courses
@bp.get("/")
@editor_required
def index():
    """Trainers and admins: the courses they may edit."""
    return render_template("studio/index.html", courses=services.editable_courses(current_user))


@bp.route("/courses/new", methods=["GET", "POST"])
@editor_required
def new_course():
    """Trainers and admins: start a draft course."""
    form = CourseForm()
    if form.validate_on_submit():
        try:
            course = services.create_course(current_user, title=form.title.data, summary=form.summary.data,
                                            pillar=form.pillar.data, level=form.level.data)
            db.session.commit()
            return redirect(url_for("studio.course", course_id=course.id))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err)
    return render_template("studio/course_form.html", form=form, course=None)


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
@editor_required
def course(course_id: int):
    """The course's editors: details, outline, status, co-authors."""
    course = services.course_for_edit(current_user, course_id)
    form = CourseForm(obj=course)
    if form.validate_on_submit():
        try:
            services.update_course(course, title=form.title.data, summary=form.summary.data,
                                   pillar=form.pillar.data, level=form.level.data)
            db.session.commit()
            flash(_("Kursus disimpan."), "success")
            return redirect(url_for("studio.course", course_id=course.id))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err)
    services.load_outline(course)
    quizzes = db.session.scalars(db.select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.position)).all()
    return render_template("studio/course.html", course=course, form=form, action=ActionForm(),
                           module_form=TitleForm(prefix="module"), coauthor_form=CoauthorForm(), quizzes=quizzes,
                           image_form=ImageForm())


@bp.post("/courses/<int:course_id>/status")
@editor_required
def status(course_id: int):
    """The course's editors: publish, archive or return to draft."""
    course = services.course_for_edit(current_user, course_id)
    if ActionForm().validate_on_submit():
        try:
            services.set_status(course, request.form.get("status", ""))
            db.session.commit()
            flash(_("Status kursus diubah."), "success")
        except Invalid as err:
            db.session.rollback()
            flash(err.detail, "error")
    return redirect(url_for("studio.course", course_id=course.id))


@bp.post("/courses/<int:course_id>/coauthors")
@editor_required
def add_coauthor(course_id: int):
    """The course's author and admins: add a co-author."""
    course = services.course_for_edit(current_user, course_id)
    form = CoauthorForm()
    if form.validate_on_submit():
        try:
            services.add_coauthor(course, by=current_user, username=form.username.data)
            db.session.commit()
            flash(_("Penulis pendamping ditambahkan."), "success")
        except (Invalid, LMSError) as err:
            db.session.rollback()
            if err.status == 403:
                raise
            flash(err.detail, "error")
    return redirect(url_for("studio.course", course_id=course.id))


@bp.post("/courses/<int:course_id>/coauthors/<int:user_id>/remove")
@editor_required
def remove_coauthor(course_id: int, user_id: int):
    """The course's author and admins: remove a co-author."""
    course = services.course_for_edit(current_user, course_id)
    if ActionForm().validate_on_submit():
        services.remove_coauthor(course, by=current_user, user_id=user_id)
        db.session.commit()
    return redirect(url_for("studio.course", course_id=course.id))


# ---------------------------------------------------------------------------- modules
@bp.post("/courses/<int:course_id>/modules")
@editor_required
def add_module(course_id: int):
    """The course's editors: add a module."""
    course = services.course_for_edit(current_user, course_id)
    form = TitleForm(prefix="module")
    if form.validate_on_submit():
        services.add_module(course, form.title.data)
        db.session.commit()
    else:
        flash(_("Judul modul wajib diisi."), "error")
    return redirect(url_for("studio.course", course_id=course.id))


@bp.route("/modules/<int:module_id>", methods=["GET", "POST"])
@editor_required
def module(module_id: int):
    """The course's editors: rename a module."""
    module = services.module_for_edit(current_user, module_id)
    form = TitleForm(obj=module)
    if form.validate_on_submit():
        services.rename_module(module, form.title.data)
        db.session.commit()
        return redirect(url_for("studio.course", course_id=module.course_id))
    return render_template("studio/title_form.html", form=form, heading=_("Ubah modul"),
                           back=url_for("studio.course", course_id=module.course_id))


def _move(item, back: str):
    if ActionForm().validate_on_submit():
        services.move(item, request.form.get("direction", ""))
        db.session.commit()
    return redirect(back)


def _confirm_delete(item, what: str, back: str, done: str):
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        services.delete(item)
        db.session.commit()
        flash(_("%(what)s dihapus.", what=what), "success")
        return redirect(done)
    return render_template("studio/confirm_delete.html", form=form, what=what, back=back)


@bp.post("/modules/<int:module_id>/move")
@editor_required
def move_module(module_id: int):
    """The course's editors: move a module up or down."""
    module = services.module_for_edit(current_user, module_id)
    return _move(module, url_for("studio.course", course_id=module.course_id))


@bp.route("/modules/<int:module_id>/delete", methods=["GET", "POST"])
@editor_required
def delete_module(module_id: int):
    """The course's editors: delete a module and its lessons, after confirming."""
    module = services.module_for_edit(current_user, module_id)
    back = url_for("studio.course", course_id=module.course_id)
    return _confirm_delete(module, _("Modul \u201c%(t)s\u201d beserta pelajarannya", t=module.title), back, back)


# ---------------------------------------------------------------------------- lessons
def _lesson_page(form, module: Module, lesson=None, preview_html=None):
    return render_template("studio/lesson_form.html", form=form, module=module, lesson=lesson,
                           preview_html=preview_html, image_form=ImageForm())


@bp.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@editor_required
def new_lesson(module_id: int):
    """The course's editors: write a lesson (with a server-rendered preview)."""
    module = services.module_for_edit(current_user, module_id)
    form = LessonForm()
    if form.validate_on_submit():
        if form.preview.data:
            return _lesson_page(form, module, preview_html=render_markdown(form.body_markdown.data))
        try:
            services.save_lesson(module, title=form.title.data, body_markdown=form.body_markdown.data,
                                 minutes=form.minutes.data)
            db.session.commit()
            flash(_("Pelajaran disimpan."), "success")
            return redirect(url_for("studio.course", course_id=module.course_id))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err)
    return _lesson_page(form, module)


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
@editor_required
def lesson(lesson_id: int):
    """The course's editors: edit a lesson (learners' progress on it is kept)."""
    lesson = services.lesson_for_edit(current_user, lesson_id)
    form = LessonForm(obj=lesson)
    if form.validate_on_submit():
        if form.preview.data:
            return _lesson_page(form, lesson.module, lesson, render_markdown(form.body_markdown.data))
        try:
            services.save_lesson(lesson.module, title=form.title.data, body_markdown=form.body_markdown.data,
                                 minutes=form.minutes.data, lesson=lesson)
            db.session.commit()
            flash(_("Pelajaran disimpan."), "success")
            return redirect(url_for("studio.course", course_id=lesson.course_id))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err)
    return _lesson_page(form, lesson.module, lesson)


@bp.post("/lessons/<int:lesson_id>/move")
@editor_required
def move_lesson(lesson_id: int):
    """The course's editors: move a lesson up or down within its module."""
    lesson = services.lesson_for_edit(current_user, lesson_id)
    return _move(lesson, url_for("studio.course", course_id=lesson.course_id))


@bp.route("/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
@editor_required
def delete_lesson(lesson_id: int):
    """The course's editors: delete a lesson after confirming (it leaves the percentages)."""
    lesson = services.lesson_for_edit(current_user, lesson_id)
    back = url_for("studio.course", course_id=lesson.course_id)
    return _confirm_delete(lesson, _("Pelajaran \u201c%(t)s\u201d", t=lesson.title), back, back)


@bp.post("/courses/<int:course_id>/images")
@editor_required
def upload_image(course_id: int):
    """The course's editors: upload an image; shows the Markdown to paste into a lesson."""
    course = services.course_for_edit(current_user, course_id)
    form = ImageForm()
    back = request.form.get("back") or url_for("studio.course", course_id=course.id)
    if not back.startswith("/studio/"):
        back = url_for("studio.course", course_id=course.id)
    if form.validate_on_submit() and form.image.data:
        try:
            name = save_image(form.image.data.read())
            markdown = f"![{form.alt.data}]({IMAGE_URL_PREFIX}{name})"  # alt_text made it safe inside ![...]
            flash(_("Gambar diunggah. Salin ke isi pelajaran: %(md)s", md=markdown), "success")
        except Invalid as err:
            flash(err.detail, "error")
    else:
        flash(_("Pilih berkas gambar dan tulis teks alternatifnya."), "error")
    return redirect(back)


# ---------------------------------------------------------------------------- quizzes
def _quiz_form_choices(form: QuizForm, course) -> None:
    form.module_id.choices = options([("", _("Ujian akhir kursus"))] + [
        (str(m.id), _("Modul %(n)d: %(t)s", n=i + 1, t=m.title)) for i, m in enumerate(course.modules)])


def _settings(form: QuizForm) -> services.QuizSettings:
    return services.QuizSettings(
        title=form.title.data, module_id=int(form.module_id.data) if form.module_id.data else None,
        practice=form.practice.data, pass_percent=form.pass_percent.data, max_attempts=form.max_attempts.data,
        retry_after_hours=form.retry_after_hours.data, time_limit_minutes=form.time_limit_minutes.data,
        shuffle_questions=form.shuffle_questions.data, shuffle_choices=form.shuffle_choices.data,
        questions_per_attempt=form.questions_per_attempt.data,
        one_question_per_page=form.one_question_per_page.data, review=form.review.data)


@bp.route("/courses/<int:course_id>/quizzes/new", methods=["GET", "POST"])
@editor_required
def new_quiz(course_id: int):
    """The course's editors: add a module quiz or a final test."""
    course = services.course_for_edit(current_user, course_id)
    form = QuizForm(module_id=request.args.get("module_id", ""))
    _quiz_form_choices(form, course)
    if form.validate_on_submit():
        try:
            quiz = services.save_quiz(course, _settings(form))
            db.session.commit()
            return redirect(url_for("studio.quiz", quiz_id=quiz.id))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err)
    return render_template("studio/quiz_form.html", form=form, course=course, quiz=None)


@bp.route("/quizzes/<int:quiz_id>", methods=["GET", "POST"])
@editor_required
def quiz(quiz_id: int):
    """The course's editors: quiz settings and its questions."""
    quiz = services.quiz_for_edit(current_user, quiz_id)
    form = QuizForm(obj=quiz, module_id=str(quiz.module_id or ""))
    _quiz_form_choices(form, quiz.course)
    if form.validate_on_submit():
        try:
            services.save_quiz(quiz.course, _settings(form), quiz)
            db.session.commit()
            flash(_("Pengaturan kuis disimpan."), "success")
            return redirect(url_for("studio.quiz", quiz_id=quiz.id))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err)
    return render_template("studio/quiz.html", form=form, quiz=quiz, course=quiz.course, action=ActionForm())


@bp.route("/quizzes/<int:quiz_id>/delete", methods=["GET", "POST"])
@editor_required
def delete_quiz(quiz_id: int):
    """The course's editors: delete a quiz (with its attempts) after confirming."""
    quiz = services.quiz_for_edit(current_user, quiz_id)
    form = ActionForm()
    back = url_for("studio.course", course_id=quiz.course_id)
    if request.method == "POST" and form.validate_on_submit():
        db.session.delete(quiz)
        db.session.commit()
        flash(_("Kuis dihapus."), "success")
        return redirect(back)
    return render_template("studio/confirm_delete.html", form=form, back=back,
                           what=_("Kuis \u201c%(t)s\u201d beserta semua percobaannya", t=quiz.title))


def _question_spec(form: QuestionForm) -> dict:
    spec = {"type": form.type.data, "text": form.text.data.strip(), "points": float(form.points.data),
            "explanation": (form.explanation.data or "").strip()}
    if form.type.data == "short_text":
        spec["answers"] = [line.strip() for line in (form.answers.data or "").splitlines() if line.strip()]
    elif form.type.data == "true_false":
        right = next((entry.form.correct.data for entry in form.choices if entry.form.text.data), True)
        feedback = [entry.form.feedback.data or "" for entry in form.choices][:2] + ["", ""]
        spec["choices"] = [{"text": "Benar", "correct": bool(right), "feedback": feedback[0]},
                           {"text": "Salah", "correct": not right, "feedback": feedback[1]}]
    else:
        spec["choices"] = [{"text": e.form.text.data.strip(), "correct": bool(e.form.correct.data),
                            "feedback": (e.form.feedback.data or "").strip()}
                           for e in form.choices if e.form.text.data and e.form.text.data.strip()]
    return spec


def _question_page(quiz, question=None):
    form = QuestionForm()
    if request.method == "GET" and question is not None:
        form.type.data, form.text.data, form.points.data = question.type, question.text, int(question.points)
        form.explanation.data, form.answers.data = question.explanation, "\n".join(question.answers or [])
        for entry, choice in zip(form.choices, question.choices):
            entry.form.text.data, entry.form.correct.data, entry.form.feedback.data = \
                choice.text, choice.correct, choice.feedback
    elif request.method == "GET":
        form.type.data = request.args.get("type", "single")
    if form.validate_on_submit():
        try:
            services.save_question(quiz, _question_spec(form), question)
            db.session.commit()
            flash(_("Soal disimpan."), "success")
            return redirect(url_for("studio.quiz", quiz_id=quiz.id))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err)
    return render_template("studio/question_form.html", form=form, quiz=quiz, question=question)


@bp.route("/quizzes/<int:quiz_id>/questions/new", methods=["GET", "POST"])
@editor_required
def new_question(quiz_id: int):
    """The course's editors: write a question of any type."""
    return _question_page(services.quiz_for_edit(current_user, quiz_id))


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@editor_required
def question(question_id: int):
    """The course's editors: edit a question."""
    question = services.question_for_edit(current_user, question_id)
    return _question_page(question.quiz, question)


@bp.post("/questions/<int:question_id>/move")
@editor_required
def move_question(question_id: int):
    """The course's editors: move a question up or down."""
    question = services.question_for_edit(current_user, question_id)
    return _move(question, url_for("studio.quiz", quiz_id=question.quiz_id))


@bp.route("/questions/<int:question_id>/delete", methods=["GET", "POST"])
@editor_required
def delete_question(question_id: int):
    """The course's editors: delete a question after confirming."""
    question = services.question_for_edit(current_user, question_id)
    back = url_for("studio.quiz", quiz_id=question.quiz_id)
    return _confirm_delete(question, _("Soal"), back, back)


@bp.route("/quizzes/<int:quiz_id>/import", methods=["GET", "POST"])
@editor_required
def import_questions(quiz_id: int):
    """The course's editors: import questions from GIFT, Aiken or a spreadsheet (preview first)."""
    quiz = services.quiz_for_edit(current_user, quiz_id)
    form = ImportQuestionsForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data.read() if form.file.data else b""
        if form.format.data == "spreadsheet":
            result = formats.parse_spreadsheet(upload, getattr(form.file.data, "filename", "") or "")
        else:
            text = upload.decode("utf-8", "replace") if upload else (form.text.data or "")
            result = formats.parse_gift(text) if form.format.data == "gift" else formats.parse_aiken(text)
        if form.submit.data and result.ok:
            count = services.add_questions(quiz, result.questions)
            db.session.commit()
            flash(_("%(n)d soal diimpor.", n=count), "success")
            return redirect(url_for("studio.quiz", quiz_id=quiz.id))
        if form.submit.data:
            flash(_("Tidak ada yang diimpor: perbaiki dulu semua kesalahan."), "error")
    return render_template("studio/import_questions.html", form=form, quiz=quiz, result=result)


@bp.get("/quizzes/<int:quiz_id>/export.gift")
@editor_required
def export_gift(quiz_id: int):
    """The course's editors: download the quiz's questions as GIFT."""
    quiz = services.quiz_for_edit(current_user, quiz_id)
    text = formats.export_gift([services.export_question(q) for q in services.quiz_questions(quiz)])
    return Response(text, mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="kuis-{quiz.id}.gift.txt"'})


@bp.get("/question-template.<ext>")
@editor_required
def question_template(ext: str):
    """Trainers and admins: the spreadsheet template for question import."""
    if ext == "xlsx":
        return Response(formats.spreadsheet_template_xlsx(),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="templat-soal.xlsx"'})
    if ext == "csv":
        return Response("\ufeff" + formats.spreadsheet_template_csv(), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="templat-soal.csv"'})
    abort(404)


@bp.get("/quizzes/<int:quiz_id>/analysis")
@editor_required
def item_analysis(quiz_id: int):
    """The course's editors: item analysis of a quiz."""
    quiz = services.quiz_for_edit(current_user, quiz_id)
    return render_template("studio/analysis.html", quiz=quiz, stats=analysis.quiz_analysis(quiz))


# ---------------------------------------------------------------------------- packages
@bp.get("/courses/<int:course_id>/package.zip")
@editor_required
def export_package(course_id: int):
    """The course's editors: download the course as a package (course.json + images)."""
    course = services.course_for_edit(current_user, course_id)
    return Response(export_zip(course), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{course.slug}.zip"'})


@bp.route("/packages/import", methods=["GET", "POST"])
@editor_required
def import_package():
    """Trainers and admins: import a course package as a new draft or a new version."""
    form = PackageImportForm()
    if form.validate_on_submit():
        data = form.package.data.read() if form.package.data else b""
        try:
            if is_zip(data):
                course = import_zip(data, user=current_user, as_new_draft=form.as_new_draft.data)
            else:
                course = services.import_json_package(current_user, data, as_new_draft=form.as_new_draft.data)
            db.session.commit()
            flash(_("Kursus diimpor."), "success")
            return redirect(url_for("studio.course", course_id=course.id))
        except LMSError as err:  # a bad package, or a slug that belongs to another trainer
            db.session.rollback()
            form.package.errors = [err.message]
    return render_template("studio/import_package.html", form=form)


# ---------------------------------------------------------------------------- cohorts and learners
def _cohort_choices(form: CohortForm) -> None:
    from lms.regions.models import Kecamatan

    kecamatan = db.session.scalars(db.select(Kecamatan).order_by(Kecamatan.nama)).all()
    form.kecamatan_kode.choices = options([("", _("Semua"))] + [(k.kode, k.nama) for k in kecamatan])
    form.desa_kode.choices = options([("", _("Semua"))] + [(d.kode, f"{d.nama} ({d.jenis})") for d in list_desa()])
    form.jabatan_kode.choices = options([("", _("Semua"))] + [(j.kode, j.nama) for j in list_jabatan()])


@bp.route("/courses/<int:course_id>/cohorts", methods=["GET", "POST"])
@editor_required
def cohort(course_id: int):
    """The course's editors: assign the course to everyone matching filters."""
    course = services.course_for_edit(current_user, course_id)
    form = CohortForm()
    _cohort_choices(form)
    counts = None
    if form.validate_on_submit():
        cohort = cohorts.CohortFilter(form.kecamatan_kode.data or None, form.desa_kode.data or None,
                                      form.jabatan_kode.data or None, form.kind.data or None)
        try:
            if form.submit.data:
                due = datetime.combine(form.due_date.data, time(23, 59), tzinfo=local_tz()).astimezone(
                    timezone.utc) if form.due_date.data else None
                added = cohorts.assign(course, cohort, by=current_user, due_at=due, keep_active=form.keep_active.data)
                db.session.commit()
                flash(_("%(n)d orang didaftarkan ke kursus ini.", n=added), "success")
                return redirect(url_for("studio.cohort", course_id=course.id))
            counts = cohorts.preview(course, cohort)
        except Invalid as err:
            db.session.rollback()
            show_error(form, err)
    return render_template("studio/cohorts.html", course=course, form=form, counts=counts,
                           rules=cohorts.rules_for(course), action=ActionForm())


@bp.post("/cohorts/<int:rule_id>/deactivate")
@editor_required
def deactivate_cohort(rule_id: int):
    """The course's editors: stop a cohort rule from enrolling newcomers."""
    from lms.courses.models import CohortRule

    rule = db.session.get(CohortRule, rule_id) or abort(404)
    services.course_for_edit(current_user, rule.course_id)
    if ActionForm().validate_on_submit():
        cohorts.deactivate(rule)
        db.session.commit()
    return redirect(url_for("studio.cohort", course_id=rule.course_id))


@bp.get("/courses/<int:course_id>/learners")
@editor_required
def learners(course_id: int):
    """The course's editors: each learner's progress, filterable by desa and jabatan."""
    course = services.course_for_edit(current_user, course_id)
    desa = request.args.get("desa") or None
    jabatan = request.args.get("jabatan") or None
    rows = services.course_learners(course, desa_kode=desa, jabatan_kode=jabatan)
    return render_template("studio/learners.html", course=course, rows=rows, desa=desa, jabatan=jabatan,
                           desa_list=list_desa(), jabatan_list=list_jabatan())


# ---------------------------------------------------------------------------- media
media_bp = Blueprint("media", __name__)


@media_bp.get("/media/<name>")
@login_required
def image(name: str):
    """Signed-in users: a lesson image (served with nosniff)."""
    path = image_path(name)
    if path is None:
        abort(404)
    response = send_file(path, max_age=31536000)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
