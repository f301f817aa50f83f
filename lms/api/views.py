"""Routes of the JSON API v1. Each states who may call it."""
from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _

from lms import packages
from lms.api.common import bearer_token, json_body, token_required
from lms.api.serializers import course_detail, user_json
from lms.auth import services as auth_services
from lms.auth import totp
from lms.courses import services as course_services
from lms.errors import Invalid, Unauthorized
from lms.extensions import csrf, db
from lms.people import importer
from lms.quizzes import services as quiz_services
from lms.security.sessions import log_failed_login
from lms.security.ratelimit import import_limit, token_limit
from lms.studio import services as studio_services
from lms.studio.zip_package import export_zip, import_zip, is_zip
from lms.timeutil import isoformat

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens only: no cookie is read, so there is nothing to forge


@bp.post("/auth/token")
@token_limit
def create_token():
    """Anyone: trade a username and password for a bearer token."""
    data = json_body()
    user = auth_services.authenticate(data.get("username"), data.get("password"))
    if user is None:
        log_failed_login(data.get("username"), request.remote_addr)
        raise Unauthorized(_("Nama pengguna atau kata sandi salah, atau akun tidak aktif."), code="invalid_credentials")
    if totp.enabled(user) and not totp.verify(user, data.get("otp") if isinstance(data.get("otp"), str) else ""):
        # an account with a second factor gets no token from its password alone
        raise Unauthorized(_("Sertakan kode autentikator (otp) yang berlaku."), code="otp_required")
    token = auth_services.issue_token(user)
    db.session.commit()
    return jsonify({"token": token})


@bp.delete("/auth/token")
@token_required()
def revoke_token():
    """Token holders: revoke the token used for this request."""
    auth_services.revoke_token(bearer_token())
    db.session.commit()
    return "", 204


@bp.get("/me")
@token_required()
def me():
    """Token holders: their own profile."""
    return jsonify(user_json(g.api_user))


@bp.get("/courses")
@token_required()
def list_courses():
    """Token holders: published courses with the caller's progress."""
    entries = course_services.catalogue(g.api_user)
    return jsonify({"courses": [
        {"id": e.course.id, "slug": e.course.slug, "title": e.course.title, "pillar": e.course.pillar,
         "lesson_count": e.lesson_count, "enrolled": e.enrolled, "progress_percent": e.percent}
        for e in entries]})


@bp.get("/courses/<int:course_id>")
@token_required()
def get_course(course_id: int):
    """Token holders who may see the course (a draft: its author and admins)."""
    course = course_services.get_course_for(g.api_user, course_id=course_id)
    statuses = quiz_services.quiz_statuses(g.api_user, quiz_services.course_quizzes(course.id))
    return jsonify(course_detail(course_services.outline(g.api_user, course), statuses))


@bp.post("/courses/<int:course_id>/enroll")
@token_required()
def enroll(course_id: int):
    """Token holders: enrol in a published course (201 new, 200 already enrolled)."""
    course = course_services.get_course_for(g.api_user, course_id=course_id)
    created = course_services.enroll(g.api_user, course)
    db.session.commit()
    return jsonify({"course_id": course.id, "enrolled": True}), 201 if created else 200


@bp.post("/lessons/<int:lesson_id>/complete")
@token_required()
def complete_lesson(lesson_id: int):
    """Enrolled learners: mark a lesson complete (idempotent)."""
    lesson = course_services.get_lesson_for(g.api_user, lesson_id)
    progress = course_services.complete_lesson(g.api_user, lesson)
    db.session.commit()
    return jsonify({"lesson_id": lesson.id, "course_id": lesson.course_id, "progress_percent": progress.percent})


@bp.get("/me/progress")
@token_required()
def my_progress():
    """Token holders: progress in each enrolled course."""
    entries = course_services.dashboard(g.api_user)
    codes = quiz_services.certificate_codes(g.api_user.id, [e.course.id for e in entries])
    return jsonify({"courses": [
        {"course_id": e.course.id, "progress_percent": e.percent, "completed": e.completed_at is not None,
         "completed_at": isoformat(e.completed_at), "certificate_code": codes.get(e.course.id)}
        for e in entries]})


@bp.post("/course-packages")
@token_required("trainer", "admin")
def import_course_package():
    """Trainers and admins: import a manifest (JSON body) or a zip (multipart field ``package``).

    A trainer may replace only a course they may edit.
    """
    upload = request.files.get("package")
    if upload is not None:
        data = upload.read()
        if not is_zip(data):
            raise Invalid(_("Berkas paket harus berupa .zip."), field="package", code="invalid_package")
        course = import_zip(data, user=g.api_user)
    else:
        course = packages.import_as(g.api_user, json_body())
    db.session.commit()
    return jsonify({"id": course.id, "slug": course.slug}), 201


@bp.get("/courses/<int:course_id>/package")
@token_required("trainer", "admin")
def export_course_package(course_id: int):
    """The course's author, co-authors and admins: the course as a zip package."""
    course = studio_services.course_for_edit(g.api_user, course_id)
    return Response(export_zip(course), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{course.slug}.zip"'})


@bp.post("/users")
@token_required("admin")
def create_user():
    """Admins: create an account."""
    data = json_body()
    allowed = {"username", "full_name", "password", "role", "kind", "jabatan", "desa_kode", "email", "phone"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise Invalid(_("Kolom tidak dikenal."), field=unknown[0])
    defaults = {"role": "learner", "kind": "warga"}
    user = auth_services.create_user(**{key: data.get(key, defaults.get(key)) for key in allowed})
    db.session.commit()
    return jsonify(user_json(user)), 201


@bp.post("/users/import")
@token_required("admin")
@import_limit
def import_users():
    """Admins: bulk import people from CSV (body ``text/csv``); ``?dry_run=1`` only checks.

    Without dry_run, only a file with no errors is written (all rows in one transaction);
    otherwise 422 with the same errors.
    """
    dry_run = request.args.get("dry_run") in ("1", "true", "yes")
    result = importer.import_people(request.get_data(), by=g.api_user, dry_run=dry_run)
    body = {"created": len(result.created), "rows": result.rows,
            "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in result.errors]}
    if result.errors and not dry_run:
        db.session.rollback()
        return jsonify(body), 422
    db.session.commit()
    if result.created:
        body["users"] = [{"id": user.id, "username": user.username, "initial_password": password}
                         for user, password in result.created]
    return jsonify(body), 201 if result.created else 200


from lms.api import openapi, quiz_views, report_views  # noqa: E402,F401  (register their routes on this blueprint)
