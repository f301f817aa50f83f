"""Builders for test data (plain functions, no extra dependency)."""
from __future__ import annotations

import itertools

from lms.auth.models import User
from lms.auth.services import create_user
from lms.packages import import_package as import_manifest
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


def quiz_spec(title: str = "Kuis", **settings) -> dict:
    """A quiz with one question of each type (5 questions, 1 point each unless said otherwise)."""
    return {
        "title": title, **settings,
        "questions": [
            {"type": "single", "text": "Berapa panjang minimal kata sandi?", "explanation": "BSSN: 12 karakter.",
             "choices": [{"text": "6", "feedback": "Terlalu pendek."}, {"text": "12", "correct": True},
                         {"text": "4"}]},
            {"type": "multiple", "text": "Mana tanda pesan penipuan?", "explanation": "Desakan dan tautan aneh.",
             "choices": [{"text": "Mendesak", "correct": True}, {"text": "Tautan aneh", "correct": True},
                         {"text": "Dari kantor resmi"}, {"text": "Ejaan rapi"}]},
            {"type": "true_false", "text": "Kode OTP boleh dibagikan.", "explanation": "Jangan pernah.",
             "choices": [{"text": "Benar"}, {"text": "Salah", "correct": True}]},
            {"type": "short_text", "text": "Batas waktu lapor kebocoran (jam)?", "explanation": "3 x 24 jam.",
             "answers": ["72 jam", "3 x 24 jam"]},
            {"type": "single", "text": "Cadangan disimpan di berapa tempat?", "explanation": "Aturan 3-2-1.",
             "choices": [{"text": "1"}, {"text": "2"}, {"text": "3", "correct": True}]},
        ],
    }


def make_quiz_course(slug: str | None = None, *, module_quiz: dict | None = None, final_quiz: dict | None = None,
                     lessons: int = 1, author: User | None = None, status: str = "published") -> Course:
    """A one-module course with a module quiz (and optionally a final quiz)."""
    data = manifest(slug, modules=1, lessons=lessons, status=status)
    data["course"]["modules"][0]["quizzes"] = [module_quiz or quiz_spec()]
    if final_quiz:
        data["course"]["quizzes"] = [final_quiz]
    course = import_manifest(data, author=author)
    db.session.commit()
    return course


def right_answers(questions: list[dict], db_questions) -> dict:
    """Payloads answering every learner-visible question correctly (looked up on the server side)."""
    by_id = {q.id: q for q in db_questions}
    out = {}
    for q in questions:
        question = by_id[q["id"]]
        if question.type == "short_text":
            out[q["id"]] = {"text": question.answers[0]}
        else:
            out[q["id"]] = {"choice_ids": [c.id for c in question.choices if c.correct]}
    return out
