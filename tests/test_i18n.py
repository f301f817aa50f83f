"""Bahasa Indonesia by default, English complete as the second language (docs/i18n.md).

The catalogue tests extract the msgids from the code as ``tools/update_translations.sh`` does,
so a new string without an English translation fails here. The rendering tests ask for pages in
English and look for Indonesian msgids that slipped through.
"""
from __future__ import annotations

import html
import io
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import get_locale
from wtforms.i18n import messages_path

from lms.auth.models import User
from lms.courses.services import enroll
from lms.i18n import COOKIE, number, select_locale
from lms.quizzes.models import Certificate, Quiz
from lms.quizzes.services import start_attempt
from tests.conftest import csrf_from
from tests.factories import make_quiz_course, make_user

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
FORMS_CATALOGUE = ROOT / "translations" / "id" / "LC_MESSAGES" / "wtforms.po"
# the same keywords as tools/update_translations.sh (-k _l -k lazy_gettext -k lazy_ngettext:1,2)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
# %(name)s, %s, %d, %.1f, %% ... as Python's %-formatting reads them (Jinja formats every string)
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
EN = {"Accept-Language": "en-US,en;q=0.9"}


def _read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _key(msgid) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _forms(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


@pytest.fixture(scope="module")
def catalogue():
    return _read(CATALOGUE)


def _directory_filter(path) -> bool:
    """As the tool's --ignore-dirs: skip hidden folders and __pycache__, but not templates/_macros."""
    name = os.path.basename(path)
    return not (name.startswith(".") or name == "__pycache__")


@pytest.fixture(scope="module")
def extracted() -> dict:
    """msgid → (plural or None, first location), extracted with babel.cfg as the tool does."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_directory_filter):
        singular, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        if singular:
            found.setdefault(singular, (plural, f"{filename}:{lineno}"))
    return found


# ---------------------------------------------------------------------------- (a) the catalogue is complete
def test_extraction_finds_the_strings_of_code_and_templates(extracted):
    """Guard the guard: the mapping in babel.cfg reaches Python files and templates."""
    where = {location.split(":")[0] for _plural, location in extracted.values()}
    assert any(w.startswith("lms/") for w in where) and any(w.startswith("templates/") for w in where)
    assert len(extracted) > 500
    assert "Profil saya" in extracted and "Nama lengkap" in extracted  # a template string and a lazy form label
    assert "Dengarkan" in extracted  # templates/_macros/listen.html: folders starting with "_" are read too


def test_every_msgid_in_the_code_has_an_english_translation(catalogue, extracted):
    entries = {_key(m.id): m for m in catalogue if m.id}
    missing = [f"{msgid!r} ({where})" for msgid, (_plural, where) in extracted.items() if msgid not in entries]
    assert not missing, ("strings missing from translations/en/LC_MESSAGES/messages.po; run "
                         "tools/update_translations.sh and translate them:\n" + "\n".join(missing))
    wrong_plural = [msgid for msgid, (plural, _w) in extracted.items()
                    if plural != (entries[msgid].id[1] if isinstance(entries[msgid].id, tuple) else None)]
    assert not wrong_plural, f"singular/plural forms differ from the code: {wrong_plural}"


def test_no_entry_is_untranslated_fuzzy_stale_or_obsolete(catalogue, extracted):
    untranslated = [m.id for m in catalogue if m.id and not all(s.strip() for s in _forms(m.string))]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    stale = [m.id for m in catalogue if m.id and _key(m.id) not in extracted]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy (check, then remove the fuzzy flag): {fuzzy}"
    assert not stale, f"no longer in the code (run tools/update_translations.sh): {stale}"
    assert not catalogue.obsolete, f"obsolete #~ entries: {list(catalogue.obsolete)}"
    assert catalogue.num_plurals == 2


def test_wtforms_messages_have_an_indonesian_catalogue():
    """WTForms ships no Indonesian; ours must cover every message of the installed WTForms."""
    theirs = _read(Path(messages_path()) / "wtforms.pot")
    ours = {_key(m.id): m for m in _read(FORMS_CATALOGUE) if m.id}
    missing = [_key(m.id) for m in theirs if m.id and _key(m.id) not in ours]
    empty = [k for k, m in ours.items() if not all(s.strip() for s in _forms(m.string)) or m.fuzzy]
    assert not missing and not empty, (missing, empty)


# ---------------------------------------------------------------------------- (b) placeholders
@pytest.mark.parametrize("path", [CATALOGUE, FORMS_CATALOGUE], ids=["en-messages", "id-wtforms"])
def test_placeholders_match_between_msgid_and_msgstr(path):
    catalogue = _read(path)
    bad = []
    for message in catalogue:
        if not message.id:
            continue
        sources = _forms(message.id)
        for index, translated in enumerate(_forms(message.string)):
            source = sources[min(index, len(sources) - 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
                bad.append((source, translated))
    assert not bad, f"placeholders differ: {bad}"
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalogue.check()]
    assert not errors, errors


def test_the_placeholder_check_can_fail():
    found = PLACEHOLDER.findall
    assert sorted(found("Nilai %(p)s%% dari %(n)d")) != sorted(found("Score %(p)s of %(n)d"))
    assert sorted(found("Nilai %(p)s%% dari %(n)d")) == sorted(found("Score %(n)d, %(p)s%%"))


# ---------------------------------------------------------------------------- (c) compiled catalogues are current
@pytest.mark.parametrize("path", [CATALOGUE, FORMS_CATALOGUE], ids=["en-messages", "id-wtforms"])
def test_compiled_catalogue_matches_the_po_file(path):
    """`make run` and `make test` compile the .mo files (never committed); a stale one fails here."""
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make translations` (make run and make test do it)"
    expected = io.BytesIO()
    write_mo(expected, _read(path))
    assert mo.read_bytes() == expected.getvalue(), f"{mo} is older than {path.name}: run `make translations`"


# ---------------------------------------------------------------------------- (d) the English interface
def _indonesian_msgids(catalogue) -> list[str]:
    """Indonesian sentences that must not show on an English page (translated differently, long enough
    not to occur by chance in test data)."""
    result = []
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple):
            continue
        text = re.sub(r"%\([^)]*\)[sd]", "\0", message.id).replace("%%", "%")
        part = max(text.split("\0"), key=len).strip()
        if message.string != message.id and len(part) >= 14 and " " in part:
            result.append(part)
    return result


def _assert_english(response, catalogue, *expected):
    assert response.status_code == 200, response.status_code
    page = html.unescape(response.get_data(as_text=True))
    assert '<html lang="en">' in page
    assert response.headers["Content-Language"] == "en"
    for text in expected:
        assert text in page, text
    leaked = [msgid for msgid in _indonesian_msgids(catalogue) if msgid in page]
    assert not leaked, f"Indonesian on an English page: {leaked}"


@pytest.fixture
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = EN["Accept-Language"]
    return client


@pytest.fixture
def world(db):
    learner = make_user(full_name="Made Learner")
    course = make_quiz_course("digital-safety")
    enroll(learner, course)
    db.session.commit()
    quiz = db.session.scalars(sa.select(Quiz)).first()
    return learner, course, quiz


def saved_locale(db, user) -> str | None:
    return db.session.scalar(sa.select(User.locale).where(User.id == user.id))  # from the database, not the session


def test_the_indonesian_leak_check_can_fail(catalogue):
    assert "Kata sandi sudah diganti." in _indonesian_msgids(catalogue)


def test_login_page_in_english(english, catalogue):
    _assert_english(english.get("/login"), catalogue, "Sign in to Cakap Desa", "Username", "Password",
                    "A resident without an account?")


def test_pages_of_a_learner_in_english(english, web, db, catalogue, world):
    learner, course, quiz = world
    web.login(learner.username)
    _assert_english(english.get("/"), catalogue, "My courses", "Hello, Made Learner")
    _assert_english(english.get(f"/courses/{course.slug}"), catalogue, "Course progress", "Module 1: ")
    _assert_english(english.get(f"/quizzes/{quiz.id}"), catalogue, "Start the quiz", "5 questions", "Pass mark")
    attempt, _created = start_attempt(learner, quiz)
    db.session.commit()
    _assert_english(english.get(f"/attempts/{attempt.id}"), catalogue, "Question 1")
    _assert_english(english.get("/me/profile"), catalogue, "My profile", "Display language")


def test_report_page_in_english(english, web, catalogue, world):
    reviewer = make_user("reviewer")
    web.login(reviewer.username)
    _assert_english(english.get("/reports/"), catalogue, "Regency summary", "By district", "village officials")


def test_flash_messages_and_form_errors_follow_the_language(english, web, db, world):
    learner, course, _quiz = world
    other = make_quiz_course("second-course")
    web.login(learner.username)
    response = web.post_form(f"/courses/{other.slug}", f"/courses/{other.slug}/enroll", follow_redirects=True)
    assert "You are enrolled in this course. Happy learning!" in response.get_data(as_text=True)
    response = web.post_form("/me/profile", "/me/profile", {"full_name": "x" * 200, "locale": ""})
    page = html.unescape(response.get_data(as_text=True))
    assert "Field cannot be longer than 120 characters." in page  # WTForms' own message, in English


def test_wtforms_messages_are_indonesian_by_default(client, web, world):
    learner, _course, _quiz = world
    web.login(learner.username)
    response = web.post_form("/me/profile", "/me/profile", {"full_name": "x" * 200, "locale": ""})
    page = html.unescape(response.get_data(as_text=True))
    assert "Isian tidak boleh lebih dari 120 karakter." in page
    assert "Field cannot be longer" not in page


def test_indonesian_is_the_default(client, catalogue):
    response = client.get("/login")
    page = response.get_data(as_text=True)
    assert '<html lang="id">' in page and "Masuk ke Cakap Desa" in page
    assert response.headers["Content-Language"] == "id"
    assert "Accept-Language" in response.headers["Vary"]
    # a language we do not have falls back to Indonesian; a regional English tag matches English
    assert "Masuk ke Cakap Desa" in client.get("/login", headers={"Accept-Language": "fr-FR,fr"}).get_data(
        as_text=True)
    assert "Sign in to Cakap Desa" in client.get("/login", headers={"Accept-Language": "en-AU"}).get_data(
        as_text=True)
    assert "Masuk ke Cakap Desa" in client.get("/login", headers={"Accept-Language": "id-ID,en;q=0.5"}).get_data(
        as_text=True)


def test_user_setting_beats_accept_language(client, web, db, world):
    learner = world[0]
    learner.locale = "id"
    db.session.commit()
    web.login(learner.username)
    assert "Kursus saya" in client.get("/", headers=EN).get_data(as_text=True)
    db.session.execute(sa.update(User).where(User.id == learner.id).values(locale="en"))
    db.session.commit()
    assert "My courses" in client.get("/").get_data(as_text=True)  # no Accept-Language at all


def test_profile_saves_the_language(client, web, db, world):
    learner = world[0]
    web.login(learner.username)
    response = web.post_form("/me/profile", "/me/profile", {"full_name": "Made Learner", "locale": "en"},
                             follow_redirects=True)
    assert "Profile saved." in response.get_data(as_text=True)  # already in the new language
    assert saved_locale(db, learner) == "en"
    web.post_form("/me/profile", "/me/profile", {"full_name": "Made Learner", "locale": ""})
    assert saved_locale(db, learner) is None  # back to following the browser
    response = web.post_form("/me/profile", "/me/profile", {"full_name": "Made Learner", "locale": "fr"})
    assert response.status_code == 200 and saved_locale(db, learner) is None


def test_anonymous_language_switch_needs_csrf_and_keeps_the_choice(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    refused = client.post("/language", data={"locale": "en", "next": "/login"})
    assert refused.status_code == 400 and COOKIE not in refused.headers.get("Set-Cookie", "")
    response = client.post("/language", data={"locale": "en", "next": "/login", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert f"{COOKIE}=en" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert "Sign in to Cakap Desa" in client.get("/login").get_data(as_text=True)
    # the choice beats Accept-Language, and switching back works the same way
    assert "Sign in to Cakap Desa" in client.get("/login", headers={"Accept-Language": "id"}).get_data(as_text=True)
    client.post("/language", data={"locale": "id", "next": "/login", "csrf_token": token})
    assert "Masuk ke Cakap Desa" in client.get("/login", headers=EN).get_data(as_text=True)


def test_language_switch_refuses_bad_values_and_foreign_redirects(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/language", data={"locale": "fr", "next": "/login", "csrf_token": token})
    assert response.status_code == 302 and COOKIE not in response.headers.get("Set-Cookie", "")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example/",
                   "javascript:alert(1)"):
        response = client.post("/language", data={"locale": "en", "next": target, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"] == "/", target


def test_signed_in_switch_is_saved_on_the_account(client, web, db, world):
    learner = world[0]
    web.login(learner.username)
    web.post_form("/", "/language", {"locale": "en", "next": "/"})
    assert saved_locale(db, learner) == "en"
    client.delete_cookie(COOKIE)
    assert "My courses" in client.get("/", headers={"Accept-Language": "id"}).get_data(as_text=True)


def test_api_errors_follow_accept_language_with_the_same_codes(client):
    body = {"username": "nobody", "password": "wrong-password-123"}
    english = client.post("/api/v1/auth/token", json=body, headers=EN)
    indonesian = client.post("/api/v1/auth/token", json=body)
    assert english.status_code == indonesian.status_code == 401
    assert english.get_json()["error"]["code"] == indonesian.get_json()["error"]["code"]
    assert english.get_json()["error"]["message"] == "Wrong username or password, or the account is inactive."
    assert indonesian.get_json()["error"]["message"].startswith("Nama pengguna atau kata sandi salah")


def test_whatsapp_reminders_are_in_the_learners_language_not_the_reviewers(app, db, world):
    from urllib.parse import unquote

    from lms.reports.services import whatsapp_link

    learner, course, _quiz = world
    learner.phone = "+6281234567890"
    with app.test_request_context(headers=EN):  # a reviewer reading the English interface
        indonesian = unquote(whatsapp_link(learner, course, "not_started"))
        learner.locale = "en"
        english = unquote(whatsapp_link(learner, course, "inactive"))
        page_language = str(get_locale())
    assert "Anda sudah terdaftar di kursus" in indonesian
    assert "is waiting for you" in english and "Om Swastiastu" in english
    assert page_language == "en"  # the rest of the page stays in the reviewer's language


def test_the_selector_outside_a_request_uses_the_default(app):
    assert select_locale() == app.config["BABEL_DEFAULT_LOCALE"] == "id"


# ---------------------------------------------------------------------------- (e) dates, times, numbers
WHEN = datetime(2026, 11, 28, 7, 5, tzinfo=timezone.utc)  # 15:05 WITA


@pytest.mark.parametrize("language, expected", [
    ("id", ["28 Nov 2026", "15.05", "WITA"]),
    ("en", ["Nov 28, 2026", "3:05", "PM", "WITA"]),
])
def test_times_are_shown_in_wita_in_the_locale(app, language, expected):
    with app.test_request_context(headers={"Accept-Language": language}):
        shown = render_template_string("{{ when|wita }}", when=WHEN)
        naive = render_template_string("{{ when|wita('short') }}", when=WHEN.replace(tzinfo=None))  # SQLite
    for part in expected:
        assert part in shown, (part, shown)
    assert "WITA" in naive and ("15.05" in naive or "3:05" in naive), naive


@pytest.mark.parametrize("language, long_date", [("id", "28 November 2026"), ("en", "November 28, 2026")])
def test_dates_in_the_locale(app, language, long_date):
    from flask_babel import format_date

    from lms.timeutil import to_local

    with app.test_request_context(headers={"Accept-Language": language}):
        assert format_date(to_local(datetime(2026, 11, 27, 17, 0, tzinfo=timezone.utc)), "long") == long_date


@pytest.mark.parametrize("language, expected", [("id", ("1.234,5", "33,3", "1.234.567", "—")),
                                                ("en", ("1,234.5", "33.3", "1,234,567", "—"))])
def test_numbers_in_the_locale(app, language, expected):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert (number(1234.5), number(33.3333), number(1234567), number(None)) == expected
        assert render_template_string("{{ 1234.5|number }}") == expected[0]


def test_report_pdf_numbers_follow_the_language(app):
    from lms.reports.pdf import number as pdf_number

    with app.app_context(), app.test_request_context(headers=EN):  # its own g, as a real request has
        assert (pdf_number(1520.5, 1), pdf_number(66.666, 1, "%"), pdf_number(None, 1)) == ("1,520.5", "66.7%", "—")
    with app.app_context(), app.test_request_context():
        assert pdf_number(1520.5, 1) == "1.520,5"


# ---------------------------------------------------------------------------- (f) the certificate PDF
@pytest.mark.parametrize("language, expected, absent", [
    ("en", ["CERTIFICATE", "awarded to", "has completed the course", "Digital literacy pillar: Digital Safety",
            "Date completed: November 28, 2026 (WITA)", "Verification code"], ["SERTIFIKAT", "diberikan kepada"]),
    ("id", ["SERTIFIKAT", "diberikan kepada", "telah menyelesaikan kursus", "Pilar literasi digital: Aman Digital",
            "Tanggal selesai: 28 November 2026 (WITA)", "Kode verifikasi"], ["CERTIFICATE", "awarded to"]),
])
def test_certificate_pdf_labels_follow_the_language(client, web, db, world, language, expected, absent):
    from pypdf import PdfReader

    learner, course, _quiz = world
    certificate = Certificate(code="I18N-TEST-CODE-0001", user_id=learner.id, course_id=course.id, issued_at=WHEN)
    db.session.add(certificate)
    db.session.commit()
    web.login(learner.username)
    response = client.get(f"/certificates/{certificate.code}.pdf", headers={"Accept-Language": language})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    for part in expected:
        assert part in text, (part, text)
    for part in absent:
        assert part not in text, (part, text)
