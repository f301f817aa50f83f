"""People pages: administration (admins; operators for their own village), the user's own
profile, data and password, self-registration with consent, and the audit log."""
from __future__ import annotations

import base64
import json
from datetime import datetime, time, timezone

import sqlalchemy as sa
from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user
from wtforms import SelectChoice

from lms import i18n
from lms.audit import AuditEvent, record
from lms.auth.models import User
from lms.courses.models import Course
from lms.auth.decorators import roles_required
from lms.auth.passwords import password_rules_text
from lms.courses.forms import ActionForm
from lms.errors import Invalid, LMSError
from lms.extensions import db
from lms.formutil import options, show_error
from lms.people import importer, services
from lms.people.forms import ConsentForm, EnrolForm, ImportForm, PasswordChangeForm, PersonForm, ProfileForm, RegisterForm
from lms.regions.services import list_desa, list_jabatan
from lms.security.ratelimit import import_limit, register_limit
from lms.timeutil import local_tz

bp = Blueprint("people", __name__)
JABATAN_ALIAS = {"jabatan": "jabatan_kode"}  # the service names the field as the API does
manager_required = roles_required("admin", "operator")


def _place_choices(form) -> None:
    desa = list_desa()
    if "desa_kode" in form:
        # grouped by kecamatan: easier to scan, and the browser's type-to-search still works
        form.desa_kode.choices = [SelectChoice("", _("— pilih —"))] + [
            SelectChoice(d.kode, f"{d.nama} ({_('kelurahan') if d.jenis == 'kelurahan' else _('desa')})",
                         optgroup=_("Kecamatan %(k)s", k=d.kecamatan.nama)) for d in desa]
    if "jabatan_kode" in form:
        form.jabatan_kode.choices = options([("", _("— tidak ada —"))] + [(j.kode, j.nama) for j in list_jabatan()])


# ---------------------------------------------------------------------------- administration
@bp.get("/people/")
@manager_required
def index():
    """Admins (everyone) and operators (their village's learners): search, filter, page."""
    query = services.PeopleQuery(
        q=request.args.get("q") or None, role=request.args.get("role") or None,
        kind=request.args.get("kind") or None, kecamatan_kode=request.args.get("kecamatan_kode") or None,
        desa_kode=request.args.get("desa_kode") or None, jabatan=request.args.get("jabatan") or None,
        active=request.args.get("active") or None, deletion_requested=request.args.get("deletion") == "1")
    page = services.search(current_user, query, request.args.get("page", 1, type=int))
    return render_template("people/index.html", page=page, query=query, desa_list=list_desa(),
                           jabatan_list=list_jabatan(), args=request.args)


@bp.route("/people/new", methods=["GET", "POST"])
@manager_required
def new():
    """Admins and operators: add a person; a temporary password is shown once."""
    form = PersonForm()
    _place_choices(form)
    if current_user.role == "operator":
        form.desa_kode.data = current_user.desa_kode
        form.role.data = "learner"
    if form.validate_on_submit():
        try:
            user, password = services.create_person(
                current_user, username=form.username.data, full_name=form.full_name.data, role=form.role.data,
                kind=form.kind.data, jabatan=form.jabatan_kode.data or None, desa_kode=form.desa_kode.data or None,
                phone=services.normalise_phone_or_error(form.phone.data), email=form.email.data or None)
            db.session.commit()
            return render_template("people/credentials.html", created=[(user, password)],
                                   csv_href=_credentials_href([(user, password)]))
        except LMSError as err:
            db.session.rollback()
            if err.status == 403:
                raise
            if err.status == 409:
                form.username.errors = [err.message]
            else:
                show_error(form, err, JABATAN_ALIAS)
    return render_template("people/form.html", form=form, person=None)


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@manager_required
def edit(user_id: int):
    """Admins and operators (own village): correct a person's details; admins also set the role."""
    person = services.person_for(current_user, user_id)
    form = PersonForm(obj=person)
    _place_choices(form)
    del form.username
    if form.validate_on_submit():
        fields = {"full_name": form.full_name.data, "kind": form.kind.data,
                  "jabatan_kode": form.jabatan_kode.data or None, "desa_kode": form.desa_kode.data or None,
                  "email": form.email.data or None}
        if current_user.role == "admin":
            fields["role"] = form.role.data
        try:
            fields["phone"] = services.normalise_phone_or_error(form.phone.data)
            services.update_person(current_user, person, **fields)
            db.session.commit()
            flash(_("Data disimpan."), "success")
            return redirect(url_for("people.edit", user_id=person.id))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err, JABATAN_ALIAS)
    return render_template("people/form.html", form=form, person=person, action=ActionForm())


@bp.post("/people/<int:user_id>/active")
@manager_required
def set_active(user_id: int):
    """Admins and operators (own village): deactivate or reactivate an account."""
    person = services.person_for(current_user, user_id)
    if ActionForm().validate_on_submit():
        try:
            services.set_active(current_user, person, request.form.get("active") == "1")
            db.session.commit()
            flash(_("Status akun diubah."), "success")
        except Invalid as err:
            db.session.rollback()
            flash(err.detail, "error")
    return redirect(url_for("people.edit", user_id=person.id))


@bp.post("/people/<int:user_id>/reset-password")
@manager_required
def reset_password(user_id: int):
    """Admins and operators (own village): a one-time temporary password, shown once."""
    person = services.person_for(current_user, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    password = services.reset_password(current_user, person)
    db.session.commit()
    return render_template("people/credentials.html", created=[(person, password)],
                           csv_href=_credentials_href([(person, password)]))


@bp.route("/people/<int:user_id>/erase", methods=["GET", "POST"])
@roles_required("admin")
def erase(user_id: int):
    """Admins: erase a person (after confirming); report totals are unchanged."""
    person = services.person_for(current_user, user_id)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.erase(current_user, person)
            db.session.commit()
            flash(_("Data pribadi orang ini sudah dihapus."), "success")
            return redirect(url_for("people.index"))
        except Invalid as err:
            db.session.rollback()
            flash(err.detail, "error")
    return render_template("people/erase.html", form=form, person=person)


def _credentials_href(created) -> str:
    data = importer.credentials_csv(created)
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(("\ufeff" + data).encode()).decode()


@bp.route("/people/import", methods=["GET", "POST"])
@manager_required
@import_limit
def import_people():
    """Admins and operators (own village): bulk import, dry run first, all-or-nothing."""
    form = ImportForm()
    result = None
    if form.validate_on_submit() and form.file.data:
        data = form.file.data.read()
        scope = current_user.desa_kode if current_user.role == "operator" else None
        roles = {"learner"} if current_user.role == "operator" else None
        result = importer.import_people(data, by=current_user, dry_run=not form.submit.data, desa_scope=scope,
                                        allowed_roles=roles)
        if result.created:
            db.session.commit()
            return render_template("people/credentials.html", created=result.created,
                                   csv_href=_credentials_href(result.created))
        db.session.commit()  # the audit event of the dry run
    return render_template("people/import.html", form=form, result=result)


@bp.get("/people/import/template.<ext>")
@manager_required
def import_template(ext: str):
    """Admins and operators: the import template with Indonesian headers."""
    if ext == "csv":
        return Response("\ufeff" + importer.template_csv(), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="templat-pengguna.csv"'})
    if ext == "xlsx":
        return Response(importer.template_xlsx(),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="templat-pengguna.xlsx"'})
    abort(404)


@bp.route("/people/enrol", methods=["GET", "POST"])
@manager_required
def enrol():
    """Admins and operators (own village): enrol people in a published course."""
    form = EnrolForm()
    form.course_id.choices = options([(c.id, c.title) for c in db.session.scalars(
        sa.select(Course).where(Course.status == "published").order_by(Course.title))])
    desa = current_user.desa_kode if current_user.role == "operator" else (request.args.get("desa_kode") or None)
    page = services.search(current_user, services.PeopleQuery(desa_kode=desa, role="learner", active="1"),
                           request.args.get("page", 1, type=int))
    form.user_ids.choices = options([(u.id, f"{u.full_name} ({u.jabatan.nama if u.jabatan else u.kind})")
                                     for u in page.items])
    if form.validate_on_submit():
        due = (datetime.combine(form.due_date.data, time(23, 59), tzinfo=local_tz()).astimezone(timezone.utc)
               if form.due_date.data else None)
        try:
            added = services.enrol_people(current_user, form.course_id.data, form.user_ids.data, due_at=due)
            db.session.commit()
            flash(_("%(n)d orang didaftarkan.", n=added), "success")
            return redirect(url_for("people.enrol", **request.args))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err, JABATAN_ALIAS)
    return render_template("people/enrol.html", form=form, page=page, desa=desa, desa_list=list_desa(),
                           args=request.args)


@bp.get("/people/audit")
@roles_required("admin")
def audit():
    """Admins: read and filter the audit log (it cannot be edited from the app)."""
    stmt = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    action = request.args.get("action") or None
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    actor = request.args.get("actor_id", type=int)
    if actor and 0 < actor < 2**31:
        stmt = stmt.where(AuditEvent.actor_id == actor)
    target = request.args.get("target") or None
    if target:
        stmt = stmt.where(AuditEvent.target == target)
    page = db.paginate(stmt, page=min(max(request.args.get("page", 1, type=int), 1), 100_000), per_page=50,
                       error_out=False)
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    ids = {event.actor_id for event in page.items if event.actor_id}
    actors = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("people/audit.html", page=page, actions=actions, action=action, args=request.args,
                           actors=actors)


# ---------------------------------------------------------------------------- the user's own data
@bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Signed-in users: see and correct their profile, download their data, ask for deletion."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_person(current_user, current_user, full_name=form.full_name.data,
                                   phone=services.normalise_phone_or_error(form.phone.data),
                                   email=form.email.data or None)
            i18n.set_user_locale(current_user, form.locale.data)
            db.session.commit()
            refresh()  # the confirmation below is already in the newly chosen language
            flash(_("Profil disimpan."), "success")
            return redirect(url_for("people.profile"))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err, JABATAN_ALIAS)
    return render_template("people/profile.html", form=form, action=ActionForm())


@bp.get("/me/data.json")
@login_required
def my_data():
    """Signed-in users: all their personal data and learning records as JSON."""
    data = services.personal_data(current_user)
    record(current_user.id, "user.data_download", target=f"user:{current_user.id}")
    db.session.commit()
    return Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="data-saya-cakap-desa.json"'})


@bp.post("/me/delete")
@login_required
def request_deletion():
    """Signed-in users: ask for their account to be deleted."""
    if ActionForm().validate_on_submit():
        services.request_deletion(current_user)
        db.session.commit()
        flash(_("Permintaan penghapusan akun sudah dicatat. Admin Diskominfo akan memprosesnya."), "success")
    return redirect(url_for("people.profile"))


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Signed-in users: change their password (required after a temporary one)."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, current=form.current_password.data, new=form.new_password.data)
            db.session.commit()
            session.clear()
            login_user(current_user._get_current_object())  # this session continues; every other one ended
            flash(_("Kata sandi sudah diganti."), "success")
            return redirect(url_for("courses.dashboard"))
        except Invalid as err:
            db.session.rollback()
            show_error(form, err, JABATAN_ALIAS)
    return render_template("people/password.html", form=form, rules=password_rules_text(),
                           forced=current_user.must_change_password)


# ---------------------------------------------------------------------------- registration and consent
@bp.get("/privacy")
def privacy():
    """Anyone: the privacy notice."""
    return render_template("people/privacy.html", version=services.notice_version())


@bp.route("/register", methods=["GET", "POST"])
@register_limit
def register():
    """Anyone (when registration is open): a resident creates an account."""
    if not current_app.config["REGISTRATION_OPEN"]:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("courses.dashboard"))
    form = RegisterForm()
    _place_choices(form)
    if form.validate_on_submit():
        try:
            user = services.register_resident(
                full_name=form.full_name.data, username=form.username.data, password=form.password.data,
                desa_kode=form.desa_kode.data, phone=form.phone.data, is_adult=form.adult.data == "ya",
                guardian_name=form.guardian_name.data, guardian_consent=form.guardian_consent.data,
                consent=form.consent.data)
            db.session.commit()
            session.clear()
            login_user(user)
            flash(_("Selamat datang di Cakap Desa!"), "success")
            return redirect(url_for("courses.catalogue"))
        except LMSError as err:
            db.session.rollback()
            if err.status == 409:
                form.username.errors = [err.message]
            else:
                show_error(form, err, JABATAN_ALIAS)
    return render_template("people/register.html", form=form, rules=password_rules_text())


@bp.route("/privacy/consent", methods=["GET", "POST"])
@login_required
def consent():
    """Signed-in users who consented to an older notice: consent to the new version."""
    form = ConsentForm()
    if form.validate_on_submit():
        services.record_consent(current_user)
        db.session.commit()
        return redirect(url_for("courses.dashboard"))
    return render_template("people/consent.html", form=form, version=services.notice_version())


# Pages a user may open before changing a temporary password or renewing consent.
_ALWAYS_OPEN = {"auth.logout", "people.change_password", "people.consent", "people.privacy", "static",
                "auth.login", "quizzes.verify"}


@bp.before_app_request
def require_password_change_and_consent():
    """Send a user with a temporary password to change it, and one with old consent to renew it."""
    if not current_user.is_authenticated or request.endpoint in _ALWAYS_OPEN or request.path.startswith("/api/"):
        return None
    if current_user.must_change_password:
        return redirect(url_for("people.change_password"))
    if services.needs_consent(current_user):
        return redirect(url_for("people.consent"))
    return None
