"""A course as a .zip: round trip with images, new drafts and versions, and unsafe archives refused."""
import io
import json
import os
import re
import struct
import warnings
import zipfile

import pytest
import sqlalchemy as sa
from PIL import Image

from lms.courses import services
from lms.courses.models import Course, Lesson, LessonProgress
from lms.errors import Forbidden, Invalid
from lms.packages import export_package, import_package
from lms.studio import media
from lms.studio.zip_package import export_zip, import_zip, is_zip
from tests.factories import make_user, manifest, quiz_spec

MEDIA_NAME = re.compile(r"/media/[A-Za-z0-9_-]{22}\.(?:png|jpg|webp)")


def png(color=(30, 120, 200), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def build_zip(entries, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """``entries``: (name, bytes) pairs or a dict; names are written exactly as given."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are written on purpose in one test
        with zipfile.ZipFile(out, "w", compression=compression) as zf:
            for name, data in (entries.items() if isinstance(entries, dict) else entries):
                zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return out.getvalue()


def manifest_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def course_count():
    return sa.select(sa.func.count()).select_from(Course)


def counts(db) -> tuple:
    return (db.session.scalar(course_count()),
            db.session.scalar(sa.select(sa.func.count()).select_from(Lesson)),
            frozenset(os.listdir(media.images_folder())) if media.images_folder().exists() else frozenset())


def pixels(path) -> bytes:
    with Image.open(path) as image:
        return image.convert("RGB").tobytes()


@pytest.fixture
def trainer():
    return make_user("trainer")


@pytest.fixture
def illustrated(db, trainer):
    """A published course (with a quiz) whose two lessons show two uploaded images."""
    a, b = media.save_image(png((200, 30, 30))), media.save_image(png((30, 200, 30), (80, 20)))
    data = manifest("desa-foto", modules=1, lessons=2)
    lessons = data["course"]["modules"][0]["lessons"]
    lessons[0]["body_markdown"] = f"# Peta\n\n![Peta desa](/media/{a})\n\nLagi: ![peta](/media/{a})"
    lessons[1]["body_markdown"] = f"Kantor:\n\n![Kantor desa](/media/{b} \"Kantor **desa**\")\n\n[luar](https://contoh.id/x.png)"
    data["course"]["modules"][0]["quizzes"] = [quiz_spec("Kuis foto")]
    course = import_package(data, author=trainer)
    db.session.commit()
    return course, a, b


def read_zip(data: bytes) -> tuple[dict, dict]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    return json.loads(files.pop("course.json").decode("utf-8")), files


# --- export -----------------------------------------------------------------------------------

def test_export_holds_the_manifest_with_relative_references_and_the_images(illustrated):
    """The zip holds course.json with images/<name> references and each shown image, byte for byte."""
    course, a, b = illustrated
    data = export_zip(course)
    assert is_zip(data)
    manifest_in_zip, files = read_zip(data)
    assert set(files) == {f"images/{a}", f"images/{b}"}
    assert files[f"images/{a}"] == media.image_path(a).read_bytes()
    assert files[f"images/{b}"] == media.image_path(b).read_bytes()
    bodies = [l["body_markdown"] for l in manifest_in_zip["course"]["modules"][0]["lessons"]]
    assert bodies[0] == f"# Peta\n\n![Peta desa](images/{a})\n\nLagi: ![peta](images/{a})"
    assert bodies[1].startswith(f"Kantor:\n\n![Kantor desa](images/{b} \"Kantor **desa**\")")
    assert "/media/" not in json.dumps(manifest_in_zip)
    expected = export_package(course)
    for lesson in expected["course"]["modules"][0]["lessons"]:
        lesson["body_markdown"] = lesson["body_markdown"].replace("/media/", "images/")
    assert manifest_in_zip == expected


def test_export_writes_readable_utf8_json(db, trainer):
    """course.json is UTF-8 without \\u escapes, indented by one space."""
    data = manifest("aksara", modules=1, lessons=1, title="Kursus Aksara Bali ᬅᬓ᭄ᬱᬭ")
    course = import_package(data, author=trainer)
    with zipfile.ZipFile(io.BytesIO(export_zip(course))) as zf:
        raw = zf.read("course.json")
    assert "Kursus Aksara Bali ᬅᬓ᭄ᬱᬭ".encode("utf-8") in raw  # ensure_ascii=False
    assert raw.startswith(b'{\n "format"')  # indent 1


def test_export_leaves_out_missing_image_files(illustrated, trainer):
    """An image whose file is gone is left out and its reference stays /media/..., so the zip still imports."""
    course, a, b = illustrated
    media.image_path(b).unlink()
    data = export_zip(course)
    manifest_in_zip, files = read_zip(data)
    assert set(files) == {f"images/{a}"}
    body = manifest_in_zip["course"]["modules"][0]["lessons"][1]["body_markdown"]
    assert f"/media/{b}" in body and f"images/{b}" not in body
    assert import_zip(data, user=trainer, as_new_draft=True).status == "draft"


# --- round trip ----------------------------------------------------------------------------------

def _normalised(data: dict) -> dict:
    text = MEDIA_NAME.sub("/media/IMG", json.dumps(data, ensure_ascii=False))
    return json.loads(text)


def test_round_trip_gives_the_same_course_with_new_image_files(db, illustrated, trainer):
    """Export then import gives the same manifest (image names aside) and the same pictures in new files."""
    course, a, b = illustrated
    before = export_package(course)
    original_pixels = {a: pixels(media.image_path(a)), b: pixels(media.image_path(b))}
    data = export_zip(course)
    db.session.delete(course)
    db.session.commit()

    imported = import_zip(data, user=trainer)
    db.session.commit()

    after = export_package(imported)
    assert _normalised(after) == _normalised(before)
    assert after != before  # the images got new names
    lessons = imported.modules[0].lessons
    first = media.referenced_images(lessons[0].body_markdown)
    second = media.referenced_images(lessons[1].body_markdown)
    assert len(first) == 1 and len(second) == 1
    new_a, new_b = first[0], second[0]
    assert {new_a, new_b}.isdisjoint({a, b}) and new_a != new_b
    for new, old in ((new_a, a), (new_b, b)):
        assert media.image_path(new) is not None  # the file the /media/ route will serve
        assert pixels(media.image_path(new)) == original_pixels[old]
    assert lessons[0].body_markdown.count(f"/media/{new_a}") == 2
    assert f'src="/media/{new_a}"' in lessons[0].body_html  # the sanitizer keeps the local URL
    assert imported.author_id == trainer.id and imported.status == "published"
    assert after["course"]["modules"][0]["quizzes"][0]["title"] == "Kuis foto"


def test_new_draft_of_a_taken_slug_gets_a_suffix(db, illustrated, trainer):
    """As a new draft, a taken slug becomes slug-2, then slug-3; the original is untouched."""
    course, a, b = illustrated
    data = export_zip(course)
    copy = import_zip(data, user=trainer, as_new_draft=True)
    db.session.commit()
    assert (copy.slug, copy.status) == ("desa-foto-2", "draft")
    assert copy.id != course.id and copy.author_id == trainer.id
    db.session.refresh(course)
    assert (course.slug, course.status) == ("desa-foto", "published")
    third = import_zip(data, user=make_user("trainer"), as_new_draft=True)
    db.session.commit()
    assert third.slug == "desa-foto-3" and third.status == "draft"
    assert db.session.scalar(course_count()) == 3
    # the copies have their own image files
    assert set(media.referenced_images(copy.modules[0].lessons[0].body_markdown)).isdisjoint({a, b})


def test_new_draft_of_a_free_slug_keeps_it(db, trainer):
    """As a new draft, a free slug is kept but the status is forced to draft."""
    data = build_zip({"course.json": manifest_json(manifest("belum-ada", status="published"))})
    course = import_zip(data, user=trainer, as_new_draft=True)
    assert (course.slug, course.status) == ("belum-ada", "draft")


def test_new_draft_suffix_stays_within_the_slug_limit(db, trainer):
    """The suffix shortens an 80-character slug instead of overflowing it."""
    slug = "a" * 79 + "b"
    import_package(manifest(slug), author=trainer)
    db.session.commit()
    course = import_zip(build_zip({"course.json": manifest_json(manifest(slug))}), user=trainer, as_new_draft=True)
    assert course.slug == "a" * 78 + "-2"


def test_new_version_replaces_the_course_and_keeps_progress(db, illustrated, trainer):
    """Importing over the author's slug replaces the course; progress on a kept lesson survives."""
    course, a, b = illustrated
    learner = make_user()
    services.enroll(learner, course)
    kept = course.modules[0].lessons[0]
    services.complete_lesson(learner, kept)
    db.session.commit()
    kept_id, course_id = kept.id, course.id

    manifest_in_zip, files = read_zip(export_zip(course))
    manifest_in_zip["course"]["title"] = "Desa dalam Foto (edisi 2)"
    manifest_in_zip["course"]["modules"][0]["lessons"][1]["title"] = "Pelajaran baru"
    files["course.json"] = manifest_json(manifest_in_zip)
    replaced = import_zip(build_zip(files), user=trainer)
    db.session.commit()

    assert replaced.id == course_id and replaced.title == "Desa dalam Foto (edisi 2)"
    assert db.session.scalar(course_count()) == 1
    assert db.session.scalars(sa.select(LessonProgress.lesson_id)).all() == [kept_id]
    assert replaced.modules[0].lessons[0].id == kept_id
    assert MEDIA_NAME.search(replaced.modules[0].lessons[0].body_markdown)
    assert services.progress_for(learner, [replaced])[0].percent == 50.0


def test_a_trainer_who_is_not_the_author_is_forbidden(db, illustrated):
    """Another trainer cannot replace the course, and leaves no trace."""
    course, a, b = illustrated
    data = export_zip(course)
    before = counts(db)
    with pytest.raises(Forbidden):
        import_zip(data, user=make_user("trainer"))
    assert counts(db) == before  # no course, no lesson, and the images saved meanwhile are removed again
    db.session.rollback()
    db.session.refresh(course)
    assert course.title == "Kursus desa-foto"


def test_an_admin_may_replace_anyones_course(db, illustrated):
    """An admin may import over any course."""
    course, a, b = illustrated
    replaced = import_zip(export_zip(course), user=make_user("admin"))
    assert replaced.id == course.id


def test_images_may_be_referenced_with_dot_slash(db, trainer):
    """./images/<file> is read like images/<file>."""
    data = manifest("titik", modules=1, lessons=1)
    data["course"]["modules"][0]["lessons"][0]["body_markdown"] = "![a](./images/peta.png)"
    course = import_zip(build_zip({"course.json": manifest_json(data), "images/peta.png": png()}), user=trainer)
    assert MEDIA_NAME.fullmatch(course.modules[0].lessons[0].body_markdown[len("![a]("):-1])


# --- unsafe or broken zips -----------------------------------------------------------------------

def good_entries() -> dict:
    data = manifest("aman-zip", modules=1, lessons=2)
    data["course"]["modules"][0]["lessons"][1]["body_markdown"] = "![peta](images/peta.png)"
    return {"course.json": manifest_json(data), "images/peta.png": png()}


def with_entries(**extra) -> bytes:
    return build_zip({**good_entries(), **{name.replace("__", "/"): data for name, data in extra.items()}})


def lie_about_sizes(data: bytes, size: int) -> bytes:
    """Claim ``size`` as every entry's uncompressed size, in local and central headers."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := out.find(sig, start)) >= 0:
            out[at + offset:at + offset + 4] = struct.pack("<I", size)
            start = at + 4
    return bytes(out)


def zip_with_bad_manifest(body: bytes) -> bytes:
    return build_zip({"course.json": body})


def missing_reference() -> bytes:
    entries = good_entries()
    data = json.loads(entries["course.json"])
    data["course"]["modules"][0]["lessons"][1]["body_markdown"] = "![a](images/peta.png) ![b](images/hilang.png)"
    entries["course.json"] = manifest_json(data)
    return build_zip(entries)


def bad_second_image() -> bytes:
    entries = good_entries()
    data = json.loads(entries["course.json"])
    data["course"]["modules"][0]["lessons"][1]["body_markdown"] = "![a](images/peta.png) ![b](images/animasi.png)"
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    entries.update({"course.json": manifest_json(data), "images/animasi.png": gif.getvalue()})
    return build_zip(entries)


NOT_A_ZIP, UNSAFE_NAME, ONLY = "bukan paket kursus .zip", "tidak aman", "hanya boleh berisi"
# case: (builder, a fragment the error message must contain, so that each check is proven on its own)
UNSAFE = {
    "not-a-zip": (lambda: png(), NOT_A_ZIP),
    "text": (lambda: b"bukan zip sama sekali", NOT_A_ZIP),
    "empty": (lambda: b"", NOT_A_ZIP),
    "truncated-zip": (lambda: with_entries()[:-40], NOT_A_ZIP),
    "png-with-zip-appended": (lambda: png() + with_entries(), NOT_A_ZIP),
    "too-many-entries": (lambda: build_zip({**good_entries(), **{f"images/g{i}.png": b"x" for i in range(200)}}),
                         "terlalu banyak berkas"),
    "absolute-name": (lambda: build_zip({"/course.json": good_entries()["course.json"]}), UNSAFE_NAME),
    "dot-dot": (lambda: with_entries(**{"images__..__..__evil.png": png()}), UNSAFE_NAME),
    "dot-dot-top": (lambda: with_entries(**{"..__evil.png": png()}), UNSAFE_NAME),
    "backslash": (lambda: with_entries(**{"images\\evil.png": png()}), UNSAFE_NAME),
    "windows-drive": (lambda: with_entries(**{"C:__evil.png": png()}), UNSAFE_NAME),
    "other-folder": (lambda: with_entries(**{"scripts__run.sh": b"#!/bin/sh"}), ONLY),
    "nested-image-folder": (lambda: with_entries(**{"images__sub__a.png": png()}), ONLY),
    "macos-metadata": (lambda: build_zip({**good_entries(), "__MACOSX/._course.json": b"x"}), ONLY),
    "duplicate-name": (lambda: build_zip(list(good_entries().items()) + [("course.json", b"{}")]), "dua kali"),
    "total-over-50mb": (lambda: with_entries(**{f"images__nol{i}.png": bytes(2 * 1024 * 1024) for i in range(26)}),
                        "terlalu besar"),
    "image-over-2mb": (lambda: with_entries(**{"images__besar.png": bytes(2 * 1024 * 1024 + 1)}), "melebihi batas"),
    "sizes-lie-zip-bomb": (lambda: lie_about_sizes(
        build_zip({**good_entries(), "images/bom.png": bytes(30 * 1024 * 1024)}), 100), "rusak"),
    "missing-course-json": (lambda: build_zip({"images/peta.png": png()}), "tidak berisi course.json"),
    "course-json-not-utf8": (lambda: zip_with_bad_manifest('{"judul": "Café"}'.encode("latin-1")), "UTF-8"),
    "course-json-not-json": (lambda: zip_with_bad_manifest(b"format: cakap-desa-course"), "bukan JSON"),
    "course-json-deeply-nested": (lambda: zip_with_bad_manifest(b"[" * 100_000 + b"]" * 100_000), "bukan JSON"),
    "course-json-invalid-manifest": (lambda: zip_with_bad_manifest(manifest_json({**manifest("x"), "format": "scorm"})),
                                     "format:"),
    "reference-missing-from-zip": (missing_reference, "images/hilang.png"),
    "referenced-image-not-an-image": (bad_second_image, "images/animasi.png"),
}


@pytest.mark.parametrize("name", list(UNSAFE))
def test_unsafe_or_broken_zip_is_refused_and_nothing_is_written(db, trainer, name):
    """Each unsafe or broken archive is an invalid_package error with its own reason; nothing is written."""
    build, fragment = UNSAFE[name]
    data = build()
    before = counts(db)
    with pytest.raises(Invalid) as err:
        import_zip(data, user=trainer)
    assert err.value.code == "invalid_package"
    assert err.value.status == 422
    assert fragment in err.value.message
    assert counts(db) == before  # no course, no lesson, no image file left behind
    with pytest.raises(Invalid):
        import_zip(data, user=trainer, as_new_draft=True)
    assert counts(db) == before


def test_bytes_are_counted_while_reading(db, trainer, app, monkeypatch):
    """Even if an entry's declared size passed, reading more than the limit is refused."""
    from lms.studio import zip_package

    checked = zip_package._checked_entries

    def then_shrink_the_limit(zf):
        infos = checked(zf)
        monkeypatch.setitem(app.config, "IMAGE_MAX_BYTES", 10)  # smaller than what peta.png really holds
        return infos

    monkeypatch.setattr(zip_package, "_checked_entries", then_shrink_the_limit)
    before = counts(db)
    with pytest.raises(Invalid, match="lebih besar daripada yang dinyatakan") as err:
        import_zip(with_entries(), user=trainer)
    assert err.value.field == "images/peta.png"
    assert counts(db) == before


def test_a_manifest_made_too_long_by_the_new_image_names_is_a_package_error(db, trainer):
    """Rewriting images/a.png to /media/<name> lengthens the body; the importer's check still applies."""
    refs = "![](images/a.png)" * 1000
    data = manifest("panjang", modules=1, lessons=1)
    data["course"]["modules"][0]["lessons"][0]["body_markdown"] = refs + "x" * (200_000 - len(refs))
    before = counts(db)
    with pytest.raises(Invalid) as err:
        import_zip(build_zip({"course.json": manifest_json(data), "images/a.png": png()}), user=trainer)
    assert err.value.code == "invalid_package"
    assert err.value.field == "course.modules[0].lessons[0].body_markdown"
    assert counts(db)[2] == before[2]  # the image saved before the check failed is removed
    db.session.rollback()
    assert counts(db) == before


def test_the_good_zip_used_for_the_unsafe_cases_is_accepted(db, trainer):
    """The unsafe cases differ from an acceptable package only by what makes them unsafe."""
    course = import_zip(with_entries(), user=trainer)
    assert course.slug == "aman-zip"
    assert import_zip(build_zip([("images/", b""), *good_entries().items()]), user=trainer).id == course.id


def test_a_reference_missing_from_the_zip_names_the_lesson_field(db, trainer):
    """A reference to an image not in the zip names the lesson's body_markdown path."""
    with pytest.raises(Invalid) as err:
        import_zip(missing_reference(), user=trainer)
    assert err.value.field == "course.modules[0].lessons[1].body_markdown"
    assert "images/hilang.png" in err.value.message


def test_a_bad_manifest_names_its_field(db, trainer):
    """A manifest problem keeps its field path, reported as invalid_package."""
    data = manifest("rusak")
    data["course"]["modules"][0]["lessons"][1]["title"] = ""
    with pytest.raises(Invalid) as err:
        import_zip(build_zip({"course.json": manifest_json(data)}), user=trainer)
    assert err.value.field == "course.modules[0].lessons[1].title"
    assert err.value.code == "invalid_package"


def test_a_bad_image_names_its_entry(db, trainer):
    """An entry that is not a usable image is named in the error."""
    with pytest.raises(Invalid) as err:
        import_zip(bad_second_image(), user=trainer)
    assert err.value.field == "images/animasi.png"


def test_the_zip_bomb_really_lies(db):
    """The lying archive declares tiny sizes, so only counting while reading can catch it."""
    data = UNSAFE["sizes-lie-zip-bomb"][0]()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert max(info.file_size for info in zf.infolist()) == 100
        assert len(data) < 2 * 1024 * 1024


def test_is_zip():
    """Only data that starts as a zip counts (a PNG with a zip appended does not)."""
    assert is_zip(with_entries())
    assert not is_zip(png())
    assert not is_zip(b"")
    assert not is_zip(png() + with_entries())
