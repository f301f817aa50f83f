"""Authoring: courses, modules, lessons, quizzes and questions, edited in place.

Edits keep identities (ids), so learners' progress on a lesson that stays survives an edit;
deleting a lesson removes it from the percentages; recorded completions are never touched.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from lms import packages
from lms.auth.models import User
from lms.content import render_markdown
from lms.courses.models import (LEVELS, PILLARS, STATUSES, Course, CourseAuthor, CourseCompletion, Enrollment, Lesson,
                                LessonProgress, Module)
from lms.courses.services import can_edit_course
from lms.errors import Conflict, Forbidden, Invalid, NotFound
from lms.extensions import db
from lms.quizzes.manifest import QUIZ_DEFAULTS, export_question, question_problems, write_questions
from lms.quizzes.models import Attempt, Question, Quiz
from lms.timeutil import as_utc

STATUS_FLOW = {"draft": ("published",), "published": ("archived", "draft"), "archived": ("published",)}


# ---------------------------------------------------------------------------- access
def editable_courses(user: User) -> list[Course]:
    stmt = sa.select(Course).order_by(Course.updated_at.desc(), Course.id.desc())
    if user.role != "admin":
        coauthored = sa.select(CourseAuthor.course_id).where(CourseAuthor.user_id == user.id)
        stmt = stmt.where(sa.or_(Course.author_id == user.id, Course.id.in_(coauthored)))
    return list(db.session.scalars(stmt.options(so.selectinload(Course.coauthors))))


def load_outline(course: Course) -> None:
    """Load the course's modules with their lessons, and its co-authors, in a fixed number of queries."""
    db.session.execute(sa.select(Course).where(Course.id == course.id).options(
        so.selectinload(Course.modules).selectinload(Module.lessons).defer(Lesson.body_markdown).defer(Lesson.body_html),
        so.selectinload(Course.coauthors).joinedload(CourseAuthor.user))
        .execution_options(populate_existing=True)).all()


def course_for_edit(user: User, course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound(_("Kursus tidak ditemukan."))
    if not can_edit_course(user, course):
        raise Forbidden()
    return course


def _owned(user: User, model, item_id: int):
    item = db.session.get(model, item_id)
    if item is None:
        raise NotFound()
    course_id = item.course_id if hasattr(item, "course_id") else item.quiz.course_id
    course_for_edit(user, course_id)
    return item


def module_for_edit(user: User, module_id: int) -> Module:
    return _owned(user, Module, module_id)


def lesson_for_edit(user: User, lesson_id: int) -> Lesson:
    return _owned(user, Lesson, lesson_id)


def quiz_for_edit(user: User, quiz_id: int) -> Quiz:
    return _owned(user, Quiz, quiz_id)


def question_for_edit(user: User, question_id: int) -> Question:
    return _owned(user, Question, question_id)


# ---------------------------------------------------------------------------- courses
def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:70].strip("-")
    return slug or "kursus"


SLUG_MAX = 80


def unique_slug(base: str) -> str:
    """``base`` if no course has it, else the first free ``base-2``, ``base-3``... (at most 80 characters)."""
    taken = set(db.session.scalars(sa.select(Course.slug).where(Course.slug.like(f"{base[:60]}%"))))
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug, n = base[:SLUG_MAX - len(suffix)].rstrip("-") + suffix, n + 1
    return slug


def _check_course_fields(title, pillar, level) -> None:
    if not title or not title.strip():
        raise Invalid(_("Judul wajib diisi."), field="title")
    if pillar not in PILLARS:
        raise Invalid(_("Pilih salah satu pilar."), field="pillar")
    if level not in LEVELS:
        raise Invalid(_("Pilih tingkat kursus."), field="level")


def create_course(user: User, *, title: str, summary: str, pillar: str, level: str) -> Course:
    if user.role not in ("trainer", "admin"):
        raise Forbidden()
    _check_course_fields(title, pillar, level)
    course = Course(slug=unique_slug(slugify(title)), title=title.strip(), summary=summary or "", pillar=pillar,
                    level=level, status="draft", author_id=user.id)
    db.session.add(course)
    db.session.flush()
    return course


def update_course(course: Course, *, title: str, summary: str, pillar: str, level: str) -> None:
    _check_course_fields(title, pillar, level)
    course.title, course.summary, course.pillar, course.level = title.strip(), summary or "", pillar, level


def set_status(course: Course, status: str) -> None:
    """draft → published → archived (and back): publishing needs at least one lesson."""
    if status not in STATUSES or status not in STATUS_FLOW[course.status]:
        raise Invalid(_("Perubahan status ini tidak diizinkan."), field="status")
    if status == "published":
        lessons = db.session.scalar(sa.select(sa.func.count()).select_from(Lesson).where(Lesson.course_id == course.id))
        if not lessons:
            raise Invalid(_("Tambahkan minimal satu pelajaran sebelum menerbitkan."), field="status")
    course.status = status


def add_coauthor(course: Course, *, by: User, username: str) -> CourseAuthor:
    """The author (or an admin) adds a trainer as co-author."""
    if not (by.role == "admin" or course.author_id == by.id):
        raise Forbidden(_("Hanya penulis utama yang dapat menambah penulis pendamping."))
    user = db.session.scalar(sa.select(User).where(User.username == (username or "").strip().lower()))
    if user is None or user.role not in ("trainer", "admin") or not user.active:
        raise Invalid(_("Tidak ada pelatih aktif dengan nama pengguna ini."), field="username")
    if user.id == course.author_id or any(a.user_id == user.id for a in course.coauthors):
        raise Conflict(_("Pengguna ini sudah menjadi penulis kursus."), code="already_author")
    link = CourseAuthor(course_id=course.id, user_id=user.id)
    course.coauthors.append(link)
    db.session.flush()
    return link


def remove_coauthor(course: Course, *, by: User, user_id: int) -> None:
    if not (by.role == "admin" or course.author_id == by.id):
        raise Forbidden()
    for link in list(course.coauthors):
        if link.user_id == user_id:
            course.coauthors.remove(link)


# ---------------------------------------------------------------------------- ordering
def _siblings(item) -> list:
    if isinstance(item, Module):
        return list(db.session.scalars(sa.select(Module).where(Module.course_id == item.course_id)
                                       .order_by(Module.position, Module.id)))
    if isinstance(item, Lesson):
        return list(db.session.scalars(sa.select(Lesson).where(Lesson.module_id == item.module_id)
                                       .order_by(Lesson.position, Lesson.id)))
    if isinstance(item, Question):
        return list(db.session.scalars(sa.select(Question).where(Question.quiz_id == item.quiz_id)
                                       .order_by(Question.position, Question.id)))
    raise TypeError(item)


def _renumber(items: list) -> None:
    for pos, sibling in enumerate(items):
        sibling.position = pos


def move(item, direction: str) -> None:
    """Swap ``item`` with its neighbour ``up`` or ``down`` (positions are renumbered 0..n-1)."""
    items = _siblings(item)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if other is None:
        raise Invalid(_("Arah tidak dikenal."), field="direction")
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    _renumber(items)


def delete(item) -> None:
    """Delete a module, lesson or question and close the gap in the order."""
    items = [i for i in _siblings(item) if i is not item]
    db.session.delete(item)
    _renumber(items)
    db.session.flush()


# ---------------------------------------------------------------------------- modules and lessons
def _title(value: str, field: str = "title") -> str:
    if not value or not value.strip():
        raise Invalid(_("Judul wajib diisi."), field=field)
    if len(value) > 200:
        raise Invalid(_("Judul terlalu panjang (maksimal 200 karakter)."), field=field)
    return value.strip()


def add_module(course: Course, title: str) -> Module:
    position = db.session.scalar(sa.select(sa.func.count()).select_from(Module).where(Module.course_id == course.id))
    module = Module(course_id=course.id, title=_title(title), position=position)
    db.session.add(module)
    db.session.flush()
    return module


def rename_module(module: Module, title: str) -> None:
    module.title = _title(title)


def save_lesson(module: Module, *, title: str, body_markdown: str, minutes: int, lesson: Lesson | None = None) -> Lesson:
    """Create or update a lesson; the HTML is rendered once here through the one sanitizer."""
    if not isinstance(minutes, int) or not 1 <= minutes <= 600:
        raise Invalid(_("Perkiraan waktu 1 sampai 600 menit."), field="minutes")
    if lesson is None:
        position = db.session.scalar(sa.select(sa.func.count()).select_from(Lesson).where(Lesson.module_id == module.id))
        lesson = Lesson(module_id=module.id, course_id=module.course_id, position=position)
        db.session.add(lesson)
    lesson.title = _title(title)
    lesson.body_markdown = body_markdown or ""
    lesson.body_html = render_markdown(lesson.body_markdown)
    lesson.minutes = minutes
    db.session.flush()
    return lesson


# ---------------------------------------------------------------------------- quizzes
@dataclass
class QuizSettings:
    title: str
    module_id: int | None
    practice: bool = False
    pass_percent: int = 70
    max_attempts: int = 0
    retry_after_hours: int | None = None
    time_limit_minutes: int | None = None
    shuffle_questions: bool = False
    shuffle_choices: bool = True
    questions_per_attempt: int | None = None
    one_question_per_page: bool = True
    review: str = "after_submit"


def quiz_questions(quiz: Quiz) -> list[Question]:
    """The quiz's questions with their choices (two queries)."""
    return list(db.session.scalars(sa.select(Question).where(Question.quiz_id == quiz.id)
                                   .options(so.selectinload(Question.choices)).order_by(Question.position)))


def save_quiz(course: Course, settings: QuizSettings, quiz: Quiz | None = None) -> Quiz:
    if settings.module_id is not None and db.session.scalar(sa.select(Module.id).where(
            Module.id == settings.module_id, Module.course_id == course.id)) is None:
        raise Invalid(_("Modul tidak ada di kursus ini."), field="module_id")
    if quiz is None:
        quiz = Quiz(course_id=course.id, position=db.session.scalar(
            sa.select(sa.func.count()).select_from(Quiz).where(Quiz.course_id == course.id)))
        db.session.add(quiz)
    quiz.title = _title(settings.title)
    quiz.module_id = settings.module_id
    for key in QUIZ_DEFAULTS:
        setattr(quiz, key, getattr(settings, key))
    db.session.flush()
    return quiz


def save_question(quiz: Quiz, spec: dict, question: Question | None = None) -> Question:
    """Create or update one question from a manifest-style spec, checked by the same rules as imports."""
    problems = question_problems("question", spec)
    if problems:
        raise Invalid(problems[0]["message"], field=problems[0]["field"].removeprefix("question."))
    specs = [_spec_of(q) for q in quiz.questions]
    if question is None:
        specs.append(spec)
    else:
        specs[quiz.questions.index(question)] = spec
    # write_questions matches by (position, text); the edited one keeps its id unless its text changed.
    if question is not None and question.text != spec["text"]:
        question.text = spec["text"]
    write_questions(quiz, specs)
    db.session.flush()
    return quiz.questions[-1] if question is None else question


def add_questions(quiz: Quiz, specs: list[dict]) -> int:
    """Append imported questions (already validated by the parser) to a quiz."""
    for i, spec in enumerate(specs):
        problems = question_problems(f"questions[{i}]", spec)
        if problems:
            raise Invalid(problems[0]["message"], field=problems[0]["field"])
    write_questions(quiz, [_spec_of(q) for q in quiz.questions] + specs)
    db.session.flush()
    return len(specs)


def _spec_of(question: Question) -> dict:
    return export_question(question)


# ---------------------------------------------------------------------------- learners of a course
def course_learners(course: Course, *, desa_kode: str | None = None, jabatan_kode: str | None = None) -> list[dict]:
    """Each enrolled learner's progress, last activity, quiz results and completion (fixed queries)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Lesson).where(Lesson.course_id == course.id))
    done = (sa.select(LessonProgress.user_id, sa.func.count().label("done"),
                      sa.func.max(LessonProgress.completed_at).label("last_lesson"))
            .where(LessonProgress.course_id == course.id).group_by(LessonProgress.user_id).subquery())
    quiz_ids = sa.select(Quiz.id).where(Quiz.course_id == course.id, Quiz.practice.is_(False))
    tries = (sa.select(Attempt.user_id, sa.func.count().label("attempts"), sa.func.max(Attempt.percent).label("best"),
                       sa.func.max(Attempt.started_at).label("last_attempt"))
             .where(Attempt.quiz_id.in_(quiz_ids), Attempt.status == "submitted")
             .group_by(Attempt.user_id).subquery())
    passed = (sa.select(Attempt.user_id, sa.func.count(sa.distinct(Attempt.quiz_id)).label("passed"))
              .where(Attempt.quiz_id.in_(quiz_ids), Attempt.passed.is_(True)).group_by(Attempt.user_id).subquery())
    stmt = (sa.select(User, Enrollment.enrolled_at, Enrollment.due_at, done.c.done, done.c.last_lesson,
                      tries.c.attempts, tries.c.best, tries.c.last_attempt, passed.c.passed,
                      CourseCompletion.completed_at)
            .join(Enrollment, Enrollment.user_id == User.id)
            .outerjoin(done, done.c.user_id == User.id).outerjoin(tries, tries.c.user_id == User.id)
            .outerjoin(passed, passed.c.user_id == User.id)
            .outerjoin(CourseCompletion, sa.and_(CourseCompletion.user_id == User.id,
                                                 CourseCompletion.course_id == course.id))
            .where(Enrollment.course_id == course.id).order_by(User.full_name))
    if desa_kode:
        stmt = stmt.where(User.desa_kode == desa_kode)
    if jabatan_kode:
        stmt = stmt.where(User.jabatan_kode == jabatan_kode)
    quiz_count = db.session.scalar(sa.select(sa.func.count()).select_from(quiz_ids.subquery()))
    rows = []
    for user, enrolled_at, due_at, n_done, last_lesson, attempts, best, last_attempt, n_passed, completed_at in \
            db.session.execute(stmt).all():
        activity = [t for t in (enrolled_at, last_lesson, last_attempt) if t is not None]
        rows.append({"user": user, "done": n_done or 0, "total": total,
                     "percent": round((n_done or 0) * 100.0 / total, 1) if total else 0.0,
                     "last_activity": max(activity, key=as_utc) if activity else None, "due_at": due_at,
                     "attempts": attempts or 0, "best_percent": best, "quizzes_passed": n_passed or 0,
                     "quiz_count": quiz_count, "completed_at": completed_at})
    return rows



def to_new_draft(data: dict) -> dict:
    """Turn a manifest into a new draft course: status draft, and a free slug if its own is taken."""
    if isinstance(data, dict) and isinstance(data.get("course"), dict) and isinstance(data["course"].get("slug"), str):
        data["course"]["status"] = "draft"
        data["course"]["slug"] = unique_slug(data["course"]["slug"])
    return data


def import_json_package(user: User, raw: bytes, *, as_new_draft: bool) -> Course:
    """Import a bare JSON manifest uploaded in the studio."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        raise Invalid(_("Berkas bukan paket kursus (.zip) atau manifest JSON yang valid."), field="package",
                      code="invalid_package") from err
    return packages.import_as(user, to_new_draft(data) if as_new_draft else data)
