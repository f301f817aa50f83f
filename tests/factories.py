"""Builders for test data (plain functions, no extra dependency)."""
from __future__ import annotations

import itertools

from lms.auth.models import User
from lms.auth.services import create_user
from lms.courses.manifest import import_manifest
from lms.courses.models import Course
from lms.extensions import db

PASSWORD = "kata-sandi-rahasia-123"
_seq = itertools.count(1)


def make_user(role: str = "learner", *, username: str | None = None, commit: bool = True, **kw) -> User:
    n = next(_seq)
    values = {"username": username or f"{role}{n}", "full_name": kw.pop("full_name", f"Pengguna {n}"),
              "password": kw.pop("password", PASSWORD), "role": role, "kind": kw.pop("kind", "perangkat"),
              "jabatan": kw.pop("jabatan", "SEKDES"), "desa_kode": kw.pop("desa_kode", "51.03.02.2001")}
    user = create_user(**values, **kw)
    if commit:
        db.session.commit()
    return user


def manifest(slug: str | None = None, *, modules: int = 2, lessons: int = 2, status: str = "published",
             pillar: str = "aman", title: str | None = None) -> dict:
    slug = slug or f"kursus-{next(_seq)}"
    return {
        "format": "cakap-desa-course", "version": 1,
        "course": {
            "slug": slug, "title": title or f"Kursus {slug}", "summary": "Ringkasan kursus.", "pillar": pillar,
            "level": "dasar", "status": status,
            "modules": [
                {"title": f"Modul {m + 1}",
                 "lessons": [{"title": f"Pelajaran {m + 1}.{i + 1}", "body_markdown": f"Isi **{m + 1}.{i + 1}**.",
                              "minutes": 5} for i in range(lessons)]}
                for m in range(modules)
            ],
        },
    }


def make_course(slug: str | None = None, *, author: User | None = None, commit: bool = True, **kw) -> Course:
    course = import_manifest(manifest(slug, **kw), author=author)
    if commit:
        db.session.commit()
    return course
