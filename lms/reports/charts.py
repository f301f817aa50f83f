"""Server-side SVG charts: no JavaScript, they print, work offline and read out to screen readers.

Each chart is ``width="100%"`` with a viewBox, so it scales down to a 360 px phone; labels sit
above their bars so long kecamatan and desa names keep the full width. Every piece of text is
XML-escaped (labels come from user data) and the ``<desc>`` lists every value in words.
"""
from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Sequence

from flask_babel import gettext as _

WIDTH = 480
PAD = 12
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
TEXT = "#1f2937"  # 14.7:1 on white
MUTED = "#4b5563"  # 7.6:1 on white
BAR = "#0b6e4f"  # 6.4:1 on white: the certificate green
GRID = "#d1d5db"
MAX_LABEL_CHARS = 56
MAX_TITLE_CHARS = 48
MAX_X_LABEL_CHARS = 12
NONE_MARK = "—"
# Characters XML 1.0 cannot hold (C0 controls except tab/newline/CR, lone surrogates, U+FFFE/F).
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

TITLE_H = 34
BAR_ROW_H = 40
BAR_H = 14
VALUE_ROOM = 64

LINE_H = 260
LINE_LEFT = 48
LINE_TOP = 44
LINE_BOTTOM = 40
MAX_X_LABELS = 6


def _esc(text: object) -> str:
    """Escape text for XML content or a double-quoted attribute, dropping characters XML forbids."""
    return html.escape(XML_INVALID.sub("", str(text)), quote=True)


def _short(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    """Cut a label that would run off the chart; the full text stays in ``<desc>`` and the tooltip."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def format_value(value: float | None, unit: str = "") -> str:
    """Format a value as printed on a chart: ``66.7%``, ``100%``, ``12.5 jam``, ``—``."""
    if value is None:
        return NONE_MARK
    number = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if not unit or unit == "%":
        return number + unit
    return f"{number} {unit.strip()}"


def _chart_id(kind: str, title: str, data: Sequence) -> str:
    """Derive a stable element id, so two charts on one page do not share ids."""
    digest = hashlib.sha1(repr((kind, title, list(data))).encode("utf-8", "replace"), usedforsecurity=False).hexdigest()
    return f"{kind}-{digest[:10]}"


def _describe(pairs: Sequence[tuple[str, float | None]], unit: str) -> str:
    """List every ``label: value`` pair as one sentence for screen readers."""
    if not pairs:
        return _("Belum ada data.")
    return "; ".join(f"{label}: {format_value(v, unit) if v is not None else _('tidak ada data')}"
                     for label, v in pairs) + "."


def _open_svg(chart_id: str, height: int, title: str, desc: str) -> list[str]:
    """Start an SVG document with its accessible title and description and a white background."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'font-family="{_esc(FONT)}" style="max-width: 48rem; height: auto">',
        f'<title id="{chart_id}-title">{_esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{PAD}" y="22" font-size="16" font-weight="bold" fill="{TEXT}">'
        f"{_esc(_short(title, MAX_TITLE_CHARS))}</text>",
    ]


def _bar_scale(values: list[float], unit: str, max_value: float | None) -> float:
    """Pick the value that fills a whole bar: the given maximum, 100 for percentages, else the largest."""
    if max_value is not None and max_value > 0:
        return float(max_value)
    largest = max(values, default=0.0)
    if unit == "%":
        return max(100.0, largest)
    return largest if largest > 0 else 1.0


def _bar_row(index: int, label: str, value: float | None, scale: float, unit: str) -> str:
    """Draw one labelled bar (or a dash when there is no value)."""
    top = TITLE_H + index * BAR_ROW_H
    bar_y = top + 20
    span = WIDTH - 2 * PAD - VALUE_ROOM
    length = 0.0 if value is None else max(0.0, min(value, scale)) / scale * span
    parts = [f"<g><title>{_esc(label)}: {_esc(format_value(value, unit))}</title>",
             f'<text x="{PAD}" y="{top + 14}" font-size="13" fill="{TEXT}">{_esc(_short(label))}</text>']
    if value is not None:
        parts.append(f'<rect x="{PAD}" y="{bar_y}" width="{length:.1f}" height="{BAR_H}" fill="{BAR}"/>')
    parts.append(f'<text x="{PAD + length + 6:.1f}" y="{bar_y + 11}" font-size="12" font-weight="bold" '
                 f'fill="{TEXT if value is not None else MUTED}">{_esc(format_value(value, unit))}</text></g>')
    return "".join(parts)


def bar_chart_svg(bars: list[tuple[str, float | None]], *, title: str, unit: str = "%",
                  max_value: float | None = None) -> str:
    """Render horizontal bars, one per ``(label, value)``, as an accessible SVG string."""
    scale = _bar_scale([v for _label, v in bars if v is not None], unit, max_value)
    height = TITLE_H + max(len(bars), 1) * BAR_ROW_H + PAD
    parts = _open_svg(_chart_id("bar", title, bars), height, title, _describe(bars, unit))
    parts += [_bar_row(i, str(label), value, scale, unit) for i, (label, value) in enumerate(bars)]
    if not bars:
        parts.append(f'<text x="{PAD}" y="{TITLE_H + 24}" font-size="13" fill="{MUTED}">'
                     f'{_esc(_("Belum ada data"))}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def nice_ticks(largest: float) -> list[float]:
    """Return 4–5 evenly spaced y ticks from 0 to a round maximum at or above ``largest``."""
    if not largest > 0:
        largest = 1.0
    raw = largest / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    count = math.ceil(largest / step - 1e-9)
    return [round(step * i, 10) for i in range(count + 1)]


def _label_indices(count: int, most: int = MAX_X_LABELS) -> list[int]:
    """Pick evenly spread x labels (always the first and the last) so they do not overlap."""
    if count <= most:
        return list(range(count))
    return sorted({round(k * (count - 1) / (most - 1)) for k in range(most)})


def _y_axis(ticks: list[float], y_label: str, plot_bottom: float, plot_h: float) -> list[str]:
    """Draw the gridlines, their values and the y axis caption."""
    top = ticks[-1]
    parts = []
    for tick in ticks:
        y = plot_bottom - tick / top * plot_h
        parts.append(f'<line x1="{LINE_LEFT}" y1="{y:.1f}" x2="{WIDTH - PAD}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LINE_LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                     f'fill="{MUTED}">{tick:g}</text>')
    if y_label:
        parts.append(f'<text x="{PAD}" y="{LINE_TOP - 10}" font-size="11" fill="{MUTED}">'
                     f"{_esc(_short(y_label))}</text>")
    return parts


def _x_positions(count: int) -> list[float]:
    """Spread ``count`` points over the plot width (one point sits in the middle)."""
    left, right = LINE_LEFT + 16, WIDTH - PAD - 16
    if count == 1:
        return [(left + right) / 2]
    return [left + i * (right - left) / (count - 1) for i in range(count)]


def _series(points: list[tuple[str, float]], top: float, plot_bottom: float, plot_h: float) -> list[str]:
    """Draw the line, its dots (with tooltips) and the x labels."""
    xs = _x_positions(len(points))
    ys = [plot_bottom - max(0.0, min(float(v), top)) / top * plot_h for _label, v in points]
    parts = []
    if len(points) > 1:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{BAR}" stroke-width="2.5"/>')
    for (label, value), x, y in zip(points, xs, ys):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}">'
                     f"<title>{_esc(label)}: {_esc(format_value(value))}</title></circle>")
    for i in _label_indices(len(points)):
        parts.append(f'<text x="{xs[i]:.1f}" y="{plot_bottom + 18}" font-size="11" text-anchor="middle" '
                     f'fill="{MUTED}">{_esc(_short(str(points[i][0]), MAX_X_LABEL_CHARS))}</text>')
    return parts


def line_chart_svg(points: list[tuple[str, float]], *, title: str, y_label: str = "") -> str:
    """Render a line over ``(x label, value)`` points with a 0-based y axis as an accessible SVG."""
    parts = _open_svg(_chart_id("line", title, points), LINE_H, title, _describe(points, ""))
    plot_bottom = LINE_H - LINE_BOTTOM
    plot_h = plot_bottom - LINE_TOP
    ticks = nice_ticks(max((float(v) for _label, v in points), default=0.0))
    parts += _y_axis(ticks, y_label, plot_bottom, plot_h)
    if points:
        parts += _series(points, ticks[-1], plot_bottom, plot_h)
    else:
        parts.append(f'<text x="{WIDTH / 2}" y="{LINE_TOP + plot_h / 2:.0f}" font-size="14" text-anchor="middle" '
                     f'fill="{MUTED}">{_esc(_("Belum ada data"))}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
