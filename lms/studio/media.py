"""Lesson images: checked by their content, re-encoded, stored under a random name.

An upload is trusted for nothing: Pillow must recognise it as PNG, JPEG or WebP (whatever
its file name says), it must decode completely and stay under a pixel limit (no
decompression bombs), and what is stored is a fresh encoding of the pixels. That drops
metadata such as the GPS position in a phone photo's EXIF, and anything smuggled after
the image data. Markdown refers to a stored image as ``/media/<name>``.
"""
from __future__ import annotations

import io
import os
import re
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps

from lms.errors import Invalid

IMAGE_URL_PREFIX = "/media/"
MAX_WIDTH = 1600
MAX_PIXELS = 40_000_000  # 40 megapixels: more than any phone camera, far less than a bomb
FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
NAME_RE = re.compile(r"[A-Za-z0-9_-]{22}\.(?:png|jpg|webp)")  # token_urlsafe(16) + extension

# Alt text may hold escaped characters and one level of balanced brackets (CommonMark allows it).
_ALT = r"(?:[^\[\]\\\n]|\\.|\[[^\[\]\n]*\])*"


def reference_pattern(prefix: str) -> re.Pattern:
    """Match image references whose URL starts with the regex ``prefix``.

    Covers ``![alt](<prefix>NAME)``, ``![alt](<prefix>NAME "title")`` and reference
    definitions ``[id]: <prefix>NAME``; group ``lead`` is everything before the prefix and
    group ``name`` the file name.
    """
    return re.compile(
        rf"(?P<lead>!\[{_ALT}\]\([ \t]*|^[ ]{{0,3}}\[[^\]\n]+\]:[ \t]*){prefix}"
        rf"(?P<name>[^\s()<>\"'\\]+)(?=[\s)]|$)",
        re.MULTILINE,
    )


MEDIA_REFERENCE_RE = reference_pattern(re.escape(IMAGE_URL_PREFIX))


def _invalid(message: str) -> Invalid:
    return Invalid(message, field="image")


def images_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "images"


def _open_checked(data: bytes) -> Image.Image:
    """Open ``data`` as a fully decoded PNG/JPEG/WebP image, or raise Invalid."""
    # The pixel limit is checked from the header, before anything is decoded. Pillow's own
    # check is a backup (a warning above 89 megapixels, caught where warnings are errors; an
    # error above twice that). No warnings.catch_warnings() here: it is not thread-safe.
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise _invalid(_("Resolusi gambar terlalu besar (maksimal 40 megapiksel)."))
            probe.verify()
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        image.load()  # verify() does not decode; a truncated file fails here
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _invalid(_("Resolusi gambar terlalu besar (maksimal 40 megapiksel).")) from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds (OSError, SyntaxError, ValueError, ...)
        raise _invalid(_("Berkas bukan gambar PNG, JPEG, atau WebP yang utuh.")) from None
    if image.format not in FORMATS and image.format != "MPO":
        raise _invalid(_("Berkas bukan gambar PNG, JPEG, atau WebP yang utuh."))
    return image


def _normalise(image: Image.Image, fmt: str) -> Image.Image:
    """Upright, at most MAX_WIDTH wide, in a mode the format can save, with no metadata left."""
    try:
        image = ImageOps.exif_transpose(image)  # phones record rotation in EXIF, which is dropped
    except Exception:  # noqa: BLE001 - a broken EXIF block must not stop the upload
        pass
    if "transparency" in image.info:
        image = image.convert("RGBA")  # keeps a palette's or a tRNS chunk's transparency after info is cleared
    elif image.mode == "P" or image.mode not in ("1", "L", "LA", "RGB", "RGBA"):
        has_alpha = "A" in image.mode
        image = image.convert("RGBA" if has_alpha else "RGB")
    if fmt == "JPEG" and image.mode != "L":
        image = image.convert("RGB")
    elif fmt == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    if image.width > MAX_WIDTH:
        height = max(1, round(image.height * MAX_WIDTH / image.width))
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    icc = image.info.get("icc_profile")
    image.info = {"icc_profile": icc} if icc else {}  # EXIF, XMP, comments, text chunks: gone
    return image


def _encode(data: bytes) -> tuple[bytes, str]:
    """Check and re-encode ``data``; return the new bytes and the file extension."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise _invalid(_("Berkas gambar kosong."))
    limit = current_app.config["IMAGE_MAX_BYTES"]
    too_big = _("Ukuran gambar melebihi batas %(mb)s MB.", mb=f"{limit / (1024 * 1024):g}")
    if len(data) > limit:
        raise _invalid(too_big)
    with _open_checked(bytes(data)) as original:
        fmt = "JPEG" if original.format == "MPO" else original.format  # MPO: a phone JPEG with a depth map
        image = _normalise(original, fmt)
        out = io.BytesIO()
        options = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85},
                   "PNG": {"optimize": True}}[fmt]
        icc = image.info.get("icc_profile")
        if icc:
            options["icc_profile"] = icc
        image.save(out, format=fmt, **options)
    encoded = out.getvalue()
    if len(encoded) > limit:  # stored images must fit the limit too, or a package could not bring them back
        raise _invalid(too_big)
    return encoded, FORMATS[fmt]


def save_image(data: bytes) -> str:
    """Check, re-encode and store an uploaded image; return its new file name."""
    encoded, ext = _encode(data)
    folder = images_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_urlsafe(16) + ext
    # Written under a name the server never serves, then renamed: no half-written image is visible.
    partial = folder / f".{name}.part"
    with open(partial, "xb") as fh:
        fh.write(encoded)
    os.replace(partial, folder / name)
    return name


def image_path(name: str) -> Path | None:
    """Return the stored file for ``name``, or None (also for any name save_image cannot produce)."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        return None
    path = images_folder() / name
    return path if path.is_file() else None


def delete_image(name: str) -> None:
    """Remove a stored image (nothing happens for an unknown or malformed name)."""
    path = image_path(name)
    if path is not None:
        path.unlink(missing_ok=True)


def referenced_images(markdown: str) -> list[str]:
    """Names of the stored images that ``markdown`` shows as ``/media/<name>``, in order, once each."""
    names: list[str] = []
    for match in MEDIA_REFERENCE_RE.finditer(markdown or ""):
        name = match["name"]
        if NAME_RE.fullmatch(name) and name not in names:
            names.append(name)
    return names
