"""The course part of the manifest: JSON Schema validation, writing and exporting
the course, its modules and lessons.

The whole package (with quizzes) is imported by ``lms.packages``, which calls these
functions and the quiz part in ``lms.quizzes.manifest``; nothing else writes content.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from jsonschema import Draft202012Validator

from lms.auth.models import User
from lms.content import render_markdown
from lms.courses.models import Course, Lesson, Module
from lms.extensions import db

FORMAT = "cakap-desa-course"


def load_schema() -> dict:
    text = resources.files("lms.courses").joinpath("schema", "course-manifest.v1.schema.json").read_text("utf-8")
    return json.loads(text)


_validator = Draft202012Validator(load_schema())


def field_path(parts) -> str:
    """``['course', 'modules', 1, 'title']`` → ``course.modules[1].title``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _describe(error) -> tuple[str, str]:
    """Return (field path, Indonesian message) for one jsonschema error."""
    path = list(error.absolute_path)
    kind = error.validator
    if kind == "required":
        missing = next(p for p in error.validator_value if p not in error.instance)
        return field_path(path + [missing]), _("wajib diisi")
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        return field_path(path + [extra[0]]), _("kunci tidak dikenal")
    if kind in ("enum", "const"):
        options = error.validator_value if kind == "enum" else [error.validator_value]
        return field_path(path), _("nilai harus salah satu dari: %(opts)s", opts=", ".join(map(str, options)))
    if kind == "type":
        names = {"string": _("teks"), "integer": _("bilangan bulat"), "number": _("angka"), "boolean": _("benar/salah"),
                 "array": _("daftar"), "object": _("objek")}
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return field_path(path), _("harus berupa %(t)s", t=" / ".join(names.get(w, w) for w in wanted))
    if kind == "minItems":
        return field_path(path), _("tidak boleh kosong") if error.validator_value == 1 else _(
            "minimal %(n)d butir", n=error.validator_value)
    if kind == "maxItems":
        return field_path(path), _("maksimal %(n)d butir", n=error.validator_value)
    if kind in ("minLength", "pattern") and isinstance(error.instance, str) and not error.instance.strip():
        return field_path(path), _("tidak boleh kosong")
    if kind == "maxLength":
        return field_path(path), _("terlalu panjang (maksimal %(n)d karakter)", n=error.validator_value)
    if kind in ("minimum", "maximum"):
        return field_path(path), _("di luar batas yang diizinkan")
    return field_path(path), _("format tidak valid")


def schema_problems(data: Any) -> list[dict]:
    """Return every JSON Schema problem in ``data`` as ``{"field", "message"}``, in document order."""
    if not isinstance(data, dict):
        return [{"field": "(root)", "message": _("manifest harus berupa objek JSON")}]
    errors = sorted(_validator.iter_errors(data),
                    key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, p) for p in e.absolute_path])
    return [dict(zip(("field", "message"), _describe(e))) for e in errors]


def write_course(spec: dict, *, author: User | None = None) -> Course:
    """Write a validated course spec; an existing slug has its content replaced in place.

    Lessons are matched by (module position, lesson position, title): a match keeps its id,
    so learners' progress on lessons that still exist survives the re-import.
    """
    course = db.session.scalar(sa.select(Course).where(Course.slug == spec["slug"]))
    if course is None:
        course = Course(slug=spec["slug"], author=author)
        db.session.add(course)
    course.title = spec["title"].strip()
    course.summary = spec.get("summary", "")
    course.pillar = spec["pillar"]
    course.level = spec.get("level", "dasar")
    course.status = spec.get("status", "draft")
    db.session.flush()
    _replace_modules(course, spec["modules"])
    db.session.flush()
    return course


def _replace_modules(course: Course, modules_spec: list[dict]) -> None:
    existing = {(m.position, l.position, l.title): l for m in course.modules for l in m.lessons}
    old_modules = {m.position: m for m in course.modules}
    for m_pos, m_spec in enumerate(modules_spec):
        module = old_modules.pop(m_pos, None)
        if module is None:
            module = Module(position=m_pos)
            course.modules.append(module)
        module.title = m_spec["title"].strip()
        keep = []
        for l_pos, l_spec in enumerate(m_spec["lessons"]):
            title = l_spec["title"].strip()
            lesson = existing.pop((m_pos, l_pos, title), None) or Lesson(position=l_pos, title=title)
            lesson.course_id = course.id
            lesson.body_markdown = l_spec["body_markdown"]
            lesson.body_html = render_markdown(l_spec["body_markdown"])
            lesson.minutes = l_spec.get("minutes", 10)
            keep.append(lesson)
        module.lessons = keep  # lessons not kept are deleted with their progress (delete-orphan)
    for module in old_modules.values():
        course.modules.remove(module)


def export_course(course: Course) -> dict:
    """Return the manifest (without quizzes) that, imported again, gives back this course."""
    # Modules with their lessons in two queries, not one query of lessons per module.
    modules = db.session.scalars(sa.select(Module).where(Module.course_id == course.id)
                                 .options(so.selectinload(Module.lessons)).order_by(Module.position)).all()
    return {
        "format": FORMAT,
        "version": 1,
        "course": {
            "slug": course.slug, "title": course.title, "summary": course.summary, "pillar": course.pillar,
            "level": course.level, "status": course.status,
            "modules": [
                {"title": m.title,
                 "lessons": [{"title": l.title, "body_markdown": l.body_markdown, "minutes": l.minutes} for l in m.lessons]}
                for m in modules
            ],
        },
    }
