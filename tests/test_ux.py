"""Phone-first pages without a browser: skip link and landmarks, a label for every input, the icons,
the "Dengarkan" button, progress bars screen readers announce, the quiz stepper, the shared-device
login, alt text for studio images, and the weight of a lesson page.

(tests/browser/ drives a real Chromium at 360 x 740 and runs axe on the same pages.)
"""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from lms.content import render_markdown
from lms.courses.models import Lesson
from lms.quizzes.models import Quiz
from tests.conftest import csrf_from
from tests.factories import make_course, make_quiz_course, make_user, quiz_spec
from tools.make_icons import write_icons

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


class Page(HTMLParser):
    """The elements of a page as (tag, attributes, ancestor tags)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, tuple[str, ...]]] = []
        self._stack: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}, tuple(self._stack)))
        if tag not in self.VOID:
            self._stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}, tuple(self._stack)))

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack.pop() != tag:
                pass

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a, _ in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def ids(self) -> set[str]:
        return {a["id"] for _t, a, _ in self.elements if "id" in a}


def _unlabelled(html: str) -> list[str]:
    """Form fields inside <main> without a label (label[for], a wrapping label, aria-label(ledby))."""
    page = Page(html)
    label_for = {a["for"] for a in page.find("label") if a.get("for")}
    ids = page.ids()
    problems = []
    for tag, attrs, ancestors in page.elements:
        if tag not in FIELDS or "main" not in ancestors:
            continue
        if tag == "input" and attrs.get("type", "text") in UNLABELLED_INPUTS:
            continue
        named = (attrs.get("id") in label_for or "label" in ancestors or attrs.get("aria-label", "").strip()
                 or (attrs.get("aria-labelledby") and set(attrs["aria-labelledby"].split()) <= ids))
        if not named:
            problems.append(f"<{tag} name={attrs.get('name')!r} id={attrs.get('id')!r}>")
    return problems


def _dangling_describedby(html: str) -> list[str]:
    page = Page(html)
    ids = page.ids()
    return [ref for _t, a, _ in page.elements for ref in a.get("aria-describedby", "").split() if ref not in ids]


def _fetch(client, url: str) -> bytes:
    """The body of a static file (its file handle closed)."""
    with client.get(url) as response:
        assert response.status_code == 200, url
        return response.get_data()


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.headers.get("Location"))
    return response.get_data(as_text=True)


@pytest.fixture
def learner(web, db):
    user = make_user()
    web.login(user.username)
    return user


def _enrolled_quiz(web, client, db, **settings):
    course = make_quiz_course(module_quiz=quiz_spec(**settings))
    web.post_form("/courses/", f"/courses/{course.slug}/enroll")
    quiz = db.session.scalar(sa.select(Quiz))
    response = web.post_form(f"/quizzes/{quiz.id}", f"/quizzes/{quiz.id}/start")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    return course, quiz, attempt_id


# ---------------------------------------------------------------------------- frame: skip link, landmarks, menu
def test_pages_have_a_skip_link_to_main_and_labelled_landmarks(client, web, db, learner):
    """Signed in or not: the first link skips to <main id=main>; header, nav (named), main and footer exist."""
    course = make_course("bingkai")
    lesson_id = db.session.scalar(sa.select(Lesson.id).order_by(Lesson.id))
    signed_in = [_get(client, "/"), _get(client, "/courses/"), _get(client, f"/courses/bingkai/lessons/{lesson_id}")]
    client.post("/logout", data={"csrf_token": csrf_from(signed_in[0])})
    for html in signed_in + [_get(client, "/login"), _get(client, "/privacy")]:
        page = Page(html)
        first_link = page.find("a")[0]
        assert first_link["href"] == "#main" and "skip-link" in first_link["class"]
        assert "Lewati ke isi utama" in html
        assert page.find("main", id="main") and page.find("header") and page.find("footer")
        assert all(nav.get("aria-label") for nav in page.find("nav")), "every <nav> needs a name"
    assert course.slug == "bingkai"


def test_menu_follows_the_role_and_marks_the_current_page(client, web, db):
    """Learners get Beranda/Katalog/Profil (no Studio); an admin gets every section; aria-current on the page."""
    learner = make_user()
    web.login(learner.username)
    page = Page(_get(client, "/courses/"))
    menu = [a for t, a, anc in page.elements if t == "a" and "nav" in anc and "header" in anc]
    hrefs = [a["href"] for a in menu]
    assert hrefs == ["/", "/courses/", "/me/profile"]
    assert [a.get("aria-current") for a in menu] == [None, "page", None]
    client.post("/logout", data={"csrf_token": csrf_from(_get(client, "/"))})
    admin = make_user("admin")
    web.login(admin.username)
    page = Page(_get(client, "/studio/"))
    hrefs = [a["href"] for t, a, anc in page.elements if t == "a" and "nav" in anc and "header" in anc]
    assert hrefs == ["/", "/courses/", "/studio/", "/reports/", "/people/", "/me/profile"]


def test_pages_leave_a_place_for_the_offline_files(client):
    """base.html includes offline/_head.html and offline/_body.html when they exist (ignore missing)."""
    base = (ROOT / "templates" / "base.html").read_text()
    assert '{% include "offline/_head.html" ignore missing %}' in base
    assert '{% include "offline/_body.html" ignore missing %}' in base
    assert base.index("offline/_head.html") < base.index("</head>") < base.index("offline/_body.html")


# ---------------------------------------------------------------------------- forms: labels and errors
def _form_pages(client, web, db):
    """(url, html) of the main forms, each seen by someone allowed to use it."""
    pages = [("/login", _get(client, "/login")), ("/register", _get(client, "/register"))]
    learner = make_user()
    web.login(learner.username)
    pages.append(("/me/profile", _get(client, "/me/profile")))
    pages.append(("/me/password", _get(client, "/me/password")))
    for one_per_page in (True, False):
        _c, _q, attempt_id = _enrolled_quiz(web, client, db, one_question_per_page=one_per_page)
        pages.append((f"/attempts/{attempt_id}", _get(client, f"/attempts/{attempt_id}")))
        db.session.execute(sa.text("UPDATE attempt SET status = 'submitted'"))
        db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_from(pages[-1][1])})
    admin = make_user("admin")
    web.login(admin.username)
    course = make_course("formulir", author=admin)
    module_id = course.modules[0].id
    for url in ("/studio/courses/new", f"/studio/courses/{course.id}", f"/studio/modules/{module_id}/lessons/new",
                "/people/new", "/people/", "/reports/", "/reports/learners", "/people/enrol"):
        pages.append((url, _get(client, url)))
    return pages


def test_every_field_of_the_main_forms_has_a_label(client, web, db):
    """Login, register, profile, quiz attempt (both layouts), studio, people and report filters."""
    pages = _form_pages(client, web, db)
    checked = 0
    for url, html in pages:
        assert _unlabelled(html) == [], url
        assert _dangling_describedby(html) == [], url
        checked += sum(1 for t, a, anc in Page(html).elements if t in FIELDS and "main" in anc)
    assert checked > 60  # the pages really had forms


def test_the_label_check_can_fail():
    html = ('<main><label for="a">A</label><input id="a"><input name="b">'
            '<label>C <select name="c"></select></label></main>')
    assert _unlabelled(html) == ["<input name='b' id=None>"]
    assert _dangling_describedby('<input aria-describedby="x-hint">') == ["x-hint"]


def test_errors_are_tied_to_their_field(client):
    """A failed login marks the field invalid and points aria-describedby at its message."""
    html = client.post("/login", data={"csrf_token": csrf_from(_get(client, "/login")), "username": "",
                                       "password": ""}).get_data(as_text=True)
    page = Page(html)
    username = page.find("input", id="username")[0]
    assert username["aria-invalid"] == "true" and username["aria-describedby"] == "username-error"
    assert re.search(r'<p class="error" id="username-error">[^<]+</p>', html)


# ---------------------------------------------------------------------------- icons
def test_favicon_is_served_at_the_root(client):
    """/favicon.ico is a real ICO (16, 32, 48 px), cached, for anonymous visitors too; pages link the icons."""
    with client.get("/favicon.ico") as response:
        body = response.get_data()
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert body[:4] == b"\x00\x00\x01\x00" and response.cache_control.max_age >= 86400
    with Image.open(io.BytesIO(body)) as icon:
        assert {(16, 16), (32, 32), (48, 48)} <= set(icon.info["sizes"])
    html = _get(client, "/login")
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
    links = re.findall(r'<link rel="(icon|apple-touch-icon)" href="(/static/img/[^"]+)"', html)
    assert [(rel, re.sub(r"\.[0-9a-f]{12}\.", ".", url)) for rel, url in links] == [
        ("icon", "/static/img/icon.svg"), ("apple-touch-icon", "/static/img/apple-touch-icon.png")]
    for _rel, url in links:
        assert _fetch(client, url), url


@pytest.mark.parametrize("name, size", [("icon-192.png", 192), ("icon-512.png", 512), ("apple-touch-icon.png", 180)])
def test_app_icons_have_their_size(name, size):
    with Image.open(ROOT / "static" / "img" / name) as icon:
        assert icon.size == (size, size) and icon.format == "PNG"
        assert icon.convert("RGB").getpixel((2, 2)) == (11, 110, 79)  # full bleed: usable as a maskable icon


def test_committed_icons_are_what_the_script_draws(tmp_path):
    """tools/make_icons.py reproduces static/img byte for byte (the icons are not edited by hand)."""
    for path in write_icons(tmp_path):
        assert path.read_bytes() == (ROOT / "static" / "img" / path.name).read_bytes(), path.name


# ---------------------------------------------------------------------------- "Dengarkan"
LISTEN_JS = re.compile(r'<script src="/static/js/listen(\.[0-9a-f]+)?\.js" defer></script>')


def _listen_buttons(html: str) -> list[dict]:
    return [a for t, a, _ in Page(html).elements if t == "button" and "data-listen" in a]


def test_lesson_page_has_a_hidden_listen_button_for_the_lesson(client, web, db, learner):
    make_course("dengar")
    lesson_id = db.session.scalar(sa.select(Lesson.id).order_by(Lesson.id))
    html = _get(client, f"/courses/dengar/lessons/{lesson_id}")
    buttons = _listen_buttons(html)
    assert len(buttons) == 1
    button = buttons[0]
    assert "hidden" in button and button["type"] == "button" and button["aria-pressed"] == "false"
    assert button["data-stop-label"] == "Berhenti" and "Dengarkan" in html
    assert button["data-listen"] in Page(html).ids()
    assert re.search(r'id="lesson-text"[^>]*>\s*<h1 data-speak lang="id">', html)
    assert LISTEN_JS.search(html)


def test_attempt_page_has_a_listen_button_per_question(client, web, db, learner):
    _course, _quiz, attempt_id = _enrolled_quiz(web, client, db, one_question_per_page=False)
    html = _get(client, f"/attempts/{attempt_id}")
    buttons = _listen_buttons(html)
    fieldsets = Page(html).find("fieldset")
    assert len(buttons) == len(fieldsets) == 5
    assert all("hidden" in b and b["aria-pressed"] == "false" for b in buttons)
    assert [b["data-listen"] for b in buttons] == [f["id"] for f in fieldsets]
    assert html.count("data-speak") == 5 + 3 + 4 + 2 + 3  # each question's text and its choices
    assert LISTEN_JS.search(html)


# ---------------------------------------------------------------------------- progress and the quiz stepper
def test_progress_bars_are_named_and_bounded(client, web, db, learner):
    """Dashboard: a native <progress> (role progressbar) with a name, max and value, and the figure as text."""
    course = make_course("maju", modules=1, lessons=2)
    web.post_form("/courses/", "/courses/maju/enroll")
    lesson = db.session.scalar(sa.select(Lesson).order_by(Lesson.id))
    web.post_form(f"/courses/maju/lessons/{lesson.id}", f"/courses/maju/lessons/{lesson.id}/complete")
    for url in ("/", f"/courses/{course.slug}"):
        html = _get(client, url)
        bars = [bar for bar in Page(html).find("progress") if "progress" in bar.get("class", "").split()]
        assert bars, url
        for bar in bars:
            assert bar["aria-label"].strip() and bar["max"] == "100" and float(bar["value"]) == 50.0
        assert re.search(r"50([.,]0)?% selesai", html)  # the figure in words too


def test_one_question_per_page_shows_its_place_and_progress(client, web, db, learner):
    _course, _quiz, attempt_id = _enrolled_quiz(web, client, db)
    html = _get(client, f"/attempts/{attempt_id}?page=2")
    bar = Page(html).find("progress", id="quiz-progress")[0]
    assert bar["max"] == "5" and bar["value"] == "3" and bar["aria-label"] and "hidden" not in bar
    assert "Soal 3 dari 5" in html and 'id="stepper"' not in html


def test_all_questions_on_one_page_get_a_phone_stepper_that_needs_no_submit(client, web, db, learner):
    """The stepper's buttons are type=button and hidden until quiz.js shows them on a small screen."""
    _course, _quiz, attempt_id = _enrolled_quiz(web, client, db, one_question_per_page=False)
    html = _get(client, f"/attempts/{attempt_id}")
    page = Page(html)
    stepper = page.find("div", id="stepper")[0]
    assert "hidden" in stepper
    steps = [a for t, a, anc in page.elements if t == "button" and "data-step" in a]
    assert [(b["type"], b["data-step"]) for b in steps] == [("button", "-1"), ("button", "1")]
    assert [f"Soal {n} dari 5" in html for n in range(1, 6)] == [True] * 5
    assert "hidden" in page.find("progress", id="quiz-progress")[0]
    # without JavaScript the page still posts every question at once
    assert len(re.findall(r'name="shown" value="\d+"', html)) == 5
    quiz_js = (ROOT / "static" / "js" / "quiz.js").read_text()
    assert 'matchMedia("(max-width: 719px)")' in quiz_js and "getElementById(\"stepper\")" in quiz_js


def test_choices_are_whole_label_tap_targets(client, web, db, learner):
    _course, _quiz, attempt_id = _enrolled_quiz(web, client, db, one_question_per_page=False)
    page = Page(_get(client, f"/attempts/{attempt_id}"))
    radios = [(a, anc) for t, a, anc in page.elements if t == "input" and a.get("type") in ("radio", "checkbox")]
    assert len(radios) == 3 + 4 + 2 + 3 and all(anc[-1] == "label" for _a, anc in radios)


# ---------------------------------------------------------------------------- shared device
def _login(client, user, **extra):
    token = csrf_from(_get(client, "/login"))
    return client.post("/login", data={"csrf_token": token, "username": user.username,
                                       "password": "kata-sandi-rahasia-123", **extra})


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_shared_device_login_keeps_no_cookie_after_the_browser_closes(client, db):
    user = make_user()
    response = _login(client, user, shared_device="y")
    assert response.status_code == 302
    cookie = _session_cookie(response).lower()
    assert "expires=" not in cookie and "max-age=" not in cookie and "httponly" in cookie
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token")]
    with client.session_transaction() as session:
        assert session["shared_device"] is True and session.permanent is False
    assert 'data-shared-device="1"' in _get(client, "/")


def test_personal_login_lasts_until_the_idle_timeout(app, client, db):
    """Without the box: the cookie outlives the browser, for as long as the idle timeout."""
    user = make_user()
    cookie = _session_cookie(_login(client, user)).lower()
    assert "expires=" in cookie and "httponly" in cookie
    with client.session_transaction() as session:
        assert "shared_device" not in session and "_user_id" in session and session.permanent is True
    assert app.permanent_session_lifetime.total_seconds() == app.config["IDLE_TIMEOUT_MINUTES"] * 60
    assert "data-shared-device" not in _get(client, "/")


def test_login_page_offers_the_shared_device_box(client):
    page = Page(_get(client, "/login"))
    box = page.find("input", id="shared_device")[0]
    assert box["type"] == "checkbox" and "shared_device-hint" in box["aria-describedby"]
    assert page.find("label", **{"for": "shared_device"})


@pytest.mark.parametrize("shared", [True, False])
def test_logout_clears_the_browsers_cache_and_storage(client, db, shared):
    """Every logout sends Clear-Site-Data (the offline store holds one person's lessons and answers)."""
    user = make_user()
    _login(client, user, **({"shared_device": "y"} if shared else {}))
    response = client.post("/logout", data={"csrf_token": csrf_from(_get(client, "/"))})
    assert response.status_code == 302 and response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/").status_code == 302  # signed out


def test_a_refused_logout_clears_nothing(client, db):
    user = make_user()
    _login(client, user)
    response = client.post("/logout", data={"csrf_token": "wrong"})
    assert "Clear-Site-Data" not in response.headers
    assert client.get("/").status_code == 200  # still signed in


def test_shared_device_survives_the_second_factor(client, web, db):
    """The box ticked before the TOTP step still marks the session once the code is accepted."""
    import pyotp

    from lms.auth import totp

    user = make_user("trainer")
    secret, _uri = totp.start_setup(user)
    totp.confirm_setup(user, secret, pyotp.TOTP(secret).now())
    user.totp_last_step = None
    db.session.commit()
    response = _login(client, user, shared_device="y")
    assert response.headers["Location"].startswith("/login/2fa")
    page = _get(client, "/login/2fa")
    response = client.post("/login/2fa", data={"csrf_token": csrf_from(page), "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["shared_device"] is True and "_user_id" in session and "pending_2fa" not in session


# ---------------------------------------------------------------------------- studio images: alt text
def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 80)).save(out, format="PNG")
    return out.getvalue()


def _upload(client, course_id: int, page_url: str, alt: str):
    token = csrf_from(_get(client, page_url))
    return client.post(f"/studio/courses/{course_id}/images", follow_redirects=True, content_type="multipart/form-data",
                       data={"csrf_token": token, "back": page_url, "alt": alt,
                             "image": (io.BytesIO(_png()), "foto.png")})


def test_studio_asks_for_alt_text_and_puts_it_in_the_markdown(client, web, db, app):
    trainer = make_user("trainer")
    course = make_course("gambar", author=trainer)
    web.login(trainer.username)
    page_url = f"/studio/modules/{course.modules[0].id}/lessons/new"
    alt_input = Page(_get(client, page_url)).find("input", id="alt")[0]
    assert "required" in alt_input and alt_input["maxlength"] == "200" and alt_input["aria-describedby"] == "alt-hint"
    folder = Path(app.config["UPLOAD_FOLDER"]) / "images"
    before = set(folder.glob("*")) if folder.exists() else set()
    for missing in ("", "   ", "[ ]\\"):
        html = _upload(client, course.id, page_url, missing).get_data(as_text=True)
        assert "tulis teks alternatifnya" in html and "Gambar diunggah" not in html, missing
    assert (set(folder.glob("*")) if folder.exists() else set()) == before  # nothing stored without alt text
    html = _upload(client, course.id, page_url, " Peta [desa]\\ Munggu\n").get_data(as_text=True)
    markdown = re.search(r"!\[([^\]]*)\]\((/media/[A-Za-z0-9_-]{22}\.png)\)", html)
    assert markdown and markdown.group(1) == "Peta desa Munggu"
    rendered = render_markdown(markdown.group(0))
    assert 'alt="Peta desa Munggu"' in rendered and markdown.group(2) in rendered  # the sanitizer keeps alt


# ---------------------------------------------------------------------------- weight
def test_a_lesson_page_with_its_css_and_js_stays_under_60_kb(client, web, db, learner):
    make_course("ringan")
    lesson_id = db.session.scalar(sa.select(Lesson.id).order_by(Lesson.id))
    html = _get(client, f"/courses/ringan/lessons/{lesson_id}")
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(r'<script src="([^"]+)"', html)
    sizes = {re.sub(r"\.[0-9a-f]{12}\.", ".", url): len(_fetch(client, url)) for url in assets}
    assert {"/static/css/app.css", "/static/js/listen.js"} <= set(sizes) and all(sizes.values()), sizes
    total = len(html.encode()) + sum(sizes.values())
    assert total < 60 * 1024, (total, sizes)
    assert sizes["/static/css/app.css"] < 20 * 1024
