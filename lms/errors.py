"""Domain exceptions and the one place that turns them (and HTTP errors) into responses.

Services raise these; views never build error responses by hand. Requests under ``/api/``
get ``{"error": {"code", "message"}}``; pages get an HTML error page.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from lms.extensions import db

log = logging.getLogger(__name__)


class LMSError(Exception):
    """Base of the domain errors; ``status`` and ``code`` say how the API reports it."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str | None = None, *, code: str | None = None, field: str | None = None):
        super().__init__(message or self.default_message())
        self.message = message or self.default_message()
        self.detail = self.message  # the message without the field path, for display next to the field
        if code:
            self.code = code
        self.field = field

    def default_message(self) -> str:
        return _("Permintaan tidak dapat diproses.")


class NotFound(LMSError):
    status = 404
    code = "not_found"

    def default_message(self) -> str:
        return _("Data tidak ditemukan.")


class Forbidden(LMSError):
    status = 403
    code = "forbidden"

    def default_message(self) -> str:
        return _("Anda tidak berhak melakukan tindakan ini.")


class Conflict(LMSError):
    status = 409
    code = "conflict"


class Invalid(LMSError):
    """Bad input; ``field`` names the path of the offending field (``course.modules[0].title``)."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(f"{field}: {message}" if field else message, code=code, field=field)
        self.detail = message


class Unauthorized(LMSError):
    status = 401
    code = "unauthorized"

    def default_message(self) -> str:
        return _("Token tidak sah atau sudah tidak berlaku.")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, field: str | None = None, details: list | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if field:
            body["error"]["field"] = field
        if details:
            body["error"]["details"] = details
        return jsonify(body), status
    template = f"errors/{status}.html" if status in (403, 404) else "errors/error.html"
    return render_template(template, status=status, message=message), status


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "too_many_requests",
}


def _http_message(status: int) -> str:
    messages = {
        400: _("Permintaan tidak valid."),
        401: _("Anda perlu masuk terlebih dahulu."),
        403: _("Anda tidak berhak membuka halaman ini."),
        404: _("Halaman atau data tidak ditemukan."),
        405: _("Metode permintaan tidak diizinkan."),
        413: _("Berkas atau data yang dikirim terlalu besar."),
        415: _("Jenis data tidak didukung."),
        429: _("Terlalu banyak permintaan. Coba lagi nanti."),
    }
    return messages.get(status, _("Terjadi kesalahan."))


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(LMSError)
    def handle_domain_error(err: LMSError):
        db.session.rollback()
        return error_response(err.status, err.code, err.message, err.field, getattr(err, "details", None))

    @app.errorhandler(HTTPException)
    def handle_http_error(err: HTTPException):
        status = err.code or 500
        if status >= 500:
            db.session.rollback()
        code = _HTTP_CODES.get(status, "error")
        if status == 400 and getattr(err, "description", "").startswith("The CSRF"):
            code = "csrf_failed"
            message = _("Sesi formulir sudah kedaluwarsa. Muat ulang halaman lalu coba lagi.")
        else:
            message = _http_message(status)
        response = error_response(status, code, message)
        if status == 405 and hasattr(err, "valid_methods") and err.valid_methods:
            response[0].headers["Allow"] = ", ".join(err.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        db.session.rollback()
        if app.testing:
            raise err  # let the test see the real traceback
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, "server_error", _("Terjadi kesalahan pada server. Coba lagi nanti."))
