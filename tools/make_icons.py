"""Draw the Cakap Desa icons into ``static/img/``.

    python -m tools.make_icons [-o static/img]

The mark is a white, open "C" (Cakap: able to speak up) around a yellow dot on the
brand green. ``icon.svg`` is the same drawing by hand; this script writes the bitmaps:

- ``favicon.ico`` (16, 32 and 48 px, rounded corners), served at ``/favicon.ico``;
- ``icon-192.png`` and ``icon-512.png``, full-bleed squares whose mark stays inside the
  central circle of 40 % radius, so the web-app manifest may declare them ``any maskable``;
- ``apple-touch-icon.png`` (180 px, full-bleed: iOS rounds the corners itself).

Shapes are drawn at four times the size and scaled down, for smooth edges. The output is
deterministic for one Pillow version, so re-running it changes nothing.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (11, 110, 79, 255)  # #0b6e4f, as --brand in static/css/app.css
WHITE = (255, 255, 255, 255)
YELLOW = (255, 209, 102, 255)  # #ffd166
GRID = 64  # the drawing is defined on a 64 x 64 grid, as icon.svg's viewBox
SUPERSAMPLE = 4

# The open "C": a circle arc centred at (30, 32), radius 16, stroke 8, open between -45 and 45
# degrees (the right-hand side), with round ends; the dot at (46, 32), radius 5.
ARC_CENTRE, ARC_RADIUS, ARC_STROKE, ARC_GAP = (30, 32), 16, 8, 45
DOT_CENTRE, DOT_RADIUS = (46, 32), 5
CORNER_RADIUS = 14


def draw_mark(size: int, *, rounded: bool) -> Image.Image:
    """Return the icon as a ``size`` x ``size`` RGBA image."""
    big = size * SUPERSAMPLE
    unit = big / GRID
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=round(CORNER_RADIUS * unit), fill=BRAND)
    else:
        draw.rectangle((0, 0, big - 1, big - 1), fill=BRAND)
    cx, cy = (c * unit for c in ARC_CENTRE)
    outer = (ARC_RADIUS + ARC_STROKE / 2) * unit
    # Pillow's angles run clockwise from three o'clock: from 45 (lower right) round the left to 315.
    draw.arc((cx - outer, cy - outer, cx + outer, cy + outer), start=ARC_GAP, end=360 - ARC_GAP,
             fill=WHITE, width=round(ARC_STROKE * unit))
    cap = ARC_STROKE / 2 * unit
    for sign in (1, -1):  # round line caps at both ends of the arc
        ex = cx + ARC_RADIUS * unit * 0.7071
        ey = cy + sign * ARC_RADIUS * unit * 0.7071
        draw.ellipse((ex - cap, ey - cap, ex + cap, ey + cap), fill=WHITE)
    dx, dy = (c * unit for c in DOT_CENTRE)
    r = DOT_RADIUS * unit
    draw.ellipse((dx - r, dy - r, dx + r, dy + r), fill=YELLOW)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def write_icons(folder: Path) -> list[Path]:
    """Write every bitmap icon into ``folder``; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, size in (("icon-192.png", 192), ("icon-512.png", 512), ("apple-touch-icon.png", 180)):
        path = folder / name
        draw_mark(size, rounded=False).convert("RGB").save(path, format="PNG", optimize=True)
        written.append(path)
    path = folder / "favicon.ico"
    draw_mark(48, rounded=True).save(path, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path(__file__).resolve().parent.parent / "static" / "img")
    args = parser.parse_args(argv)
    for path in write_icons(args.output):
        print(path)


if __name__ == "__main__":
    main()
