"""A course as a ``.zip``: the manifest as ``course.json`` plus the lesson images in ``images/``.

Inside the zip, lesson Markdown refers to images by the relative path ``images/<file>``; on
this server they are ``/media/<name>``. The manifest itself goes through the one importer
and exporter in ``lms.packages``. A zip is untrusted input: its entries, their names and
their sizes (declared and actually read) are checked before anything is stored, and every
image is re-encoded by ``lms.studio.media.save_image``.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from lms import packages
from lms.auth.models import User
from lms.courses.models import Course
from lms.errors import Invalid
from lms.studio import media
from lms.studio import services as studio_services

MANIFEST_NAME = "course.json"
IMAGES_DIR = "images/"
MAX_ENTRIES = 200
MAX_TOTAL_BYTES = 50 * 1024 * 1024
_IMAGE_ENTRY_RE = re.compile(r"images/([A-Za-z0-9_-][A-Za-z0-9._-]{0,127})")
_ZIP_REFERENCE_RE = media.reference_pattern(r"(?:\./)?images/")


def _invalid(message: str, field: str | None = None) -> Invalid:
    return Invalid(message, field=field, code="invalid_package")


def is_zip(data: bytes) -> bool:
    """True when ``data`` starts like a zip file and has a readable central directory."""
    return (isinstance(data, (bytes, bytearray)) and bytes(data[:4]) == b"PK\x03\x04"
            and zipfile.is_zipfile(io.BytesIO(data)))


def _lessons(course_spec: dict):
    """Yield (field path of body_markdown, lesson spec) for every lesson."""
    for m, module in enumerate(course_spec["modules"]):
        for i, lesson in enumerate(module["lessons"]):
            yield f"course.modules[{m}].lessons[{i}].body_markdown", lesson


# --- export -------------------------------------------------------------------------------

def export_zip(course: Course) -> bytes:
    """Return the course as a zip: ``course.json`` plus every lesson image it shows."""
    manifest = packages.export_package(course)
    names: list[str] = []
    for _field, lesson in _lessons(manifest["course"]):
        for name in media.referenced_images(lesson["body_markdown"]):
            if name not in names:
                names.append(name)
        lesson["body_markdown"] = media.MEDIA_REFERENCE_RE.sub(_to_relative, lesson["body_markdown"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST_NAME, json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
        for name in names:
            path = media.image_path(name)
            if path is not None:  # a missing file is left out; its reference stayed /media/...
                # Images are already compressed: store them as they are.
                zf.writestr(IMAGES_DIR + name, path.read_bytes(), compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def _to_relative(match: re.Match) -> str:
    """``/media/x`` → ``images/x`` when the file exists; a reference to a lost file stays as it
    was, so the package still imports (the image was already missing before the export)."""
    name = match["name"]
    if media.NAME_RE.fullmatch(name) and media.image_path(name) is not None:
        return match["lead"] + IMAGES_DIR + name
    return match[0]


# --- import -------------------------------------------------------------------------------

def import_zip(data: bytes, *, user: User, as_new_draft: bool = False) -> Course:
    """Import a course zip as ``user``; nothing is written to the database on error.

    ``as_new_draft``: the course becomes a new draft (its slug gets ``-2``, ``-3``... when
    taken); otherwise it replaces the course with the same slug, which ``user`` must be
    allowed to edit (``lms.packages.import_as``).
    """
    manifest, images = _read_zip(data)
    problems = packages.validate(manifest)
    if problems:
        err = _invalid(problems[0]["message"], problems[0]["field"])
        err.details = problems
        raise err
    wanted = _referenced_entries(manifest["course"], images)
    saved: dict[str, str] = {}
    try:
        for entry in wanted:
            try:
                saved[entry] = media.save_image(images[entry])
            except Invalid as err:
                raise _invalid(_("gambar tidak dapat dipakai: %(why)s", why=err.detail), entry) from None
        for _field, lesson in _lessons(manifest["course"]):
            lesson["body_markdown"] = _ZIP_REFERENCE_RE.sub(
                lambda m: m["lead"] + media.IMAGE_URL_PREFIX + saved[IMAGES_DIR + m["name"]],
                lesson["body_markdown"])
        if as_new_draft:
            return _recoded(packages.import_package, studio_services.to_new_draft(manifest), author=user)
        return _recoded(packages.import_as, user, manifest)
    except Exception:
        for name in saved.values():
            media.delete_image(name)
        raise


def _recoded(func, *args, **kwargs) -> Course:
    """Call an importer; a manifest problem it finds is reported as a package problem."""
    try:
        return func(*args, **kwargs)
    except Invalid as err:
        err.code = "invalid_package"
        raise


def _read_zip(data: bytes) -> tuple[Any, dict[str, bytes]]:
    """Check and read the zip; return the parsed manifest and ``{entry name: bytes}`` of the images."""
    if not is_zip(data):
        raise _invalid(_("Berkas bukan paket kursus .zip yang sah."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = _checked_entries(zf)
            contents = _read_entries(zf, infos)
    except Invalid:
        raise
    except Exception:  # noqa: BLE001 - zipfile and zlib raise many kinds on a corrupt archive
        raise _invalid(_("Paket .zip rusak atau tidak dapat dibaca.")) from None
    if MANIFEST_NAME not in contents:
        raise _invalid(_("Paket tidak berisi course.json."), MANIFEST_NAME)
    try:
        manifest = json.loads(contents.pop(MANIFEST_NAME).decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _invalid(_("course.json harus berupa teks UTF-8."), MANIFEST_NAME) from None
    except (ValueError, RecursionError):
        raise _invalid(_("course.json bukan JSON yang sah."), MANIFEST_NAME) from None
    return manifest, contents


def _checked_entries(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The entries to read, after checking their count, names, flags and declared sizes."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise _invalid(_("Paket berisi terlalu banyak berkas (maksimal %(n)d).", n=MAX_ENTRIES))
    image_limit = current_app.config["IMAGE_MAX_BYTES"]
    seen: set[str] = set()
    files = []
    for info in infos:
        name = info.orig_filename
        _check_name(name, info)
        if name in seen:
            raise _invalid(_("Nama berkas muncul dua kali di dalam paket."), name)
        seen.add(name)
        if info.flag_bits & 0x1:
            raise _invalid(_("Berkas terenkripsi tidak didukung."), name)
        if name == IMAGES_DIR:
            continue  # the folder entry some zip tools write
        if name != MANIFEST_NAME and info.file_size > image_limit:
            raise _invalid(_("Ukuran gambar melebihi batas %(mb)s MB.", mb=f"{image_limit / (1024 * 1024):g}"),
                           name)
        files.append(info)
    if sum(info.file_size for info in files) > MAX_TOTAL_BYTES:
        raise _invalid(_("Isi paket terlalu besar (maksimal 50 MB setelah diekstrak)."))
    return files


def _check_name(name: str, info: zipfile.ZipInfo) -> None:
    unsafe = (name.startswith("/") or "\\" in name or "\x00" in name or ".." in name or ":" in name
              or name != info.filename)
    if unsafe:
        raise _invalid(_("Nama berkas di dalam paket tidak aman: %(name)s", name=repr(name)[1:-1]))
    if name not in (MANIFEST_NAME, IMAGES_DIR) and not _IMAGE_ENTRY_RE.fullmatch(name):
        raise _invalid(_("Paket hanya boleh berisi course.json dan gambar di folder images/ "
                         "(nama berkas: huruf, angka, titik, garis bawah, tanda hubung): %(name)s",
                         name=repr(name)[1:-1]))


def _read_entries(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """Read every entry, counting the bytes really produced (declared sizes can lie)."""
    image_limit = current_app.config["IMAGE_MAX_BYTES"]
    budget = MAX_TOTAL_BYTES
    contents = {}
    for info in infos:
        limit = min(budget, image_limit if info.orig_filename != MANIFEST_NAME else budget)
        chunks, size = [], 0
        with zf.open(info) as fh:
            while chunk := fh.read(min(64 * 1024, limit + 1 - size)):
                size += len(chunk)
                if size > limit:
                    raise _invalid(_("Isi paket lebih besar daripada yang dinyatakan."), info.orig_filename)
                chunks.append(chunk)
        budget -= size
        contents[info.orig_filename] = b"".join(chunks)
    return contents


def _referenced_entries(course_spec: dict, images: dict[str, bytes]) -> list[str]:
    """Image entries the lessons show, in order; a reference to a file not in the zip is Invalid."""
    wanted: list[str] = []
    for field, lesson in _lessons(course_spec):
        for match in _ZIP_REFERENCE_RE.finditer(lesson["body_markdown"]):
            entry = IMAGES_DIR + match["name"]
            if entry not in images:
                raise _invalid(_("gambar %(name)s tidak ada di dalam paket", name=entry), field)
            if entry not in wanted:
                wanted.append(entry)
    return wanted
