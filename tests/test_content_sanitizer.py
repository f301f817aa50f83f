"""The one sanitizer (lms.content.render_markdown)."""
import json
from pathlib import Path

import pytest

from lms.content import render_markdown
from tests.markup import executable_markup

PAYLOADS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg onload=alert(1)>", "<a href=\"javascript:alert(1)\">x</a>", "![x](javascript:alert(1))",
    "<iframe src=//evil></iframe>", "<<script>script>alert(1)<</script>/script>",
    "[x](&#106;avascript:alert(1))", "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>", "`<script>` ok in code",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitizer_leaves_nothing_executable(payload):
    assert executable_markup(render_markdown(payload)) == []


def test_sanitizer_on_the_big_list_of_naughty_strings():
    """None of the BLNS strings comes out as executable markup."""
    strings = json.loads((Path(__file__).parent / "data" / "blns.json").read_text(encoding="utf-8"))
    assert len(strings) > 500
    for text in strings:
        assert executable_markup(render_markdown(text)) == [], text


def test_sanitizer_keeps_ordinary_markdown():
    html = render_markdown("## Judul\n\n- satu\n- dua\n\n[Kominfo](https://badungkab.go.id) `kode`\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<h2>Judul</h2>" in html and "<li>satu</li>" in html and "<code>kode</code>" in html
    assert 'href="https://badungkab.go.id"' in html and 'rel="noopener noreferrer"' in html
    assert "<table>" in html


def test_images_load_only_from_our_media_folder():
    html = render_markdown("![a](/media/abc.png) ![b](https://tracker.example/p.gif) ![c](//evil/x.png) ![d](/logout)")
    assert 'src="/media/abc.png"' in html
    assert "tracker" not in html and "evil" not in html and 'src="/logout"' not in html
