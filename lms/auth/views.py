"""Login and logout pages (and the site icon, which browsers ask for at the root)."""
from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import segno
from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template, request,
                   send_from_directory, session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import services, totp
from lms.auth.decorators import roles_required
from lms.auth.forms import (LoginForm, LogoutForm, TotpConfirmForm, TotpDisableForm, TotpLoginForm,
                            TotpStartForm)
from lms.auth.models import User
from lms.errors import LMSError
from lms.extensions import db
from lms.security import ratelimit
from lms.security.sessions import log_failed_login
from lms.security.ratelimit import LoginLocked, login_limit

bp = Blueprint("auth", __name__)

SHARED_DEVICE = "shared_device"  # session key: signed in with "perangkat bersama" ticked
# Sent with every logout: the browser drops its HTTP cache and the site's storage (IndexedDB,
# localStorage, service worker caches and registrations), so the offline copies of one person's
# lessons, progress and answers do not stay on the phone for the next person (needs HTTPS or localhost).
CLEAR_SITE_DATA = '"cache", "storage"'


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site (no open redirect)."""
    if target:
        parts = urlsplit(target)
        # Browsers read a backslash as a slash, so "/\\evil.example" would leave the site too.
        if (not parts.scheme and not parts.netloc and target.startswith("/")
                and not target.startswith("//") and "\\" not in target):
            return target
    return url_for("courses.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@login_limit
def login():
    """Anyone: the login form."""
    if current_user.is_authenticated:
        return redirect(url_for("courses.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except LoginLocked as err:
            form.password.errors.append(err.message)
            return render_template("auth/login.html", form=form), 429
        if user is None:
            log_failed_login(form.username.data, request.remote_addr)
            form.password.errors.append(_("Nama pengguna atau kata sandi salah, atau akun tidak aktif."))
        elif totp.enabled(user):
            session.clear()
            # Not signed in yet: the second step finds the user again, and a password change,
            # logout elsewhere (session_version) or five minutes end this pending state.
            session["pending_2fa"] = {"user_id": user.id, "version": user.session_version, "at": int(time.time()),
                                      "shared": bool(form.shared_device.data)}
            db.session.commit()
            return redirect(url_for("auth.totp_login", next=request.args.get("next")))
        else:
            _start_session(user, shared=bool(form.shared_device.data))
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


def _start_session(user: User, *, shared: bool) -> None:
    """Sign ``user`` in on a fresh session (no fixation), remembering a shared device.

    On a personal device the session cookie is permanent with the idle timeout as its lifetime
    (renewed on every request), so closing the browser does not sign the learner out of a
    half-read lesson. With "perangkat bersama" ticked the cookie is a browser-session cookie:
    the login ends when the browser closes. There is never a remember-me cookie.
    """
    session.clear()
    login_user(user, remember=False)
    session.permanent = not shared
    if shared:
        session[SHARED_DEVICE] = True


PENDING_2FA_SECONDS = 5 * 60


def _pending_user() -> User | None:
    """The user who gave the right password less than five minutes ago, if still valid."""
    pending = session.get("pending_2fa")
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    if not 0 <= time.time() - pending["at"] <= PENDING_2FA_SECONDS:
        return None
    user = services.load_session_user(f"{pending.get('user_id')}.{pending.get('version')}")
    return user if user is not None and totp.enabled(user) else None


@bp.route("/login/2fa", methods=["GET", "POST"])
@login_limit
def totp_login():
    """Anyone who just gave the right password of an account with a second factor: the code."""
    if current_user.is_authenticated:
        return redirect(url_for("courses.dashboard"))
    user = _pending_user()
    if user is None:
        session.pop("pending_2fa", None)
        flash(_("Sesi verifikasi sudah berakhir. Silakan masuk lagi."), "info")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    form = TotpLoginForm()
    recovery = request.args.get("cara") == "pemulihan"
    if recovery:  # recovery codes have letters: a full keyboard, no one-time-code autofill
        form.code.render_kw = {"inputmode": "text", "autocomplete": "off", "autocapitalize": "none"}
    if form.validate_on_submit():
        lock_key = f"2fa:{user.username}"  # ':' never occurs in a username: its own counter
        max_failures = current_app.config["LOGIN_MAX_FAILURES"]
        if ratelimit.is_locked(lock_key) or ratelimit.record_failure(lock_key) > max_failures:
            session.pop("pending_2fa", None)
            form.code.errors.append(LoginLocked(ratelimit.lock_remaining(lock_key)).message)
            return render_template("auth/totp_login.html", form=form, recovery=recovery), 429
        if totp.verify(user, form.code.data):
            ratelimit.clear_failures(lock_key)
            db.session.commit()
            _start_session(user, shared=session["pending_2fa"].get("shared") is True)
            return redirect(_safe_next(request.args.get("next")))
        db.session.rollback()
        form.code.errors.append(_("Kode salah, sudah kedaluwarsa, atau sudah pernah dipakai."))
    return render_template("auth/totp_login.html", form=form, recovery=recovery)


@bp.post("/logout")
@login_required
def logout():
    """Signed-in users: end the session (a captured cookie stops working too) and clear the browser's copies."""
    form = LogoutForm()
    response = redirect(url_for("auth.login"))
    if form.validate_on_submit():
        current_user.session_version += 1
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Anda sudah keluar."), "info")
        response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@bp.get("/favicon.ico")
def favicon():
    """Anyone: the site icon (drawn by tools/make_icons.py), where browsers look for it by default."""
    return send_from_directory(Path(current_app.static_folder) / "img", "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=7 * 24 * 3600)


# ---------------------------------------------------------------------------- second factor
second_factor_roles = roles_required(*totp.ALLOWED_ROLES)


def _no_store(html: str):
    """Pages showing a secret or recovery codes must not stay in a browser or proxy cache."""
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def _setup_page(**context):
    user = current_user
    context.setdefault("disable_form", TotpDisableForm())
    return _no_store(render_template(
        "auth/totp_setup.html", enabled=totp.enabled(user), required=totp.required(user),
        remaining=totp.remaining_recovery_codes(user) if totp.enabled(user) else 0, **context))


def _secret_context(secret: str) -> dict:
    uri = totp.provisioning_uri(current_user, secret)
    return {"secret_groups": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), "otpauth_uri": uri,
            "qr_svg": segno.make(uri).svg_inline(scale=4, title=_("Kode QR untuk aplikasi autentikator"))}


@bp.route("/me/2fa", methods=["GET", "POST"])
@second_factor_roles
def totp_setup():
    """Admins, reviewers and trainers: the status of the second factor, and setting it up."""
    if request.method == "GET":
        return _setup_page(start_form=TotpStartForm())
    if request.form.get("step") == "confirm":
        form = TotpConfirmForm()
        if form.validate_on_submit():
            try:
                codes = totp.confirm_setup(current_user, current_user.totp_secret, form.code.data)
                db.session.commit()
                return _setup_page(recovery_codes=codes)
            except LMSError as err:
                db.session.rollback()
                if err.field != "code":
                    flash(err.message, "error")
                    return redirect(url_for("auth.totp_setup"))
                form.code.errors.append(err.message)
        if not current_user.totp_secret or totp.enabled(current_user):
            return redirect(url_for("auth.totp_setup"))
        return _setup_page(confirm_form=form, **_secret_context(current_user.totp_secret))
    form = TotpStartForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.totp_setup"))
    try:
        secret, _uri = totp.start_setup(current_user)
    except LMSError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("auth.totp_setup"))
    db.session.commit()
    return _setup_page(confirm_form=TotpConfirmForm(formdata=None), **_secret_context(secret))


@bp.post("/me/2fa/disable")
@second_factor_roles
@login_limit
def totp_disable():
    """Admins, reviewers and trainers: turn the second factor off (password and a code)."""
    if totp.required(current_user):
        abort(403)
    form = TotpDisableForm()
    if not totp.enabled(current_user):
        return redirect(url_for("auth.totp_setup"))
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append(_("Kata sandi salah."))
        elif not totp.verify(current_user, form.code.data):
            form.code.errors.append(_("Kode salah, sudah kedaluwarsa, atau sudah pernah dipakai."))
        else:
            totp.disable(current_user)
            db.session.commit()
            flash(_("Verifikasi dua langkah dinonaktifkan."), "success")
            return redirect(url_for("auth.totp_setup"))
        db.session.rollback()
    return _setup_page(disable_form=form), 400


# Pages an admin may open before setting up the required second factor. The password change
# and consent pages are here too, so that their own hook (people/views.py) can run first.
_OPEN_BEFORE_2FA = {"auth.logout", "auth.login", "auth.totp_login", "auth.totp_setup", "auth.favicon", "static",
                    "ops.healthz", "people.change_password", "people.consent", "people.privacy", "quizzes.verify"}


@bp.before_app_request
def require_second_factor_setup():
    """Send a user who must have a second factor and has none to set one up."""
    if not current_user.is_authenticated or request.endpoint in _OPEN_BEFORE_2FA or request.path.startswith("/api/"):
        return None
    if totp.required(current_user) and not totp.enabled(current_user):
        return redirect(url_for("auth.totp_setup"))
    return None
