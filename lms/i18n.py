"""The interface language: Bahasa Indonesia first, English second.

The msgids in the code are Indonesian, so ``id`` needs no catalogue; English lives in
``translations/en/LC_MESSAGES/messages.po`` (see docs/i18n.md). The language of a request is,
in order: the signed-in user's setting (``User.locale``), the choice made with the language
switch (a cookie, so it survives logging in and out), the best match of the browser's
Accept-Language, and finally ``BABEL_DEFAULT_LOCALE`` (``id``).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from babel import support
from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.i18n import messages_path
from wtforms.validators import AnyOf

from lms.errors import Invalid
from lms.extensions import babel, db

# Each language named in itself: a visitor who cannot read the current one still finds theirs.
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
COOKIE = "cakap_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def _known(code) -> str | None:
    return code if isinstance(code, str) and code in LANGUAGES else None


def _request_user():
    """The API's bearer-token user, else the session's user (None when anonymous)."""
    user = g.get("api_user")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    return user


def select_locale() -> str:
    """User setting, then the switch's cookie, then Accept-Language, then the default."""
    if has_request_context():
        user = _request_user()
        choice = (_known(getattr(user, "locale", None)) or _known(request.cookies.get(COOKIE))
                  or _from_accept_language())
        if choice:
            return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _from_accept_language() -> str | None:
    """The browser's most preferred language we have, by primary subtag: ``id-ID`` is ``id``.

    (werkzeug's ``best_match`` prefers any exact match, so ``id-ID,en;q=0.5`` would give English.)
    """
    for tag, _quality in request.accept_languages:  # sorted by quality, highest first
        code = _known(tag.replace("_", "-").split("-")[0].lower())
        if code:
            return code
    return None


def current_locale() -> str:
    """The language of this request as a code (``id`` or ``en``), for ``<html lang>``."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def set_user_locale(user, code: str | None) -> None:
    """Save a user's language (``None``: follow the browser); the caller commits."""
    if code not in (None, "") and not _known(code):
        raise Invalid(_("Bahasa tidak dikenal."), field="locale")
    user.locale = code or None


# ---------------------------------------------------------------------------- formatting
def number(value, digits: int = 1) -> str:
    """A number in the request's locale: ``1.234,5`` (id) or ``1,234.5`` (en); ``—`` for None."""
    if value is None or value == "":
        return "—"
    return format_decimal(value, format=f"#,##0.{'#' * digits}" if digits else "#,##0")


# ---------------------------------------------------------------------------- WTForms' own messages
class _FormTranslations:
    """WTForms' built-in messages ("This field is required.") in the request's language.

    WTForms ships no Indonesian catalogue, so ours (``translations/id/LC_MESSAGES/wtforms.po``)
    comes first and WTForms' own catalogues second. Flask-WTF looks for the translations of a
    request in ``request.wtforms_translations``; this object is put there and loads the
    catalogue only when a message is actually shown.
    """

    def __init__(self, directory: str):
        self.directory = directory
        self._loaded = None

    def _catalogue(self):
        if self._loaded is None:
            locale = get_locale()
            loaded = support.Translations.load(self.directory, [locale], domain="wtforms")
            if not isinstance(loaded, support.Translations):
                loaded = support.Translations.load(messages_path(), [locale], domain="wtforms")
            self._loaded = loaded
        return self._loaded

    def ugettext(self, string):
        return self._catalogue().ugettext(string)

    def ungettext(self, singular, plural, n):
        return self._catalogue().ungettext(singular, plural, n)


# ---------------------------------------------------------------------------- the language switch
class LanguageForm(FlaskForm):
    locale = SelectField(choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
                         validators=[AnyOf(list(LANGUAGES))])
    next = HiddenField()


def _safe_next(target: str | None) -> str:
    """Only go back to a path on this site (no open redirect)."""
    # browsers read "/\evil.example" as "//evil.example": no backslash or control character either
    if target and not any(c == "\\" or ord(c) < 32 for c in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("courses.dashboard")


@bp.post("/language")
def set_language():
    """Anyone (CSRF-checked): choose the interface language; saved on the account when signed in."""
    form = LanguageForm()
    response = redirect(_safe_next(form.next.data))
    if form.validate_on_submit():
        code = form.locale.data
        if current_user.is_authenticated:
            set_user_locale(current_user, code)
            db.session.commit()
        response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


# ---------------------------------------------------------------------------- wiring
def _tag_response(response):
    """Caches must keep one copy per language; say which one this is."""
    if request.endpoint != "static":
        response.vary.update(("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", current_locale())
    return response


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the language selector and add the template helpers."""
    babel.init_app(app, locale_selector=select_locale)
    directory = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0]

    @app.before_request
    def _form_translations():
        request.wtforms_translations = _FormTranslations(directory)

    app.after_request(_tag_response)
    app.jinja_env.globals.update(current_locale=current_locale, LANGUAGES=LANGUAGES)
    app.jinja_env.filters["number"] = number
