"""Light pages on a phone: a lesson page's HTML, CSS and JavaScript together stay under 60 KB.

Every lesson of the shipped curriculum is rendered for a signed-in, enrolled learner; the
HTML plus every stylesheet and script it references (fetched through the app, as a browser
would on its first visit) is counted uncompressed, images left out. ``pytest -s`` prints the
heaviest page and what it is made of.
"""
from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser

import sqlalchemy as sa

from lms.cli import seed_content
from lms.courses.models import Course, Lesson
from lms.courses.services import enroll
from tests.factories import make_user

LIMIT = 60 * 1024  # 61,440 bytes


class Assets(HTMLParser):
    """The stylesheets and scripts an HTML page makes the browser download."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").lower().split()
        if tag == "link" and ("stylesheet" in rel or "modulepreload" in rel or "preload" in rel) and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def _fetch(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.get_data()
    response.close()
    return body


def page_weight(client, url: str) -> dict[str, int]:
    """Bytes of the page and of each stylesheet and script it references (CSS @import followed)."""
    html = _fetch(client, url)
    parser = Assets()
    parser.feed(html.decode("utf-8"))
    parts, queue = {url: len(html)}, list(parser.urls)
    gzipped = len(gzip.compress(html))
    while queue:
        asset = queue.pop(0)
        assert asset.startswith("/"), f"not served by the app (no CDN): {asset}"
        if asset in parts:
            continue
        body = _fetch(client, asset)
        parts[asset] = len(body)
        gzipped += len(gzip.compress(body))
        if asset.split("?")[0].endswith(".css"):
            queue += re.findall(r"""@import\s+(?:url\()?["']?([^"')\s;]+)""", body.decode("utf-8"))
    parts["gzip (all)"] = gzipped
    return parts


def test_every_lesson_page_of_the_curriculum_is_under_60_kb(client, web, db):
    seed_content()
    learner = make_user()
    courses = db.session.scalars(sa.select(Course).where(Course.status == "published")).all()
    assert len(courses) >= 7
    for course in courses:
        enroll(learner, course)
    db.session.commit()
    web.login(learner.username)

    lessons = db.session.execute(sa.select(Course.slug, Lesson.id).join(Lesson, Lesson.course_id == Course.id)
                                 .where(Course.status == "published")).all()
    assert len(lessons) >= 20
    weights = []
    for slug, lesson_id in lessons:
        parts = page_weight(client, f"/courses/{slug}/lessons/{lesson_id}")
        total = sum(size for name, size in parts.items() if name != "gzip (all)")
        weights.append((total, parts))
    total, parts = max(weights, key=lambda item: item[0])
    print(f"\nheaviest of {len(weights)} lesson pages: {total:,} bytes (limit {LIMIT:,}), "
          f"{parts['gzip (all)']:,} gzipped")
    for name, size in parts.items():
        print(f"  {size:>7,}  {name}")
    assert len(parts) >= 3, "the page should reference its stylesheet and scripts"
    assert total < LIMIT, f"{total:,} bytes of HTML, CSS and JS: {parts}"
