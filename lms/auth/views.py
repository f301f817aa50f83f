"""Login and logout pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import services
from lms.auth.forms import LoginForm, LogoutForm
from lms.extensions import db
from lms.security.sessions import log_failed_login
from lms.security.ratelimit import LoginLocked, login_limit

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
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
        else:
            session.clear()  # a fresh session at login: no fixation
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Signed-in users: end the session (a captured cookie stops working too)."""
    form = LogoutForm()
    if form.validate_on_submit():
        current_user.session_version += 1
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))
