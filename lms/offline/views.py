"""The installable web app: service worker, manifest, offline page, and what to keep of a course.

The service worker is served from the site root (``/sw.js``) so that its scope is the whole site,
whatever the static files are called: ``static/sw.js`` is prefixed with a small configuration
(fingerprinted URLs from ``url_for``, the URL patterns of the actions it may queue, a version
that changes whenever any of that changes).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from lms.courses.services import get_course_for
from lms.offline import idempotency, services
from lms.offline.commands import purge_idempotency_keys

bp = Blueprint("offline", __name__, cli_group=None)
bp.cli.add_command(purge_idempotency_keys)
bp.before_app_request(idempotency.claim)
bp.after_app_request(idempotency.record)

THEME_COLOUR = "#0b6e4f"
# Requests the service worker keeps when the network fails, replayed later with an Idempotency-Key.
# tests/test_offline.py checks that they match the routes of the endpoints in IDEMPOTENT_ENDPOINTS.
QUEUE_PATTERNS = {
    "complete": r"^/courses/[^/]+/lessons/\d+/complete$",  # courses.complete_lesson (a form)
    "answer": r"^/attempts/\d+/answers/\d+$",  # quizzes.autosave (static/js/quiz.js)
    "page": r"^/attempts/\d+$",  # quizzes.save_page: queued as one answer per question shown
}
# Pages kept when visited (not on a shared device), so that they open again without a network.
PAGE_PATTERNS = [r"^/$", r"^/courses/$", r"^/courses/[^/]+$", r"^/courses/[^/]+/lessons/\d+$",
                 r"^/quizzes/\d+$", r"^/attempts/\d+$"]


def shared_device() -> bool:
    """A session started with "perangkat bersama" (shared device) at login."""
    return bool(session.get("shared_device"))


def _service_worker_source() -> tuple[str, str]:
    static = Path(current_app.static_folder)
    source = (static / "sw.js").read_text(encoding="utf-8")
    config = {
        "offlineUrl": url_for("offline.fallback"), "stateUrl": url_for("offline.state"),
        "loginPath": url_for("auth.login"), "dbScript": url_for("static", filename="js/offline-db.js"),
        "files": [url_for("offline.manifest"), url_for("auth.favicon")],  # kept like static files
        "precache": [url_for("offline.fallback"), url_for("offline.manifest"), url_for("auth.favicon"),
                     url_for("static", filename="js/offline-db.js"), url_for("static", filename="js/offline.js"),
                     url_for("static", filename="css/offline.css")] + [icon["src"] for icon in _icons()],
        "queue": QUEUE_PATTERNS, "pages": PAGE_PATTERNS,
    }
    version = hashlib.sha256((json.dumps(config, sort_keys=True) + source).encode()).hexdigest()[:16]
    config["version"] = version
    return f"self.CAKAP_SW = {json.dumps(config, sort_keys=True)};\n{source}", version


@bp.get("/sw.js")
def service_worker():
    """Anyone: the service worker (its scope is the whole site; browsers check it for updates)."""
    source, version = _service_worker_source()
    response = current_app.response_class(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(version)
    return response.make_conditional(request)


def _icons() -> list[dict]:
    return [
        {"src": url_for("static", filename="img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": url_for("static", filename="img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {"src": url_for("static", filename="img/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]


@bp.get("/manifest.webmanifest")
def manifest():
    """Anyone: the web app manifest (name, icons, colours) that makes the site installable."""
    body = {
        "name": "Cakap Desa", "short_name": "Cakap Desa", "id": "/", "start_url": "/", "scope": "/",
        "display": "standalone", "lang": "id", "dir": "ltr", "theme_color": THEME_COLOUR,
        "background_color": "#ffffff", "categories": ["education"],
        "description": _("Pelatihan literasi digital untuk perangkat desa dan warga Kabupaten Badung."),
        "icons": _icons(),
    }
    response = current_app.response_class(json.dumps(body, ensure_ascii=False),
                                          mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/offline")
def fallback():
    """Anyone: the page shown by the service worker for a page not kept offline."""
    return render_template("offline/offline.html")


@bp.get("/offline/state.json")
@login_required
def state():
    """Signed-in users: who is signed in and a fresh CSRF token, for replaying the offline queue."""
    response = jsonify({"user_id": current_user.id, "csrf_token": generate_csrf(),
                        "shared_device": shared_device()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/courses/<slug>/offline.json")
@login_required
def course_files(slug: str):
    """Enrolled learners (not on a shared device): the URLs to keep a course offline, and their size."""
    course = get_course_for(current_user, slug=slug)
    services.check_may_keep_offline(current_user, course, shared_device=shared_device())
    package = services.offline_package(course)
    urls = [url_for("courses.detail", slug=course.slug)]
    urls += [url_for("courses.lesson", slug=course.slug, lesson_id=lesson_id) for lesson_id in package.lesson_ids]
    urls += [url_for("media.image", name=name) for name in package.images]
    response = jsonify({"slug": course.slug, "title": course.title, "urls": urls, "bytes": package.size,
                        "size_label": services.size_label(package.size), "lessons": len(package.lesson_ids),
                        "images": len(package.images)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def offline_course_offer(course, enrolled: bool):
    """For the course page: the size label of the offline copy, or None when not offered."""
    if not enrolled or shared_device() or not current_user.is_authenticated:
        return None
    return services.size_label(services.offline_package(course).size)
