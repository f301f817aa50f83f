"""Helpers for the browser tests: signing in through the login form, and the axe-core check."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
# WCAG 2.0/2.1 level A and AA rules (axe's tags); best-practice rules are reported by axe too but
# the contract is WCAG 2.1 AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}

DEMO = {
    "trainer": ("pelatih", "Sawah-Hijau-Subak-7"),
    "reviewer": ("peninjau", "Pura-Ulun-Danu-Beratan"),
    "learner": ("warga", "Jukung-Biru-Getasan-3"),
    "perangkat": ("perangkat", "Kulkul-Banjar-Munggu-9"),
    "admin": ("admin", "Kopi-Kintamani-2026"),
    "operator": ("operator", "Lontar-Tua-Taman-Ayun"),
}


def login(page, base_url: str, username: str, password: str) -> None:
    """Sign in through the login form as a person would, and wait until the app has let us in."""
    page.goto(f"{base_url}/login")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("[type=submit]").click()
    assert "/login" not in page.url, f"login as {username} failed: still on {page.url}"


def logout(page) -> None:
    """Sign out through the form in the page header."""
    with page.expect_navigation():
        page.locator("form[action$='/logout'] [type=submit]").first.click()


def axe_violations(page) -> list[dict]:
    """Run axe-core (vendored) on the current page for the WCAG 2.0/2.1 A and AA rules; return every violation.

    The app's CSP (``script-src 'self'``) would block an injected script tag, so the library is
    evaluated with ``page.evaluate``: Playwright runs it through the DevTools protocol, which the
    page's CSP does not govern. No CSP bypass is needed, so axe checks the page exactly as served.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
        }""",
        AXE_TAGS,
    )


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def describe(name: str, url: str, violations: list[dict]) -> str:
    """One line per rule and element: what a person fixing the template needs."""
    lines = [f"{name} ({url}):"]
    for v in violations:
        for node in v["nodes"][:8]:
            lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} -> {node['target']}")
    return "\n".join(lines)


def axe_check(page, name: str) -> list[dict]:
    """Fail on a serious or critical WCAG 2.1 AA violation (axe-core) on the current page.

    Returns every violation (of any impact), for callers that want to report the minor ones.
    """
    found = axe_violations(page)
    bad = serious(found)
    assert not bad, "axe-core: " + describe(name, page.url, bad)
    return found


# ---------------------------------------------------------------------------- data on the live server
# Tests that need their own course or person make them in the live server's database, in the
# live app's context (never the per-test database of tests/conftest.py). Names carry a counter, so
# tests stay independent although the server lives for the whole session.
_seq = itertools.count(1)
PASSWORD = "Kata-Sandi-Uji-Peramban-42"

QUIZ = {
    "title": "Kuis keamanan akun",
    "pass_percent": 70,
    "questions": [
        {"type": "single", "text": "Berapa panjang minimal kata sandi yang dianjurkan?",
         "explanation": "BSSN menganjurkan 12 karakter.",
         "choices": [{"text": "6 karakter"}, {"text": "12 karakter", "correct": True}, {"text": "4 karakter"}]},
        {"type": "multiple", "text": "Mana saja tanda pesan penipuan?", "explanation": "Desakan dan tautan aneh.",
         "choices": [{"text": "Mendesak segera transfer", "correct": True},
                     {"text": "Tautan yang aneh", "correct": True}, {"text": "Dikirim dari kantor desa"}]},
        {"type": "true_false", "text": "Kode OTP boleh dibagikan kepada petugas bank.", "explanation": "Jangan pernah.",
         "choices": [{"text": "Benar"}, {"text": "Salah", "correct": True}]},
        {"type": "short_text", "text": "Berapa jam batas waktu melapor kebocoran data?",
         "explanation": "3 x 24 jam.", "answers": ["72 jam", "72"]},
    ],
}


def live_course(live_server, *, title: str | None = None, lessons: int = 1, quiz: dict | None = QUIZ,
                status: str = "published", author: str | None = "pelatih") -> dict:
    """Import a one-module course (with a module quiz) into the live database through the one importer."""
    import sqlalchemy as sa

    from lms.auth.models import User
    from lms.courses.models import Course
    from lms.extensions import db
    from lms.packages import import_package

    n = next(_seq)
    slug = f"uji-peramban-{n}"
    module = {"title": "Modul keamanan akun",
              "lessons": [{"title": f"Kata sandi yang kuat, bagian {i + 1}", "minutes": 5,
                           "body_markdown": "## Kata sandi\n\nGunakan **frasa sandi** panjang.\n\n- Jangan dipakai ulang\n"
                                            "- Simpan di pengelola sandi"} for i in range(lessons)]}
    if quiz:
        module["quizzes"] = [quiz]
    data = {"format": "cakap-desa-course", "version": 1,
            "course": {"slug": slug, "title": title or f"Aman Berinternet {n}", "pillar": "aman", "level": "dasar",
                       "summary": "Kursus singkat untuk uji peramban.", "status": status, "modules": [module]}}
    with live_server.app.app_context():
        writer = db.session.scalar(sa.select(User).where(User.username == author)) if author else None
        course = import_package(data, author=writer)
        db.session.commit()
        course = db.session.get(Course, course.id)
        out = {"slug": slug, "id": course.id, "title": course.title,
               "lesson_ids": [lesson.id for m in course.modules for lesson in m.lessons],
               "url": f"{live_server.url}/courses/{slug}"}
        db.session.remove()
    return out


def live_user(live_server, role: str = "learner", **profile) -> tuple[str, str]:
    """Create a person in the live database; return (username, password)."""
    from lms.auth.services import create_user
    from lms.extensions import db

    username = f"uji{role}{next(_seq)}"
    values = {"full_name": f"Peserta Uji {username}", "kind": "perangkat", "jabatan": "STAF",
              "desa_kode": "51.03.02.2001", **profile}
    with live_server.app.app_context():
        create_user(username=username, password=PASSWORD, role=role, **values)
        db.session.commit()
        db.session.remove()
    return username, PASSWORD


def answer_quiz_page(page, quiz: dict = QUIZ) -> int:
    """Answer every question shown on the current attempt page correctly, as a learner would; return how many."""
    by_text = {q["text"]: q for q in quiz["questions"]}
    fieldsets = page.locator("fieldset.question")
    for i in range(fieldsets.count()):
        box = fieldsets.nth(i)
        legend = box.locator("legend").inner_text()
        spec = next(q for text, q in by_text.items() if text in legend)
        if spec["type"] == "short_text":
            box.locator("input[type=text]").fill(spec["answers"][0])
            continue
        for choice in spec["choices"]:
            if choice.get("correct"):
                box.locator("label").filter(has_text=choice["text"]).first.click()
    return fieldsets.count()
