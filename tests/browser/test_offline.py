"""The offline scenario on a phone: keep a course, go offline, read a lesson from the device, mark it
complete and answer a quiz question, come back online, and see both synced exactly once.

Playwright's ``context.set_offline`` cuts the page and its service worker off the network alike
(Chromium), so every page opened while offline below comes from the service worker's caches, and
every action is kept in IndexedDB until the connection returns.
"""
from __future__ import annotations

import threading

import sqlalchemy as sa

from tests.browser.helpers import answer_quiz_page, live_course, live_user, login


def click_and_wait(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def database(live_server, fn):
    """Run ``fn(db)`` against the live server's database and return its result."""
    from lms.extensions import db

    with live_server.app.app_context():
        try:
            return fn(db)
        finally:
            db.session.remove()


def server_state(live_server, username: str, attempt_id: int) -> dict:
    from lms.auth.models import User
    from lms.courses.models import LessonProgress
    from lms.offline.models import IdempotencyKey
    from lms.quizzes.models import Answer

    def read(db):
        user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
        answers = db.session.execute(sa.select(Answer.question_id, Answer.response, Answer.saved_at)
                                     .where(Answer.attempt_id == attempt_id)).all()
        return {
            "progress": db.session.scalars(sa.select(LessonProgress.lesson_id)
                                           .where(LessonProgress.user_id == user_id)).all(),
            "answers": [tuple(row) for row in answers],
            "keys": db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)
                                      .where(IdempotencyKey.user_id == user_id)),
        }

    return database(live_server, read)


def banner_text(page) -> str:
    return page.locator("#offline-banner .offline-banner-text").inner_text()


def queue(page) -> list[dict]:
    return page.evaluate("() => CakapOfflineDB.all()")


def test_offline_lesson_and_answer_sync_once(live_server, phone_page):
    """Offline: read, complete, answer (2 actions wait); online: synced once, even when replayed twice more."""
    from lms.signals import lesson_completed

    page, base = phone_page, live_server.url
    page.errors.allow("ERR_INTERNET_DISCONNECTED")  # what the browser logs for requests made while offline
    course = live_course(live_server, lessons=3)
    username, password = live_user(live_server)
    runs = []
    lock = threading.Lock()

    def count_run(sender, **kw):  # the live server runs in this process: count real completions
        with lock:
            runs.append(sender)

    lesson_completed.connect(count_run)
    try:
        login(page, base, username, password)
        page.goto(course["url"])
        click_and_wait(page, page.locator("form[action$='/enroll'] [type=submit]"))
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", polling=100)

        # Keep the course offline: the button states the size first.
        save = page.locator("#offline-save .offline-save-button")
        assert save.is_visible()
        assert "Simpan untuk dibaca offline (±" in save.inner_text() and "KB" in save.inner_text()
        save.click()
        page.locator("#offline-save[data-saved='1']").wait_for()
        assert "Tersimpan offline" in page.locator("#offline-save .offline-save-status").inner_text()

        # Start the quiz while online (the server fixes the attempt and its deadline); its page is kept.
        quiz_link = page.locator("a[href*='/quizzes/']").first
        click_and_wait(page, quiz_link)
        click_and_wait(page, page.locator("form[action$='/start'] [type=submit]"))
        attempt_url = page.url
        attempt_id = int(attempt_url.rsplit("/", 1)[1].split("?")[0])
        page.goto(course["url"])

        # ---------------------------------------------------------------- offline
        page.context.set_offline(True)
        page.locator("#offline-banner.is-offline").wait_for()
        assert "Anda sedang offline" in banner_text(page)

        first_lesson = f"{course['url']}/lessons/{course['lesson_ids'][0]}"
        response = page.goto(first_lesson)
        assert response.ok and response.from_service_worker  # read from the device, not the network
        assert "Kata sandi yang kuat, bagian 1" in page.locator("h1").inner_text()

        click_and_wait(page, page.locator("form[action$='/complete'] [type=submit]"))
        assert page.url.endswith(f"/lessons/{course['lesson_ids'][1]}")  # on to the next lesson, from the cache
        page.wait_for_function("() => document.querySelector('#offline-banner').dataset.pending === '1'", polling=100)
        assert banner_text(page) == "Anda sedang offline — 1 tindakan menunggu sinkronisasi"

        response = page.goto(attempt_url)
        assert response.from_service_worker
        assert answer_quiz_page(page) == 1  # one question per page: the first one
        page.wait_for_function("() => document.querySelector('#offline-banner').dataset.pending === '2'", polling=100)
        assert banner_text(page) == "Anda sedang offline — 2 tindakan menunggu sinkronisasi"

        kept = queue(page)
        assert [item["kind"] for item in kept] == ["complete", "answer"]
        before = server_state(live_server, username, attempt_id)
        assert before == {"progress": [], "answers": [], "keys": 0}  # nothing reached the server
        assert runs == []

        # ---------------------------------------------------------------- online again
        page.context.set_offline(False)
        page.wait_for_function("() => document.querySelector('#offline-banner .offline-banner-text')"
                               ".textContent === 'Semua tersinkron'", polling=100)
        assert not page.locator("#offline-banner").get_attribute("class").count("is-offline")
        assert queue(page) == []
        synced = server_state(live_server, username, attempt_id)
        assert synced["progress"] == [course["lesson_ids"][0]]
        assert len(synced["answers"]) == 1 and synced["keys"] == 2
        assert len(runs) == 1

        # ---------------------------------------------------------------- the same actions replayed twice more
        page.evaluate("""async (items) => {
            for (const item of items) { await CakapOfflineDB.put(item); }
            const registration = await navigator.serviceWorker.ready;
            registration.active.postMessage({type: "sync"});
            registration.active.postMessage({type: "sync"});
        }""", kept)
        page.wait_for_function("() => CakapOfflineDB.count().then(n => n === 0)", polling=200)
        page.evaluate("""async (items) => {
            for (const item of items) { await CakapOfflineDB.put(item); }
            (await navigator.serviceWorker.ready).active.postMessage({type: "sync"});
        }""", kept)
        page.wait_for_function("() => CakapOfflineDB.count().then(n => n === 0)", polling=200)
        assert server_state(live_server, username, attempt_id) == synced  # same rows, same saved_at
        assert len(runs) == 1
    finally:
        lesson_completed.disconnect(count_run)


def test_logout_clears_the_offline_copies(live_server, phone_page):
    """Logging out empties the kept courses, visited pages and the offline store, and unregisters the worker.

    Done by offline.js before the form is sent (the logout response's Clear-Site-Data does it again
    where the browser supports it)."""
    page, base = phone_page, live_server.url
    course = live_course(live_server, lessons=2)
    username, password = live_user(live_server)
    login(page, base, username, password)
    page.goto(course["url"])
    click_and_wait(page, page.locator("form[action$='/enroll'] [type=submit]"))
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", polling=100)
    page.locator("#offline-save .offline-save-button").click()
    page.locator("#offline-save[data-saved='1']").wait_for()
    names = page.evaluate("() => caches.keys()")
    assert f"cakap-course-{course['slug']}" in names
    assert len(page.evaluate("() => CakapOfflineDB.courses()")) == 1

    # Stop at the moment the script submits the logout form, to see what it did by itself.
    page.evaluate("() => { HTMLFormElement.prototype.submit = function () { window.loggedOut = true; }; }")
    page.locator("form[action$='/logout'] [type=submit]").first.click()
    page.wait_for_function("() => window.loggedOut === true", polling=100)
    assert [name for name in page.evaluate("() => caches.keys()") if name.startswith("cakap-")] == []
    assert page.evaluate("() => CakapOfflineDB.courses()") == []
    assert page.evaluate("() => CakapOfflineDB.all()") == []
    assert page.evaluate("() => navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0


def test_shared_device_offers_no_offline_copy(live_server, phone_page):
    """Signed in with 'perangkat bersama': the course page has no 'keep offline' button."""
    page, base = phone_page, live_server.url
    course = live_course(live_server, lessons=1)
    username, password = live_user(live_server)
    page.goto(f"{base}/login")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("input[name=shared_device]").check()
    click_and_wait(page, form.locator("[type=submit]"))
    page.goto(course["url"])
    click_and_wait(page, page.locator("form[action$='/enroll'] [type=submit]"))
    assert page.locator("#offline-banner").get_attribute("data-shared") == "1"
    assert page.locator("#offline-save").count() == 0
