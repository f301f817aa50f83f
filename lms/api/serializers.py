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


def course_detail(outline: Outline) -> dict:
    course = outline.course
    return {
        "id": course.id, "slug": course.slug, "title": course.title, "summary": course.summary,
        "pillar": course.pillar, "level": course.level, "status": course.status,
        "progress_percent": outline.progress.percent,
        "modules": [
            {"id": m.id, "title": m.title,
             "lessons": [{"id": l.id, "title": l.title, "minutes": l.minutes,
                          "completed": l.id in outline.completed_lesson_ids} for l in m.lessons]}
            for m in outline.modules
        ],
    }
