"""Lesson images: only real PNG/JPEG/WebP, re-encoded without metadata, under random names."""
import io
import os

import pytest
from PIL import ExifTags, Image

from lms.errors import Invalid
from lms.studio import media


def image_bytes(fmt: str = "PNG", size=(120, 80), color=(200, 40, 40), mode: str = "RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def noise_bytes(fmt: str, size) -> bytes:
    """An image that does not compress (random pixels)."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, fmt)
    return out.getvalue()


def jpeg_with_gps(size=(200, 100), orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TeleponRahasia"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (8.0, 39.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (115.0, 13.0, 4.0)
    return image_bytes("JPEG", size, exif=exif.tobytes(), comment=b"komentar-rahasia")


def stored_files() -> set[str]:
    folder = media.images_folder()
    return set(os.listdir(folder)) if folder.exists() else set()


@pytest.mark.parametrize("fmt,ext", [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_accepted_formats_are_stored_reencoded_under_random_names(fmt, ext):
    """PNG, JPEG and WebP are kept in their format, under a fresh random name with the right extension."""
    data = image_bytes(fmt)
    first, second = media.save_image(data), media.save_image(data)
    assert first != second
    for name in (first, second):
        assert name.endswith(ext) and media.NAME_RE.fullmatch(name)
        assert "/" not in name
        path = media.image_path(name)
        assert path is not None and path.parent == media.images_folder()
        with Image.open(path) as stored:
            assert stored.format == fmt
            assert stored.size == (120, 80)


def test_format_is_decided_by_content_not_by_name():
    """The extension comes from what the bytes are (a JPEG is .jpg whatever it was called)."""
    assert media.save_image(image_bytes("JPEG")).endswith(".jpg")
    assert media.save_image(image_bytes("WEBP")).endswith(".webp")


def test_phone_photo_loses_its_exif_gps_and_comment():
    """EXIF (GPS position, camera make) and comments are gone from the stored file."""
    data = jpeg_with_gps()
    with Image.open(io.BytesIO(data)) as original:  # the test input really carries them
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"TeleponRahasia" in data and b"komentar-rahasia" in data
    path = media.image_path(media.save_image(data))
    stored = path.read_bytes()
    assert b"Exif" not in stored and b"TeleponRahasia" not in stored and b"komentar-rahasia" not in stored
    with Image.open(path) as image:
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_exif_rotation_is_applied_before_the_exif_is_dropped():
    """A photo the phone marked "rotate 90°" is stored upright, since the EXIF tag is gone."""
    path = media.image_path(media.save_image(jpeg_with_gps((200, 100), orientation=6)))
    with Image.open(path) as image:
        assert image.size == (100, 200)


def test_a_phone_jpeg_with_a_second_picture_is_stored_as_jpeg():
    """Many phones write MPO (a JPEG followed by a depth map); the first picture is kept as .jpg."""
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "red").save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (60, 40))])
    with Image.open(io.BytesIO(out.getvalue())) as original:
        assert original.format == "MPO"
    name = media.save_image(out.getvalue())
    assert name.endswith(".jpg")
    with Image.open(media.image_path(name)) as image:
        assert image.format == "JPEG" and getattr(image, "n_frames", 1) == 1


def test_wide_images_are_downscaled_to_1600_keeping_the_aspect_ratio():
    """A 3000 px wide photo is stored 1600 px wide, with the height scaled to match."""
    path = media.image_path(media.save_image(image_bytes("JPEG", (3000, 1500))))
    with Image.open(path) as image:
        assert image.size == (1600, 800)


@pytest.mark.parametrize("size", [(1600, 900), (400, 3000)])
def test_images_up_to_1600_wide_keep_their_size(size):
    """Images no wider than 1600 px (however tall) are not resized."""
    path = media.image_path(media.save_image(image_bytes("PNG", size)))
    with Image.open(path) as image:
        assert image.size == size


def test_bytes_appended_after_the_image_are_dropped():
    """A polyglot (a valid PNG followed by a script) is stored as the image alone."""
    script = b"<script>alert('desa')</script>"
    polyglot = image_bytes("PNG") + script
    with Image.open(io.BytesIO(polyglot)) as image:  # Pillow does accept it as a PNG
        image.load()
    path = media.image_path(media.save_image(polyglot))
    stored = path.read_bytes()
    assert script not in stored and b"<script" not in stored
    assert stored.endswith(b"IEND\xaeB`\x82")


def test_transparency_survives_reencoding():
    """Clearing metadata keeps the alpha channel."""
    data = image_bytes("PNG", (10, 10), (0, 0, 0, 0), mode="RGBA")
    with Image.open(media.image_path(media.save_image(data))) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


def _truncated_png() -> bytes:
    data = noise_bytes("PNG", (300, 300))
    return data[: len(data) // 2]


def _bomb(side: int = 8000) -> bytes:
    """``side``² pixels (64 megapixels by default) in a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("make", [
    pytest.param(lambda: image_bytes("GIF"), id="gif"),
    pytest.param(lambda: image_bytes("BMP"), id="bmp"),
    pytest.param(_truncated_png, id="truncated-png"),
    pytest.param(lambda: noise_bytes("JPEG", (300, 300))[:3000], id="truncated-jpeg"),
    pytest.param(lambda: b"<html><body><script>alert(1)</script></body></html>", id="html-named-x.png"),
    pytest.param(lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                 id="svg"),
    pytest.param(lambda: b"#!/bin/sh\nrm -rf /\n", id="script"),
    pytest.param(lambda: noise_bytes("PNG", (1000, 1000)), id="over-2mb"),
    pytest.param(_bomb, id="decompression-bomb"),
    pytest.param(lambda: _bomb(20000), id="decompression-bomb-beyond-pillows-own-limit"),
    pytest.param(lambda: b"", id="empty"),
])
def test_bad_input_is_refused_and_nothing_is_stored(make):
    """Anything but a whole, reasonably sized PNG/JPEG/WebP is Invalid on the "image" field."""
    data = make()
    before = stored_files()
    with pytest.raises(Invalid) as err:
        media.save_image(data)
    assert err.value.field == "image"
    assert err.value.status == 422
    assert stored_files() == before


@pytest.mark.parametrize("side", [8000, 20000])
def test_decompression_bombs_are_refused_for_their_resolution(side):
    """Below and beyond Pillow's own bomb limit, the learner is told the resolution is too high."""
    with pytest.raises(Invalid, match="Resolusi gambar terlalu besar"):
        media.save_image(_bomb(side))


def test_oversize_check_uses_the_configured_limit(app, monkeypatch):
    """The byte limit is IMAGE_MAX_BYTES from the app config."""
    data = image_bytes("PNG")
    monkeypatch.setitem(app.config, "IMAGE_MAX_BYTES", len(data) - 1)
    with pytest.raises(Invalid, match="melebihi batas") as err:
        media.save_image(data)
    assert err.value.field == "image"
    monkeypatch.setitem(app.config, "IMAGE_MAX_BYTES", len(data) + 1000)
    assert media.save_image(data)


def test_the_over_2mb_fixture_really_is_over_2mb():
    """The "over-2mb" input is a valid image that is too big, not a broken one."""
    assert len(noise_bytes("PNG", (1000, 1000))) > 2 * 1024 * 1024


def test_image_path_finds_stored_files_only():
    """A stored name gives its file; a well-formed unknown name gives None."""
    name = media.save_image(image_bytes())
    assert media.image_path(name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert media.image_path("A" * 22 + ".png") is None  # right shape, no such file


@pytest.mark.parametrize("bad", [
    "../x.png", "..", "../../config.py", "images/../secret.png", "/etc/passwd", "a/b.png",
    "..%2Fx.png", "x.png\x00.png", "x.gif", "x.svg", "", ".", "x", None,
])
def test_image_path_refuses_names_save_image_cannot_produce(bad):
    """Traversal, separators, NUL and other extensions never reach the file system."""
    assert media.image_path(bad) is None


def test_image_path_refuses_a_valid_name_with_extras():
    """A real stored name wrapped in a path or with extra characters is refused."""
    name = media.save_image(image_bytes())
    for bad in (f"../images/{name}", f"/{name}", f"{name}\n", f"{name}\x00", f"{name}.png",
                name.replace(".png", ".PNG"), f"./{name}", f"images/{name}"):
        assert media.image_path(bad) is None, bad
    assert media.image_path(name) is not None


def test_referenced_images_in_order_unique_and_valid_only():
    """Only /media/ images with names save_image could produce, first occurrence order, no repeats."""
    a, b, c = "A" * 22 + ".png", "b" * 22 + ".jpg", "c-_" * 7 + "c.webp"
    markdown = (
        f"Pengantar ![Peta desa](/media/{a}) dan ![Foto *kantor*](/media/{b} \"Kantor desa\")\n\n"
        f"Lagi ![peta lagi](/media/{a})\n"
        "![jahat](/media/../../etc/passwd) ![luar](https://contoh.id/media/" + "d" * 22 + ".png)\n"
        "![gif](/media/" + "e" * 22 + ".gif) [tautan biasa](/media/" + "f" * 22 + ".png)\n"
        f"![bertingkat [kurung]](/media/{c})\n"
    )
    assert media.referenced_images(markdown) == [a, b, c]
    assert media.referenced_images("") == []
    assert media.referenced_images(None) == []
