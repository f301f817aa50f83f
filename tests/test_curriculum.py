"""The course manifests shipped in content/courses load through the real importer and teach enough."""
import json
import re
from pathlib import Path

import pytest

from lms.packages import import_package as import_manifest, validate as validate_manifest

CONTENT = Path(__file__).resolve().parent.parent / "content" / "courses"
FILES = sorted(CONTENT.glob("*.json"))


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def test_the_first_course_is_shipped():
    data = _load(CONTENT / "keamanan-digital-perangkat-desa.json")
    course = data["course"]
    assert course["title"] == "Keamanan Digital untuk Perangkat Desa"
    assert course["pillar"] == "aman" and course["status"] == "published"
    assert 3 <= len(course["modules"]) <= 4
    assert all(2 <= len(m["lessons"]) <= 4 for m in course["modules"])


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_manifest_is_valid_and_imports(path, db):
    data = _load(path)
    assert validate_manifest(data) == []
    course = import_manifest(data)
    assert course.slug == path.stem
    db.session.rollback()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_lesson_has_at_least_300_words(path):
    for module in _load(path)["course"]["modules"]:
        for lesson in module["lessons"]:
            assert words(lesson["body_markdown"]) >= 300, lesson["title"]


def test_slugs_are_unique():
    slugs = [_load(p)["course"]["slug"] for p in FILES]
    assert len(slugs) == len(set(slugs))


def test_the_first_course_has_a_quiz_per_module_and_a_final_quiz():
    course = _load(CONTENT / "keamanan-digital-perangkat-desa.json")["course"]
    for module in course["modules"]:
        assert len(module["quizzes"]) == 1
        assert len(module["quizzes"][0]["questions"]) >= 5
    assert len(course["quizzes"]) == 1 and course["quizzes"][0].get("pass_percent", 70) == 70
    for quiz in [m["quizzes"][0] for m in course["modules"]] + course["quizzes"]:
        assert all(q.get("explanation", "").strip() for q in quiz["questions"])
