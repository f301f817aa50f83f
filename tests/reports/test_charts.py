"""Server-side SVG charts: valid XML, escaped user text, accessible, no scripts or external references."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lms.reports.charts import bar_chart_svg, format_value, line_chart_svg, nice_ticks

NS = "{http://www.w3.org/2000/svg}"
XSS = "<script>alert(1)</script>"
BLNS = json.loads((Path(__file__).parents[1] / "data" / "blns.json").read_text(encoding="utf-8"))
BAR_FILL = "#0b6e4f"


def parse(svg: str) -> ET.Element:
    assert svg.startswith("<svg")
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{NS}text")]


def bars(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter(f"{NS}rect") if el.get("fill") == BAR_FILL]


def assert_safe(svg: str, root: ET.Element) -> None:
    """No script element, no event handler, no external reference."""
    assert "<script" not in svg.lower()
    for el in root.iter():
        assert not el.tag.lower().endswith("script")
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), name
            assert "href" not in name.lower(), name
            assert "url(" not in value and "http" not in value.replace("http://www.w3.org/2000/svg", "")


def assert_accessible(root: ET.Element, title: str) -> str:
    """role=img, aria-labelledby names the <title>; return the <desc> text."""
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    label_id = root.get("aria-labelledby")
    title_el = root.find(f"{NS}title")
    assert title_el is not None and title_el.get("id") == label_id and title_el.text == title
    desc = root.find(f"{NS}desc")
    assert desc is not None and root.get("aria-describedby") == desc.get("id")
    return desc.text


def test_bar_chart_is_valid_accessible_svg():
    """One bar per value, the value printed at its end, and <desc> lists every label: value."""
    svg = bar_chart_svg([("Mengwi", 66.7), ("Kuta Selatan", 100.0), ("Petang", 0.0)], title="Penyelesaian")
    root = parse(svg)
    assert_safe(svg, root)
    desc = assert_accessible(root, "Penyelesaian")
    assert "Mengwi: 66.7%" in desc and "Kuta Selatan: 100%" in desc and "Petang: 0%" in desc
    assert {"Mengwi", "Kuta Selatan", "Petang", "66.7%", "100%", "0%"} <= set(texts(root))
    assert len(bars(root)) == 3


def test_bar_lengths_are_proportional_to_values():
    """A 50% bar is half as long as a 100% bar; max_value changes the scale."""
    root = parse(bar_chart_svg([("A", 50.0), ("B", 100.0)], title="t"))
    half, full = (float(el.get("width")) for el in bars(root))
    assert half == pytest.approx(full / 2)
    root = parse(bar_chart_svg([("A", 5.0), ("B", 20.0)], title="t", unit="jam", max_value=10))
    five, twenty = (float(el.get("width")) for el in bars(root))
    assert twenty == pytest.approx(2 * five)  # clamped at the maximum
    assert "5 jam" in texts(root)


def test_bar_none_shows_a_dash_and_no_bar():
    """A missing value prints "—" with no bar, and the description says there is no data."""
    root = parse(bar_chart_svg([("Mengwi", 66.7), ("Abiansemal", None)], title="Lulus"))
    assert len(bars(root)) == 1
    assert "—" in texts(root)
    desc = root.find(f"{NS}desc").text
    assert "Abiansemal: tidak ada data" in desc


@pytest.mark.parametrize("label", [XSS, "Tom & Jerry", 'Desa "Kapal"', "O'Neil", "<b>&amp;</b>"])
def test_bar_labels_and_title_are_escaped(label):
    """User text in labels and the title is escaped: it reads back verbatim and adds no elements."""
    svg = bar_chart_svg([(label, 10.0)], title=label)
    root = parse(svg)
    assert_safe(svg, root)
    assert label in texts(root)
    assert root.find(f"{NS}title").text == label
    assert label in root.find(f"{NS}desc").text
    assert not any(el.tag in (f"{NS}b", "b", "script", f"{NS}script") for el in root.iter())


def test_script_label_is_escaped_in_the_markup():
    """The raw SVG holds &lt;script&gt;, never a live tag."""
    svg = bar_chart_svg([(XSS, 1.0)], title=XSS)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert XSS not in svg


def test_long_labels_are_cut_on_the_chart_but_kept_in_desc():
    """A very long desa name is shortened visually; the full name stays in <desc>."""
    long = "Desa " + "Sangat Panjang " * 10
    root = parse(bar_chart_svg([(long, 40.0)], title="t"))
    shown = [t for t in texts(root) if t.startswith("Desa")]
    assert shown and all(len(t) < len(long) and t.endswith("…") for t in shown)
    assert long in root.find(f"{NS}desc").text


def test_empty_bar_chart_says_no_data():
    """No bars at all still gives a valid chart saying there is no data yet."""
    root = parse(bar_chart_svg([], title="Kosong"))
    assert "Belum ada data" in texts(root)
    assert bars(root) == []


def test_line_chart_draws_points_axis_and_labels():
    """A polyline through every point, a dot per point, 4–5 gridlines from 0 to a round maximum."""
    points = [("2026-W45", 12.0), ("2026-W46", 30.5), ("2026-W47", 66.7)]
    svg = line_chart_svg(points, title="Aktivitas mingguan", y_label="Peserta aktif")
    root = parse(svg)
    assert_safe(svg, root)
    desc = assert_accessible(root, "Aktivitas mingguan")
    assert "2026-W45: 12" in desc and "2026-W47: 66.7" in desc
    polyline = root.find(f"{NS}polyline")
    assert polyline is not None and len(polyline.get("points").split()) == 3
    assert len(list(root.iter(f"{NS}circle"))) == 3
    gridlines = list(root.iter(f"{NS}line"))
    assert 3 <= len(gridlines) <= 5
    shown = texts(root)
    assert {"2026-W45", "2026-W46", "2026-W47", "Peserta aktif", "0", "80"} <= set(shown)


def test_line_chart_higher_value_is_drawn_higher():
    """SVG y grows downwards: the larger value has the smaller y."""
    root = parse(line_chart_svg([("3 Nov", 10.0), ("10 Nov", 40.0)], title="t"))
    first, second = (float(c.get("cy")) for c in root.iter(f"{NS}circle"))
    assert second < first


def test_line_chart_many_points_shows_few_x_labels_including_ends():
    """With 26 weeks only a handful of x labels are printed, the first and last among them."""
    points = [(f"2026-W{i:02d}", float(i)) for i in range(1, 27)]
    shown = [t for t in texts(parse(line_chart_svg(points, title="t"))) if t.startswith("2026-W")]
    assert 2 <= len(shown) <= 6
    assert shown[0] == "2026-W01" and shown[-1] == "2026-W26"


def test_empty_line_chart_says_no_data():
    """An empty series is valid SVG with "Belum ada data" and no line."""
    svg = line_chart_svg([], title="Kosong")
    root = parse(svg)
    assert "Belum ada data" in texts(root)
    assert root.find(f"{NS}polyline") is None
    assert "Belum ada data" in root.find(f"{NS}desc").text


def test_single_point_line_chart_draws_one_dot():
    """One point gives one dot and its label, no polyline."""
    root = parse(line_chart_svg([("3 Nov", 5.0)], title="Satu"))
    assert root.find(f"{NS}polyline") is None
    assert len(list(root.iter(f"{NS}circle"))) == 1
    assert "3 Nov" in texts(root)


def test_line_chart_escapes_labels():
    """x labels, y label and title from user data are escaped."""
    svg = line_chart_svg([(XSS, 1.0), ("a & b", 2.0)], title=XSS, y_label='"y"&<z>')
    root = parse(svg)
    assert_safe(svg, root)
    assert root.find(f"{NS}title").text == XSS
    assert '"y"&<z>' in texts(root)


def test_naughty_strings_always_give_valid_xml():
    """Every string of the Big List of Naughty Strings, as label or title, gives parseable, script-free SVG."""
    for text in BLNS:
        for svg in (bar_chart_svg([(text, 1.0), ("x", None)], title=text),
                    line_chart_svg([(text, 1.0), ("x", 2.0)], title=text, y_label=text)):
            assert_safe(svg, parse(svg))


def test_control_characters_are_dropped():
    """Characters XML 1.0 cannot hold are removed instead of breaking the document."""
    root = parse(bar_chart_svg([("Desa\x00\x1b Dalung", 5.0)], title="t\x08"))
    assert "Desa Dalung" in texts(root)


@pytest.mark.parametrize("largest, expected", [
    (66.7, [0, 20, 40, 60, 80]), (100, [0, 25, 50, 75, 100]), (101, [0, 50, 100, 150]),
    (7, [0, 2, 4, 6, 8]), (0, [0, 0.25, 0.5, 0.75, 1]), (0.3, [0, 0.1, 0.2, 0.3]),
])
def test_nice_ticks_round_the_axis(largest, expected):
    """The y axis runs from 0 to a round maximum at or above the data, in 3–4 equal steps."""
    ticks = nice_ticks(largest)
    assert ticks == pytest.approx(expected)
    assert 4 <= len(ticks) <= 5 and ticks[-1] >= largest


@pytest.mark.parametrize("value, unit, expected", [
    (66.7, "%", "66.7%"), (100.0, "%", "100%"), (12.5, "jam", "12.5 jam"), (None, "%", "—"), (3, "", "3"),
])
def test_format_value(value, unit, expected):
    """Values print with a dot, one decimal at most, and their unit."""
    assert format_value(value, unit) == expected
