"""Offline use: service worker and manifest, what a course takes to keep offline, and the
idempotency keys that make a replayed action count once."""
from __future__ import annotations

import io
import json
import re
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from lms.courses.models import Course, LessonProgress
from lms.offline import idempotency
from lms.offline.models import IdempotencyKey
from lms.offline.views import QUEUE_PATTERNS
from lms.quizzes.models import Answer, Attempt, Question, Quiz
from lms.signals import lesson_completed
from lms.studio.media import save_image
from lms.timeutil import utcnow
from tests.conftest import csrf_from
from tests.factories import make_course, make_quiz_course, make_user, manifest, quiz_spec
from lms.packages import import_package


# ---------------------------------------------------------------------------- helpers
@pytest.fixture
def completions():
    """Count lesson_completed signals: how many times the completion view really ran."""
    calls = []
    lock = threading.Lock()

    def receiver(sender, **kw):
        with lock:
            calls.append((sender, kw.get("course_id")))

    lesson_completed.connect(receiver)
    yield calls
    lesson_completed.disconnect(receiver)


def _enrolled(web, course=None):
    learner = make_user()
    course = course or make_course(modules=1, lessons=2)
    web.login(learner.username)
    web.post_form("/courses/", f"/courses/{course.slug}/enroll")
    return learner, course


def _lesson_token(client, course, lesson):
    return csrf_from(client.get(f"/courses/{course.slug}/lessons/{lesson.id}").get_data(as_text=True))


def _complete(client, course, lesson, token, key=None, **headers):
    if key:
        headers["Idempotency-Key"] = key
    return client.post(f"/courses/{course.slug}/lessons/{lesson.id}/complete", data={"csrf_token": token},
                       headers=headers)


def _progress_rows(db, user):
    return db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)
                             .where(LessonProgress.user_id == user.id))


def _start_attempt(web, client, db, quiz_settings=None):
    learner = make_user()
    course = make_quiz_course(module_quiz=quiz_spec(**(quiz_settings or {})))
    web.login(learner.username)
    web.post_form("/courses/", f"/courses/{course.slug}/enroll")
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
    response = web.post_form(f"/quizzes/{quiz.id}", f"/quizzes/{quiz.id}/start")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    qid = int(re.search(r'name="shown" value="(\d+)"', html).group(1))
    return learner, attempt_id, qid, csrf_from(html)


def _answer_form(db, qid, token, *, right=True):
    question = db.session.get(Question, qid)
    if question.type == "short_text":
        return {"csrf_token": token, "shown": str(qid), f"q_{qid}": question.answers[0] if right else "salah"}
    choices = [str(c.id) for c in question.choices if c.correct == right][:1]
    return {"csrf_token": token, "shown": str(qid), f"q_{qid}": choices}


def _saved(db, attempt_id, qid):
    db.session.expire_all()
    return db.session.scalar(sa.select(Answer).where(Answer.attempt_id == attempt_id, Answer.question_id == qid))


def _png(width=400, height=300) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------------------- app shell
def test_service_worker_is_served_from_the_root_with_its_headers(client):
    """/sw.js: JavaScript, scope allowed for the whole site, revalidated on every check, ETag."""
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    source = response.get_data(as_text=True)
    config = json.loads(re.match(r"self\.CAKAP_SW = (.*?);\n", source).group(1))
    assert response.headers["ETag"].strip('"') == config["version"]
    assert client.get("/sw.js", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert 'addEventListener("fetch"' in source
    for url in config["precache"] + [config["dbScript"], config["offlineUrl"]]:
        with client.get(url) as response:
            assert response.status_code == 200, url


def test_service_worker_names_the_static_files_through_url_for(app, client):
    """Static URLs in the worker's configuration come from url_for (fingerprinted names follow)."""
    from flask import url_for

    config = json.loads(re.match(r"self\.CAKAP_SW = (.*?);\n", client.get("/sw.js").get_data(as_text=True)).group(1))
    with app.test_request_context():
        assert config["dbScript"] == url_for("static", filename="js/offline-db.js")
        assert url_for("static", filename="js/offline.js") in config["precache"]


def test_manifest_makes_the_app_installable(client):
    """The manifest: name, start URL, standalone display, Indonesian, theme colour, icons that exist."""
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    body = json.loads(response.get_data(as_text=True))
    assert body["name"] == "Cakap Desa" and body["start_url"] == "/" and body["display"] == "standalone"
    assert body["lang"] == "id" and body["theme_color"].startswith("#")
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        with client.get(icon["src"]) as response:
            assert response.status_code == 200, icon["src"]


def test_pages_link_the_manifest_banner_and_scripts_without_inline_script(client):
    """Every page (here the login page) links the manifest, has the banner and loads offline.js as a file."""
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert 'id="offline-banner"' in html and 'aria-live="polite"' in html
    assert "Anda sedang offline — {n} tindakan menunggu sinkronisasi" in html
    assert re.search(r'<script src="[^"]*/offline(\.[0-9a-f]+)?\.js"', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script (the CSP forbids it)"


def test_offline_page_is_public(client):
    """The fallback page opens for anyone (the service worker fetches it at install)."""
    response = client.get("/offline")
    assert response.status_code == 200
    assert "Anda sedang offline" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------- keeping a course offline
def test_offline_files_need_an_enrolled_learner(web, client, db):
    """offline.json: anonymous -> login, not enrolled -> 403, a draft of someone else -> 404, enrolled -> 200."""
    course = make_course(modules=2, lessons=2)
    draft = make_course(status="draft")
    url = f"/courses/{course.slug}/offline.json"
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    stranger = make_user()
    web.login(stranger.username)
    assert client.get(url).status_code == 403
    assert client.get(f"/courses/{draft.slug}/offline.json").status_code == 404
    web.post_form("/courses/", f"/courses/{course.slug}/enroll")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    lesson_ids = [lesson.id for module in course.modules for lesson in module.lessons]
    assert body["urls"] == [f"/courses/{course.slug}"] + [f"/courses/{course.slug}/lessons/{i}" for i in lesson_ids]
    assert body["lessons"] == 4 and body["images"] == 0 and body["bytes"] > 0


def test_shared_device_sessions_cannot_keep_a_course(web, client, db):
    """A 'perangkat bersama' session gets 403 and no button on the course page."""
    learner, course = _enrolled(web)
    assert "Simpan untuk dibaca offline" in client.get(f"/courses/{course.slug}").get_data(as_text=True)
    with client.session_transaction() as session:
        session["shared_device"] = True
    assert client.get(f"/courses/{course.slug}/offline.json").status_code == 403
    assert "Simpan untuk dibaca offline" not in client.get(f"/courses/{course.slug}").get_data(as_text=True)
    state = client.get("/offline/state.json").get_json()
    assert state["shared_device"] is True


def test_course_page_offers_offline_only_to_enrolled_learners(web, client, db):
    """The button with the size shows for an enrolled learner only."""
    course = make_course(modules=1, lessons=2)
    learner = make_user()
    web.login(learner.username)
    assert 'id="offline-save"' not in client.get(f"/courses/{course.slug}").get_data(as_text=True)
    web.post_form("/courses/", f"/courses/{course.slug}/enroll")
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert re.search(r"Simpan untuk dibaca offline \(± \d+(,\d)? (KB|MB)\)", html)
    assert f'data-files-url="/courses/{course.slug}/offline.json"' in html


@pytest.mark.parametrize("with_images", [False, True])
def test_download_size_is_close_to_the_bytes_served(app, web, client, db, with_images):
    """The estimate (lesson HTML + layout + images) is within 25 % of what the pages and images weigh."""
    with app.test_request_context():
        images = [save_image(_png(600, 400)), save_image(_png(300, 200))] if with_images else []
    data = manifest("ukuran", modules=3, lessons=3)
    words = "\n\n".join(["Kata sandi yang kuat melindungi **akun desa** dari pembobolan."] * 40)
    for m, module in enumerate(data["course"]["modules"]):
        for i, lesson in enumerate(module["lessons"]):
            picture = f"\n\n![Gambar {m}.{i}](/media/{images[(m + i) % 2]})\n\n" if images and i < 2 else ""
            lesson["body_markdown"] = f"{words}{picture}{words}"
    import_package(data)
    db.session.commit()
    course = db.session.scalar(sa.select(Course).where(Course.slug == "ukuran"))
    _enrolled(web, course)
    body = client.get(f"/courses/{course.slug}/offline.json").get_json()
    assert body["images"] == len(images) and len(body["urls"]) == 1 + 9 + len(images)
    served = 0
    for url in body["urls"]:
        with client.get(url) as response:
            assert response.status_code == 200, url
            served += len(response.get_data())
    assert abs(body["bytes"] - served) / served < 0.25, (body["bytes"], served)
    assert body["size_label"].endswith(("KB", "MB"))


def test_size_label_uses_indonesian_decimals(app):
    """1 234 567 bytes read '1,2 MB' in Indonesian; small sizes in KB."""
    from lms.offline.services import size_label

    with app.test_request_context():
        assert size_label(1_234_567) == "1,2 MB"
        assert size_label(350_400) == "350 KB"
        assert size_label(10) == "1 KB"


def test_offline_files_take_a_fixed_number_of_queries(web, client, db, count_queries):
    """offline.json and the course page cost the same number of queries for 2 or 12 lessons."""
    small = make_course(modules=1, lessons=2)
    large = make_course(modules=3, lessons=4)
    learner = make_user()
    web.login(learner.username)
    counts = {}
    for course in (small, large):
        web.post_form("/courses/", f"/courses/{course.slug}/enroll")
        for kind, url in (("files", f"/courses/{course.slug}/offline.json"), ("page", f"/courses/{course.slug}")):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts[(kind, course.slug)] = counter.count
    assert counts[("files", small.slug)] == counts[("files", large.slug)]
    assert counts[("page", small.slug)] == counts[("page", large.slug)]


def test_state_gives_the_signed_in_user_and_a_fresh_token(web, client, db):
    """The replay asks who is signed in and for a CSRF token; anonymous users are sent to log in."""
    assert client.get("/offline/state.json").status_code == 302
    learner = make_user()
    web.login(learner.username)
    response = client.get("/offline/state.json")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["user_id"] == learner.id and body["csrf_token"] and body["shared_device"] is False


def test_queue_patterns_match_the_routes_they_replay(app):
    """The worker's URL patterns match the routes of the idempotent endpoints (a renamed route fails here)."""
    from flask import url_for

    with app.test_request_context():
        urls = {"complete": url_for("courses.complete_lesson", slug="keamanan-digital", lesson_id=12),
                "answer": url_for("quizzes.autosave", attempt_id=3, question_id=40),
                "page": url_for("quizzes.save_page", attempt_id=3)}
    for kind, url in urls.items():
        assert re.match(QUEUE_PATTERNS[kind], url), (kind, url)
        others = [k for k in QUEUE_PATTERNS if k != kind]
        assert not any(re.match(QUEUE_PATTERNS[k], url) for k in others), url
    assert {"courses.complete_lesson", "quizzes.autosave"} <= idempotency.IDEMPOTENT_ENDPOINTS


# ---------------------------------------------------------------------------- idempotency: lesson completion
def test_same_key_twice_completes_the_lesson_once(web, client, db, completions):
    """A resend with the same key gets the first response back, and the view does not run again."""
    learner, course = _enrolled(web)
    lesson = course.modules[0].lessons[0]
    token = _lesson_token(client, course, lesson)
    key = str(uuid.uuid4())
    first = _complete(client, course, lesson, token, key)
    second = _complete(client, course, lesson, token, key)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert len(completions) == 1
    assert _progress_rows(db, learner) == 1
    row = db.session.scalar(sa.select(IdempotencyKey))
    assert (row.user_id, row.key, row.method, row.response_status) == (learner.id, key, "POST", 302)
    assert row.path == f"/courses/{course.slug}/lessons/{lesson.id}/complete"


def test_a_different_key_runs_the_action_again(web, client, db, completions):
    """Keys are per action: a new key is a new request (completing again is still one progress row)."""
    learner, course = _enrolled(web)
    lesson = course.modules[0].lessons[0]
    token = _lesson_token(client, course, lesson)
    _complete(client, course, lesson, token, str(uuid.uuid4()))
    _complete(client, course, lesson, token, str(uuid.uuid4()))
    _complete(client, course, lesson, token)  # no key at all: behaves as before
    assert len(completions) == 3
    assert _progress_rows(db, learner) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 2


def test_keys_belong_to_one_user(web, client, db, app, completions):
    """Another learner using the same key string is not answered with the first one's response."""
    learner, course = _enrolled(web)
    lesson = course.modules[0].lessons[0]
    key = str(uuid.uuid4())
    _complete(client, course, lesson, _lesson_token(client, course, lesson), key)
    other_client = app.test_client()
    web.client = other_client
    other, _ = _enrolled(web, course)
    response = _complete(other_client, course, lesson, _lesson_token(other_client, course, lesson), key)
    assert "Idempotent-Replayed" not in response.headers
    assert len(completions) == 2 and _progress_rows(db, other) == 1


def test_key_reused_on_another_path_is_refused(web, client, db, completions):
    """The same key on another lesson: 422 idempotency_key_reused, nothing done."""
    learner, course = _enrolled(web)
    first, second = course.modules[0].lessons
    key = str(uuid.uuid4())
    _complete(client, course, first, _lesson_token(client, course, first), key)
    response = _complete(client, course, second, _lesson_token(client, course, second), key)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "idempotency_key_reused"
    assert len(completions) == 1 and _progress_rows(db, learner) == 1


@pytest.mark.parametrize("bad", ["123", "not-a-uuid", "x" * 80])
def test_a_key_that_is_not_a_uuid_is_refused(web, client, db, completions, bad):
    learner, course = _enrolled(web)
    lesson = course.modules[0].lessons[0]
    response = _complete(client, course, lesson, _lesson_token(client, course, lesson), bad)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "idempotency_key_invalid"
    assert completions == [] and _progress_rows(db, learner) == 0


def test_a_key_still_in_progress_asks_to_retry(web, client, db, completions):
    """A claimed key without a response yet: 409 with Retry-After; long after, it counts as done."""
    learner, course = _enrolled(web)
    lesson = course.modules[0].lessons[0]
    token = _lesson_token(client, course, lesson)
    path = f"/courses/{course.slug}/lessons/{lesson.id}/complete"
    fresh, old = str(uuid.uuid4()), str(uuid.uuid4())
    db.session.add_all([
        IdempotencyKey(user_id=learner.id, key=fresh, method="POST", path=path, created_at=utcnow()),
        IdempotencyKey(user_id=learner.id, key=old, method="POST", path=path,
                       created_at=utcnow() - timedelta(minutes=5))])
    db.session.commit()
    response = _complete(client, course, lesson, token, fresh)
    assert response.status_code == 409 and response.headers["Retry-After"] == "1"
    assert response.get_json()["error"]["code"] == "idempotency_in_progress"
    response = _complete(client, course, lesson, token, old)
    assert response.status_code == 200 and response.get_json() == {"replayed": True, "done": True}
    assert completions == []


def test_a_refused_action_keeps_its_answer(web, client, db, completions):
    """A learner not enrolled gets 403; the resend gets the same 403 (kept), still nothing done."""
    course = make_course(modules=1, lessons=1)
    learner = make_user()
    web.login(learner.username)
    lesson = course.modules[0].lessons[0]
    token = _lesson_token(client, course, lesson)
    key = str(uuid.uuid4())
    assert _complete(client, course, lesson, token, key).status_code == 403
    again = _complete(client, course, lesson, token, key)
    assert again.status_code == 403 and again.headers["Idempotent-Replayed"] == "true"
    assert completions == [] and _progress_rows(db, learner) == 0


def test_without_a_valid_csrf_token_no_key_is_claimed(web, client, db):
    """CSRF protection runs first: a forged request leaves no key behind (a real resend still works)."""
    learner, course = _enrolled(web)
    lesson = course.modules[0].lessons[0]
    key = str(uuid.uuid4())
    assert _complete(client, course, lesson, "forged", key).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 0
    assert _complete(client, course, lesson, _lesson_token(client, course, lesson), key).status_code == 302
    assert _progress_rows(db, learner) == 1


def test_concurrent_requests_with_one_key_run_once(app, web, db, completions):
    """Eight clients send the same completion with the same key at once: it runs once, one row.

    On PostgreSQL (TEST_DATABASE_URL) this is real concurrency against the unique index."""
    learner, course = _enrolled(web)
    lesson = course.modules[0].lessons[0]
    clients = []
    for _ in range(8):
        c = app.test_client()
        web.client = c
        web.login(learner.username)
        clients.append((c, _lesson_token(c, course, lesson)))
    key = str(uuid.uuid4())
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []

    def send(c, token):
        try:
            barrier.wait(timeout=10)
            response = _complete(c, course, lesson, token, key)
            statuses.append(response.status_code)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=send, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(statuses) == 8 and set(statuses) <= {302, 409}, statuses
    assert len(completions) == 1
    db.session.expire_all()
    assert _progress_rows(db, learner) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 1


# ---------------------------------------------------------------------------- idempotency: quiz answers
def test_same_key_twice_saves_the_answer_once(web, client, db):
    """The resend of an answer returns the kept JSON; the answer's saved_at shows it was written once."""
    learner, attempt_id, qid, token = _start_attempt(web, client, db)
    url = f"/attempts/{attempt_id}/answers/{qid}"
    key = str(uuid.uuid4())
    first = client.post(url, data=_answer_form(db, qid, token), headers={"Idempotency-Key": key})
    assert first.status_code == 200 and first.get_json()["saved"] is True
    saved_at = _saved(db, attempt_id, qid).saved_at
    second = client.post(url, data=_answer_form(db, qid, token, right=False), headers={"Idempotency-Key": key})
    assert second.status_code == 200 and second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    answer = _saved(db, attempt_id, qid)
    assert answer.saved_at == saved_at
    question = db.session.get(Question, qid)
    right = _answer_form(db, qid, token)[f"q_{qid}"]
    assert answer.response == ({"text": right} if question.type == "short_text"
                               else {"choice_ids": [int(c) for c in right]})
    # Without a key the same request is simply done again (what the key protects against).
    client.post(url, data=_answer_form(db, qid, token))
    assert _saved(db, attempt_id, qid).saved_at > saved_at


def test_an_answer_to_a_closed_attempt_is_still_409(web, client, db):
    """Past the deadline (the server's), a replayed answer is refused with 409, again on resend."""
    learner, attempt_id, qid, token = _start_attempt(web, client, db, {"time_limit_minutes": 5})
    db.session.execute(sa.update(Attempt).where(Attempt.id == attempt_id)
                       .values(deadline=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    key = str(uuid.uuid4())
    url = f"/attempts/{attempt_id}/answers/{qid}"
    first = client.post(url, data=_answer_form(db, qid, token), headers={"Idempotency-Key": key,
                                                                          "Cakap-Queued-Age": "400"})
    assert first.status_code == 409
    second = client.post(url, data=_answer_form(db, qid, token), headers={"Idempotency-Key": key})
    assert second.status_code == 409 and second.headers["Idempotent-Replayed"] == "true"
    assert _saved(db, attempt_id, qid) is None


def test_an_older_queued_answer_never_overwrites_a_newer_one(web, client, db):
    """Answer given offline 10 minutes ago, a newer one saved since: the replay is refused as stale."""
    learner, attempt_id, qid, token = _start_attempt(web, client, db)
    url = f"/attempts/{attempt_id}/answers/{qid}"
    assert client.post(url, data=_answer_form(db, qid, token)).status_code == 200  # saved online, now
    saved = _saved(db, attempt_id, qid)
    newer = (dict(saved.response), saved.saved_at)
    response = client.post(url, data=_answer_form(db, qid, token, right=False),
                           headers={"Idempotency-Key": str(uuid.uuid4()), "Cakap-Queued-Age": "600"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "stale_answer"
    after = _saved(db, attempt_id, qid)
    assert (after.response, after.saved_at) == newer
    # An answer queued just now (after the saved one) is newer, and is saved.
    response = client.post(url, data=_answer_form(db, qid, token, right=False),
                           headers={"Idempotency-Key": str(uuid.uuid4()), "Cakap-Queued-Age": "0.001"})
    assert response.status_code == 200
    assert _saved(db, attempt_id, qid).response != newer[0]


@pytest.mark.parametrize("age", ["abc", "-5", "inf", "99999999"])
def test_a_nonsense_queued_age_is_ignored(web, client, db, age):
    learner, attempt_id, qid, token = _start_attempt(web, client, db)
    url = f"/attempts/{attempt_id}/answers/{qid}"
    response = client.post(url, data=_answer_form(db, qid, token),
                           headers={"Idempotency-Key": str(uuid.uuid4()), "Cakap-Queued-Age": age})
    assert response.status_code == 200


# ---------------------------------------------------------------------------- purging old keys
def test_old_keys_are_purged_by_the_command_and_now_and_then(app, web, client, db, runner):
    learner, course = _enrolled(web)
    old = IdempotencyKey(user_id=learner.id, key=str(uuid.uuid4()), method="POST", path="/x", response_status=200,
                         created_at=utcnow() - timedelta(days=8))
    recent = IdempotencyKey(user_id=learner.id, key=str(uuid.uuid4()), method="POST", path="/x",
                            response_status=200, created_at=utcnow() - timedelta(days=6))
    db.session.add_all([old, recent])
    db.session.commit()
    result = runner.invoke(args=["purge-idempotency-keys"])
    assert result.exit_code == 0 and "1 kunci" in result.output
    assert db.session.scalars(sa.select(IdempotencyKey.key)).all() == [recent.key]
    result = runner.invoke(args=["purge-idempotency-keys", "--days", "1"])
    assert "1 kunci" in result.output
    # Claims purge too, with a configurable chance (1: every claim).
    db.session.add(IdempotencyKey(user_id=learner.id, key=str(uuid.uuid4()), method="POST", path="/x",
                                  response_status=200, created_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    app.config["IDEMPOTENCY_PURGE_CHANCE"] = 1
    try:
        lesson = course.modules[0].lessons[0]
        _complete(client, course, lesson, _lesson_token(client, course, lesson), str(uuid.uuid4()))
    finally:
        app.config.pop("IDEMPOTENCY_PURGE_CHANCE")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 1
