"""Learner pages: dashboard, catalogue, course and lesson."""
from __future__ import annotations

import re
from typing import NamedTuple

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.courses import services
from lms.courses.forms import ActionForm
from lms.courses.hooks import outline_items
from lms.courses.models import PILLARS
from lms.errors import NotFound
from lms.extensions import db
from lms.i18n import number

bp = Blueprint("courses", __name__)


@bp.get("/")
@login_required
def dashboard():
    """Signed-in users: their enrolled courses with progress."""
    return render_template("courses/dashboard.html", entries=services.dashboard(current_user))


@bp.get("/courses/")
@login_required
def catalogue():
    """Signed-in users: published courses, optionally of one pillar."""
    pillar = request.args.get("pillar")
    pillar = pillar if pillar in PILLARS else None
    return render_template("courses/catalogue.html", entries=services.catalogue(current_user, pillar=pillar),
                           pillar=pillar, form=ActionForm())


@bp.get("/courses/<slug>")
@login_required
def detail(slug: str):
    """Signed-in users who may see the course (drafts: author and admin)."""
    course = services.get_course_for(current_user, slug=slug)
    return render_template("courses/detail.html", outline=services.outline(current_user, course), form=ActionForm(),
                           extra_items=outline_items(current_user, course), summary=split_summary(course.summary))


SHORT_SUMMARY = 200  # characters: about five lines on a 360 px phone


class Summary(NamedTuple):
    lead: str
    rest: str


def split_summary(text: str | None, limit: int = SHORT_SUMMARY) -> Summary:
    """Split a long summary after its first sentence (or at a word near ``limit``) so the rest can fold away."""
    text = (text or "").strip()
    if len(text) <= limit:
        return Summary(text, "")
    # The first sentence end that leaves a lead of 40..limit characters ("UU No. 27" further on is not one).
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s)", text[: limit + 1]) if m.end() >= 40]
    if ends:
        return Summary(text[: ends[0]], text[ends[0]:].strip())
    cut = text.rfind(" ", 0, limit)
    cut = cut if cut > 0 else limit
    return Summary(text[:cut].rstrip() + "…", "…" + text[cut:].strip())


@bp.post("/courses/<slug>/enroll")
@login_required
def enroll(slug: str):
    """Signed-in users: enrol in a published course."""
    course = services.get_course_for(current_user, slug=slug)
    if ActionForm().validate_on_submit():
        if services.enroll(current_user, course):
            flash(_("Anda terdaftar di kursus ini. Selamat belajar!"), "success")
        db.session.commit()
    return redirect(url_for("courses.detail", slug=course.slug))


@bp.get("/courses/<slug>/lessons/<int:lesson_id>")
@login_required
def lesson(slug: str, lesson_id: int):
    """Signed-in users who may see the course: read a lesson."""
    lesson = services.get_lesson_for(current_user, lesson_id)
    if lesson.module.course.slug != slug:
        raise NotFound()
    outline = services.outline(current_user, lesson.module.course)
    lessons = outline.lessons()
    index = next(i for i, item in enumerate(lessons) if item.id == lesson.id)
    return render_template(
        "courses/lesson.html", lesson=lesson, outline=outline, form=ActionForm(),
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None)


@bp.post("/courses/<slug>/lessons/<int:lesson_id>/complete")
@login_required
def complete_lesson(slug: str, lesson_id: int):
    """Enrolled learners: mark a lesson complete, then go on to the next one."""
    lesson = services.get_lesson_for(current_user, lesson_id)
    if lesson.module.course.slug != slug:
        raise NotFound()
    if ActionForm().validate_on_submit():
        progress = services.complete_lesson(current_user, lesson)
        db.session.commit()
        if progress.completed_at:
            flash(_("Selamat! Anda telah menyelesaikan kursus ini."), "success")
        else:
            flash(_("Pelajaran ditandai selesai. Kemajuan: %(p)s%%", p=number(progress.percent)), "success")
    target = request.form.get("next_lesson_id", type=int)
    if target:
        return redirect(url_for("courses.lesson", slug=slug, lesson_id=target))
    return redirect(url_for("courses.detail", slug=slug))
