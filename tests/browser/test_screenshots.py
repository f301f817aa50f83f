"""Screenshots of the main pages at phone (360x740) and desktop (1280x800) width.

Every test run takes them (so a page that fails to render, or logs a console error, fails here);
they are written to docs/screenshots/ only with UPDATE_SCREENSHOTS=1 (`make screenshots`), so an
ordinary run leaves the committed pictures alone. Phone pictures show the first screen only
(full_page=False), as a person holding the phone sees it.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.browser.conftest import require_browser, serve_app
from tests.browser.helpers import DEMO, live_user, login

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Villages of the demonstration population for the report pictures (Kemendagri codes).
VILLAGES = ["51.03.02.2001", "51.03.02.2009", "51.03.03.2001", "51.03.03.2013", "51.03.01.1004", "51.03.06.1002"]
COURSES = ["keamanan-digital-perangkat-desa", "etika-digital-melawan-hoaks", "melindungi-data-pribadi-warga"]


@pytest.fixture(scope="module")
def picture_server():
    """A server of its own, so the pictures show the shipped curriculum and not other tests' courses."""
    require_browser()
    with serve_app() as server:
        yield server


@pytest.fixture(scope="module")
def picture_data(picture_server):
    """A learner part-way through two courses, and a small population so the report has figures."""
    live_server = picture_server
    from lms.auth.models import User
    from lms.courses import services
    from lms.courses.models import Course
    from lms.extensions import db

    learner = live_user(live_server, full_name="Ni Putu Ayu Lestari", desa_kode="51.03.02.2001", jabatan="SEKDES")
    people = [live_user(live_server, full_name=f"Peserta Contoh {i + 1}", desa_kode=VILLAGES[i % len(VILLAGES)],
                        kind="warga" if i % 3 == 0 else "perangkat", jabatan=None if i % 3 == 0 else "STAF")[0]
              for i in range(12)]
    with live_server.app.app_context():
        courses = db.session.scalars(sa.select(Course).where(Course.slug.in_(COURSES))).all()
        by_slug = {c.slug: c for c in courses}
        assert set(by_slug) == set(COURSES), "the shipped curriculum changed; update COURSES"
        users = {u.username: u for u in db.session.scalars(sa.select(User).where(
            User.username.in_([learner[0], *people])))}
        for i, name in enumerate(people):
            for j, slug in enumerate(COURSES[: 1 + i % 3]):
                course = by_slug[slug]
                services.enroll(users[name], course)
                lessons = [lesson for m in course.modules for lesson in m.lessons]
                done = len(lessons) if (i + j) % 4 == 0 else (i * 2 + j) % len(lessons)
                for lesson in lessons[:done]:
                    services.complete_lesson(users[name], lesson)
                if done == len(lessons):
                    pass_quizzes(users[name], course)
        me = users[learner[0]]
        first, second = by_slug[COURSES[0]], by_slug[COURSES[1]]
        services.enroll(me, first)
        services.enroll(me, second)
        for lesson in first.modules[0].lessons[:2]:
            services.complete_lesson(me, lesson)
        # The shipped courses have no author; the demo trainer writes the first one here, so the
        # studio picture shows a trainer's screen (an admin's menu has two more items).
        first.author_id = db.session.scalar(sa.select(User.id).where(User.username == DEMO["trainer"][0]))
        info = {"course": first.slug, "lesson": first.modules[0].lessons[2].id}
        db.session.commit()
        db.session.remove()
    return {"learner": learner, **info}


def pass_quizzes(user, course) -> None:
    """Pass every quiz of the course with right answers (read on the server side), finishing the course."""
    from lms.quizzes.models import Question
    from lms.quizzes.services import course_quizzes, save_answer, start_attempt, submit_attempt

    from lms.extensions import db

    for quiz in course_quizzes(course.id):
        if quiz.practice:
            continue
        attempt, _ = start_attempt(user, quiz)
        for item in attempt.layout:
            question = db.session.get(Question, item["question_id"])
            if question.type == "short_text":
                save_answer(attempt, question.id, {"text": question.answers[0]})
            else:
                save_answer(attempt, question.id, {"choice_ids": [c.id for c in question.choices if c.correct]})
        submit_attempt(attempt)


def shrink(path: Path) -> None:
    """Keep the committed pictures small: 128 colours suit flat UI and cut the files to about a third."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def shoot(tmp_path):
    out = DOCS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    taken = []

    def take(page, name: str) -> None:
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready")
        path = out / f"{name}.png"
        page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
        shrink(path)
        width, height = png_size(path)
        assert (width, height) == (page.viewport_size["width"], page.viewport_size["height"])
        taken.append(path)

    yield take
    assert taken


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_screenshots(picture_server, picture_data, shoot, request, width):
    page = request.getfixturevalue(f"{width}_page")
    base = picture_server.url
    page.goto(f"{base}/login")
    shoot(page, f"{width}-login")

    login(page, base, *picture_data["learner"])
    shoot(page, f"{width}-dashboard")
    page.goto(f"{base}/courses/")
    shoot(page, f"{width}-catalogue")
    page.goto(f"{base}/courses/{picture_data['course']}")
    shoot(page, f"{width}-course")
    page.goto(f"{base}/courses/{picture_data['course']}/lessons/{picture_data['lesson']}")
    shoot(page, f"{width}-lesson")
    page.goto(f"{base}/courses/{picture_data['course']}")
    with page.expect_navigation():
        page.locator("a[href*='/quizzes/']").first.click()
    with page.expect_navigation():
        page.locator("form[action$='/start'] [type=submit], a[href*='/attempts/']").first.click()
    assert "/attempts/" in page.url
    shoot(page, f"{width}-quiz")
    page.locator("form[action$='/logout'] [type=submit]").first.click()
    page.wait_for_url("**/login**")

    login(page, base, *DEMO["reviewer"])
    page.goto(f"{base}/reports/")
    shoot(page, f"{width}-report")

    page.locator("form[action$='/logout'] [type=submit]").first.click()
    page.wait_for_url("**/login**")
    login(page, base, *DEMO["trainer"])
    page.goto(f"{base}/studio/")
    with page.expect_navigation():
        page.locator("main a[href*='/studio/courses/']:not([href$='/new'])").first.click()
    shoot(page, f"{width}-studio")
