"""The course manifest: validation with field paths, import, re-import keeping progress."""
import copy

import pytest
import sqlalchemy as sa

from lms.courses import services
from lms.packages import export_package as export_manifest, import_package as import_manifest, validate as validate_manifest
from lms.courses.models import Course, Lesson, LessonProgress
from lms.errors import Invalid
from tests.factories import make_user, manifest
from tests.markup import executable_markup


def _problem(data):
    problems = validate_manifest(data)
    assert problems, "expected the manifest to be rejected"
    return problems[0]


@pytest.mark.parametrize("mutate,field", [
    (lambda m: m.update(format="scorm"), "format"),
    (lambda m: m.update(version=2), "version"),
    (lambda m: m["course"].update(extra=1), "course.extra"),
    (lambda m: m["course"].pop("title"), "course.title"),
    (lambda m: m["course"].update(title="   "), "course.title"),
    (lambda m: m["course"].update(pillar="sosial"), "course.pillar"),
    (lambda m: m["course"].update(modules=[]), "course.modules"),
    (lambda m: m["course"]["modules"][1]["lessons"][0].pop("title"), "course.modules[1].lessons[0].title"),
    (lambda m: m["course"]["modules"][0]["lessons"][1].update(minutes="lima"), "course.modules[0].lessons[1].minutes"),
    (lambda m: m["course"]["modules"][1].update(lessons=[]), "course.modules[1].lessons"),
    (lambda m: m["course"]["modules"][0]["lessons"][0].update(video="x"), "course.modules[0].lessons[0].video"),
    (lambda m: m["course"].update(slug="Bukan Slug"), "course.slug"),
])
def test_bad_manifest_is_rejected_with_field_path(mutate, field):
    """Each kind of bad manifest names the path of the bad field."""
    data = manifest("uji")
    mutate(data)
    assert _problem(data)["field"] == field


def test_bad_manifest_writes_nothing(db):
    """A rejected import leaves the database as it was."""
    data = manifest("uji")
    data["course"]["modules"][1]["lessons"][0]["title"] = ""
    with pytest.raises(Invalid) as err:
        import_manifest(data)
    assert "course.modules[1].lessons[0].title" in err.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_non_object_manifest_is_rejected():
    assert validate_manifest([1, 2])[0]["field"] == "(root)"


def test_import_renders_markdown_to_sanitized_html(db):
    """Lesson Markdown is rendered once at import, with raw HTML and script URLs removed."""
    data = manifest("aman")
    data["course"]["modules"][0]["lessons"][0]["body_markdown"] = (
        "# Judul\n\n<script>alert(1)</script>\n\n[klik](javascript:alert(1)) **tebal**\n\n<img src=x onerror=alert(1)>")
    course = import_manifest(data)
    html = course.modules[0].lessons[0].body_html
    assert "<h1>Judul</h1>" in html and "<strong>tebal</strong>" in html
    assert executable_markup(html) == []
    assert "&lt;script&gt;" in html  # shown as text, not run


def test_reimport_replaces_content_and_keeps_progress_on_lessons_that_remain(db):
    """Re-importing a slug keeps progress on matching lessons and drops removed ones."""
    learner = make_user()
    course = import_manifest(manifest("ulang", modules=2, lessons=2))
    services.enroll(learner, course)
    kept, dropped = course.modules[0].lessons[0], course.modules[1].lessons[1]
    for lesson in (kept, dropped):
        services.complete_lesson(learner, lesson)
    db.session.commit()
    kept_id = kept.id

    data = manifest("ulang", modules=2, lessons=2)
    data["course"]["title"] = "Judul Baru"
    data["course"]["modules"][1]["lessons"][1]["title"] = "Pelajaran pengganti"
    data["course"]["modules"][0]["lessons"][0]["body_markdown"] = "Isi yang diperbarui."
    course = import_manifest(data)
    db.session.commit()

    assert course.title == "Judul Baru"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 1
    lesson_ids = set(db.session.scalars(sa.select(Lesson.id).where(Lesson.course_id == course.id)))
    assert kept_id in lesson_ids and len(lesson_ids) == 4
    progress = set(db.session.scalars(sa.select(LessonProgress.lesson_id)))
    assert progress == {kept_id}
    assert "diperbarui" in db.session.get(Lesson, kept_id).body_html
    assert services.progress_for(learner, [course])[0].percent == 25.0


def test_reimport_with_fewer_modules_removes_the_rest(db):
    course = import_manifest(manifest("susut", modules=3, lessons=1))
    import_manifest(manifest("susut", modules=1, lessons=1))
    db.session.commit()
    db.session.expire_all()
    assert [m.title for m in db.session.get(Course, course.id).modules] == ["Modul 1"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lesson)) == 1


def test_export_then_import_gives_the_same_manifest(db):
    data = manifest("bolak-balik", modules=2, lessons=3)
    course = import_manifest(copy.deepcopy(data))
    assert export_manifest(course) == data
