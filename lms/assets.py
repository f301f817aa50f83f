"""Static files under fingerprinted names, cached by browsers for a year.

``url_for('static', filename='css/app.css')`` gives ``/static/css/app.3f2a1b9c0d4e.css``: the
name carries the first 12 hex digits of the file's SHA-256, so templates stay as they are and
a deploy that changes a file changes its URL. A request for the current fingerprint is answered
with ``Cache-Control: public, max-age=31536000, immutable``; a phone on a costly connection then
never asks for it again. Anything else gets a short lifetime:

- the plain name (``/static/css/app.css``);
- an outdated fingerprint (a page from before a deploy, e.g. kept by the service worker): the
  current file is served rather than a 404, so that page still has its styles, but only for a
  few minutes, so the old URL never pins the new content;
- files that must keep one URL: the service worker and the web app manifest (browsers look for
  them at the same address to find updates). ``/sw.js`` and ``/manifest.webmanifest`` themselves
  are routes of ``lms.offline``; these names are also left plain if they are ever asked for here.

Fingerprints are computed for every file when the app starts and kept with the file's size and
modification time; a file that changes while the app runs (development) is hashed again on the
next ``url_for``. An unknown file is a 404 as before.

A static file needs no user, language or session check: the first ``before_request`` hook
answers it, so the other hooks (which load the signed-in user) never run for it and a page's
stylesheets and scripts cost no database query.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat

from flask import Flask, abort, current_app, request, send_from_directory
from werkzeug.security import safe_join

HASH_LENGTH = 12
LONG_MAX_AGE = 31536000  # one year, the most a cache is asked to keep anything
SHORT_MAX_AGE = 300
UNVERSIONED_NAMES = {"sw.js"}
UNVERSIONED_SUFFIXES = (".webmanifest",)
_FINGERPRINTED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$")


class Fingerprints:
    """Content hashes of the files under one folder, by relative name (``css/app.css``)."""

    def __init__(self, folder: str):
        self.folder = folder
        self._known: dict[str, tuple[int, int, str]] = {}  # name: (mtime_ns, size, digest)

    def digest(self, name: str) -> str | None:
        """The file's fingerprint, or None when there is no such file under the folder."""
        path = safe_join(self.folder, name)
        if path is None:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        known = self._known.get(name)
        if known and known[:2] == (info.st_mtime_ns, info.st_size):
            return known[2]
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:HASH_LENGTH]
        self._known[name] = (info.st_mtime_ns, info.st_size, digest)
        return digest

    def warm(self) -> int:
        """Hash every file now (at start-up); return how many there are."""
        count = 0
        for root, _dirs, files in os.walk(self.folder):
            for file in files:
                name = os.path.relpath(os.path.join(root, file), self.folder).replace(os.sep, "/")
                count += self.digest(name) is not None
        return count


def unversioned(name: str) -> bool:
    """Files that keep their plain URL (service worker, manifest)."""
    return name.rsplit("/", 1)[-1] in UNVERSIONED_NAMES or name.endswith(UNVERSIONED_SUFFIXES)


def fingerprinted_name(name: str, digest: str) -> str:
    """``css/app.css`` + digest -> ``css/app.<digest>.css`` (a name without a suffix gets it at the end)."""
    head, slash, base = name.rpartition("/")
    stem, dot, suffix = base.rpartition(".")
    versioned = f"{stem}.{digest}.{suffix}" if dot and stem else f"{base}.{digest}"
    return f"{head}{slash}{versioned}"


def split_fingerprint(name: str) -> tuple[str, str] | None:
    """``css/app.<digest>.css`` -> (``css/app.css``, digest); None when the name carries none."""
    head, slash, base = name.rpartition("/")
    match = _FINGERPRINTED.match(base)
    if match:
        return f"{head}{slash}{match['stem']}{match['suffix']}", match["digest"]
    stem, dot, digest = base.rpartition(".")  # a name without a suffix: ``LICENSE.<digest>``
    if dot and stem and re.fullmatch(rf"[0-9a-f]{{{HASH_LENGTH}}}", digest):
        return f"{head}{slash}{stem}", digest
    return None


def _fingerprints() -> Fingerprints:
    return current_app.extensions["fingerprints"]


def add_fingerprint(endpoint: str, values: dict) -> None:
    """``url_defaults`` hook: give ``url_for('static', filename=...)`` the fingerprinted name."""
    if endpoint != "static" or not isinstance(values.get("filename"), str) or unversioned(values["filename"]):
        return
    digest = _fingerprints().digest(values["filename"])
    if digest is not None:
        values["filename"] = fingerprinted_name(values["filename"], digest)


def _send(name: str, max_age: int, immutable: bool = False):
    response = send_from_directory(current_app.static_folder, name, max_age=max_age)
    response.headers["Cache-Control"] = (f"public, max-age={LONG_MAX_AGE}, immutable" if immutable
                                         else f"public, max-age={max_age}")
    return response


def serve_static(filename: str):
    """Anyone: a static file; a year in the cache under its current fingerprint, minutes otherwise."""
    fingerprints = _fingerprints()
    if fingerprints.digest(filename) is not None:  # the plain name of a file (or a file named like a fingerprint)
        return _send(filename, SHORT_MAX_AGE)
    split = split_fingerprint(filename)
    if split is None or unversioned(split[0]):
        abort(404)
    name, digest = split
    current = fingerprints.digest(name)
    if current is None:
        abort(404)
    if current == digest:
        return _send(name, LONG_MAX_AGE, immutable=True)
    return _send(name, SHORT_MAX_AGE)  # an outdated fingerprint: today's file, not kept for long


def _static_first():
    """``before_request`` hook placed before all others: answer static files straight away."""
    if request.endpoint == "static":
        return serve_static(**request.view_args)
    return None


def init_app(app: Flask) -> None:
    """Serve ``static/`` with fingerprints: one hook for ``url_for``, one view for the files.

    Call it after the blueprints are registered, so that ``_static_first`` runs before their hooks.
    """
    fingerprints = Fingerprints(app.static_folder)
    fingerprints.warm()
    app.extensions["fingerprints"] = fingerprints
    app.url_defaults(add_fingerprint)
    app.view_functions["static"] = serve_static
    app.before_request_funcs.setdefault(None, []).insert(0, _static_first)
