"""Static files: fingerprinted URLs from url_for, a year in the cache for them, minutes otherwise."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from flask import Flask, url_for

from lms import assets

LONG = "public, max-age=31536000, immutable"
SHORT = f"public, max-age={assets.SHORT_MAX_AGE}"
STATIC = Path(__file__).resolve().parent.parent / "static"


def _fetch(client, url):
    response = client.get(url)
    body = response.get_data()
    response.close()
    return response, body


def test_pages_link_fingerprinted_files_that_are_cached_for_a_year(client):
    """The sign-in page names the stylesheet by its content hash; that URL is immutable for a year."""
    html = client.get("/login").get_data(as_text=True)
    digest = hashlib.sha256((STATIC / "css/app.css").read_bytes()).hexdigest()[:12]
    assert f'href="/static/css/app.{digest}.css"' in html
    assert 'href="/static/css/app.css"' not in html
    response, body = _fetch(client, f"/static/css/app.{digest}.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == LONG
    assert response.mimetype == "text/css"
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # the security headers still apply
    assert body == (STATIC / "css/app.css").read_bytes()


def test_every_static_url_of_a_page_is_fingerprinted(client):
    """No static reference in a rendered page is left under its plain name (except the unversioned)."""
    html = client.get("/login").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"#]+)', html)
    assert urls
    for url in urls:
        name = url.removeprefix("/static/")
        assert assets.split_fingerprint(name) is not None, url
        response, _ = _fetch(client, url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == LONG, url


def test_static_files_cost_no_query_even_when_signed_in(client, web, count_queries):
    """The user, language and consent checks are skipped for static files: no SQL at all."""
    from tests.factories import make_user

    web.login(make_user().username)
    assert client.get("/").status_code == 200
    html_urls = re.findall(r'(?:href|src)="(/static/[^"#]+)', client.get("/").get_data(as_text=True))
    with count_queries() as counter:
        for url in html_urls + ["/static/css/app.css"]:
            _fetch(client, url)
    assert counter.count == 0, counter.statements


def test_plain_names_still_work_with_a_short_lifetime(client):
    response, body = _fetch(client, "/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == SHORT
    assert body == (STATIC / "css/app.css").read_bytes()


def test_conditional_requests_get_304(client):
    """A browser revalidating a plain name gets 304 Not Modified, not the file again."""
    response, _ = _fetch(client, "/static/css/app.css")
    again = client.get("/static/css/app.css", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    again.close()


@pytest.mark.parametrize("url", ["/static/css/nope.css", "/static/css/nope.0123456789ab.css",
                                 "/static/../config.py", "/static/css/../../config.py", "/static/css",
                                 "/static/css/app.0123456789ab.css/x", "/static/sw.0123456789ab.js"])
def test_unknown_files_and_escapes_are_404(client, url):
    response, _ = _fetch(client, url)
    assert response.status_code == 404, url


def test_service_worker_and_manifest_keep_plain_urls(app):
    """Browsers find updates of a service worker or a manifest at an unchanging address."""
    with app.test_request_context():
        assert url_for("static", filename="sw.js") == "/static/sw.js"
        assert url_for("static", filename="app.webmanifest") == "/static/app.webmanifest"
        assert re.fullmatch(r"/static/js/quiz\.[0-9a-f]{12}\.js", url_for("static", filename="js/quiz.js"))


@pytest.fixture
def mini(tmp_path):
    """A small app with its own static folder, which the test may change (a new deploy)."""
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body { color: black; }")
    (tmp_path / "LICENSE").write_text("MIT")

    def make():
        app = Flask(__name__, static_folder=str(tmp_path), static_url_path="/static")
        assets.init_app(app)
        return app

    return make, tmp_path


def _url(app, name):
    with app.test_request_context():
        return url_for("static", filename=name)


def test_changed_content_gives_a_changed_url(mini):
    make, folder = mini
    app = make()
    before = _url(app, "css/site.css")
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", before)
    assert _url(app, "css/site.css") == before  # stable while the file is unchanged

    path = folder / "css" / "site.css"
    path.write_text("body { color: green; }")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later time, whatever the clock
    after = _url(app, "css/site.css")
    assert after != before
    assert _url(make(), "css/site.css") == after  # a freshly started app (the next deploy) agrees

    client = app.test_client()
    response, body = _fetch(client, after)
    assert response.headers["Cache-Control"] == LONG and body == b"body { color: green; }"
    # A page from before the change still gets today's file, but not for a year under the old URL.
    response, body = _fetch(client, before)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == SHORT and body == b"body { color: green; }"


def test_new_and_removed_files(mini):
    make, folder = mini
    app = make()
    (folder / "css" / "new.css").write_text("p {}")
    url = _url(app, "css/new.css")
    assert assets.split_fingerprint(url.removeprefix("/static/")) is not None
    (folder / "css" / "new.css").unlink()
    assert _url(app, "css/new.css") == "/static/css/new.css"  # no file, no fingerprint (and a 404)
    response, _ = _fetch(app.test_client(), url)
    assert response.status_code == 404


def test_a_name_without_a_suffix_is_fingerprinted_too(mini):
    make, _folder = mini
    app = make()
    url = _url(app, "LICENSE")
    assert re.fullmatch(r"/static/LICENSE\.[0-9a-f]{12}", url)
    response, body = _fetch(app.test_client(), url)
    assert response.headers["Cache-Control"] == LONG and body == b"MIT"


@pytest.mark.parametrize("name,expected", [
    ("css/app.css", "css/app.0123456789ab.css"),
    ("app.min.js", "app.min.0123456789ab.js"),
    ("LICENSE", "LICENSE.0123456789ab"),
    (".hidden", ".hidden.0123456789ab"),
])
def test_fingerprinted_names_round_trip(name, expected):
    versioned = assets.fingerprinted_name(name, "0123456789ab")
    assert versioned == expected
    assert assets.split_fingerprint(versioned) == (name, "0123456789ab")


def test_hashes_are_computed_at_start_up(mini):
    """Every file is hashed when the app starts, not on the first request."""
    make, _folder = mini
    app = make()
    assert set(app.extensions["fingerprints"]._known) == {"css/site.css", "LICENSE"}
