"""Administration of people, by admins (everyone) and village operators (their own village's
learners only), and the rights every user has over their own data (UU PDP)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _

from lms.audit import AuditEvent, record
from lms.auth import services as auth_services
from lms.auth.models import KINDS, ROLES, ApiToken, Consent, User
from lms.courses.models import Course, CourseCompletion, Enrollment, LessonProgress
from lms.courses.services import enroll
from lms.errors import Forbidden, Invalid, NotFound
from lms.extensions import db
from lms.people.importer import normalise_phone
from lms.quizzes.models import Answer, Attempt, Certificate
from lms.regions.models import Desa
from lms.timeutil import isoformat, utcnow

PAGE_SIZE = 25
TEMP_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l/1, o/0: read aloud and typed on a phone


def temporary_password() -> str:
    """14 characters in three groups, e.g. ``k7qx-m2pa-9htr`` (about 60 bits)."""
    raw = "".join(secrets.choice(TEMP_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


# ---------------------------------------------------------------------------- who manages whom
def require_manager(actor: User) -> None:
    if actor.role not in ("admin", "operator"):
        raise Forbidden()
    if actor.role == "operator" and not actor.desa_kode:
        raise Forbidden(_("Akun operator belum terhubung ke desa/kelurahan."))


def can_manage(actor: User, user: User) -> bool:
    """Admins manage everyone; an operator manages the learners of their own village."""
    if actor.role == "admin":
        return True
    return actor.role == "operator" and user.desa_kode == actor.desa_kode and user.role == "learner"


def person_for(actor: User, user_id: int) -> User:
    require_manager(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("Pengguna tidak ditemukan."))
    if not can_manage(actor, user):
        raise Forbidden()
    return user


@dataclass
class PeopleQuery:
    q: str | None = None
    role: str | None = None
    kind: str | None = None
    kecamatan_kode: str | None = None
    desa_kode: str | None = None
    jabatan: str | None = None
    active: str | None = None          # "1" | "0" | None
    deletion_requested: bool = False


def search(actor: User, query: PeopleQuery, page: int = 1):
    """Search and filter people, 25 per page; an operator sees only their village (403 for another)."""
    require_manager(actor)
    stmt = sa.select(User).outerjoin(Desa, Desa.kode == User.desa_kode).options(
        so.joinedload(User.desa), so.joinedload(User.jabatan))
    if actor.role == "operator":
        if query.desa_kode and query.desa_kode != actor.desa_kode:
            raise Forbidden(_("Operator hanya dapat melihat warga desanya sendiri."))
        if query.kecamatan_kode and query.kecamatan_kode != actor.desa_kode[:8]:
            raise Forbidden(_("Operator hanya dapat melihat warga desanya sendiri."))
        stmt = stmt.where(User.desa_kode == actor.desa_kode, User.role == "learner")
    if query.q:
        like = f"%{query.q.strip().lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.full_name).like(like), User.username.like(like),
                                 User.phone.like(f"%{query.q.strip()}%")))
    if query.role:
        if query.role not in ROLES:
            raise Invalid(_("Peran tidak dikenal."), field="role")
        stmt = stmt.where(User.role == query.role)
    if query.kind:
        if query.kind not in KINDS:
            raise Invalid(_("Jenis tidak dikenal."), field="kind")
        stmt = stmt.where(User.kind == query.kind)
    if query.kecamatan_kode:
        stmt = stmt.where(Desa.kecamatan_kode == query.kecamatan_kode)
    if query.desa_kode:
        stmt = stmt.where(User.desa_kode == query.desa_kode)
    if query.jabatan:
        stmt = stmt.where(User.jabatan_kode == query.jabatan)
    if query.active in ("0", "1"):
        stmt = stmt.where(User.active.is_(query.active == "1"))
    if query.deletion_requested:
        stmt = stmt.where(User.deletion_requested_at.is_not(None), User.erased_at.is_(None))
    stmt = stmt.order_by(User.full_name, User.id)
    return db.paginate(stmt, page=min(max(page, 1), 100_000), per_page=PAGE_SIZE, error_out=False)


# ---------------------------------------------------------------------------- create and edit
def create_person(actor: User, *, username, full_name, role="learner", kind="perangkat", jabatan=None,
                  desa_kode=None, phone=None, email=None) -> tuple[User, str]:
    """Create an account with a temporary password (to be changed at first login)."""
    require_manager(actor)
    if actor.role == "operator":
        if role != "learner":
            raise Invalid(_("Operator hanya dapat membuat akun peserta."), field="role")
        if desa_kode and desa_kode != actor.desa_kode:
            raise Forbidden(_("Operator hanya dapat menambah warga desanya sendiri."))
        desa_kode = actor.desa_kode
    password = temporary_password()
    user = auth_services.create_user(username=username, full_name=full_name, password=password, role=role, kind=kind,
                                     jabatan=jabatan or None, desa_kode=desa_kode or None, phone=phone or None,
                                     email=email or None)
    user.must_change_password = True
    record(actor.id, "user.create", target=f"user:{user.id}", details={"role": role, "desa_kode": user.desa_kode})
    return user, password


EDITABLE = ("full_name", "kind", "jabatan_kode", "desa_kode", "phone", "email")


def update_person(actor: User, user: User, **fields) -> None:
    """Correct a person's details; only an admin changes a role."""
    changes = {}
    role = fields.pop("role", None)
    if actor.role == "operator" and fields.get("desa_kode") not in (None, actor.desa_kode):
        raise Forbidden(_("Operator hanya dapat mengelola warga desanya sendiri."))
    cleaned = auth_services.clean_profile(**{k: fields.get(k) for k in EDITABLE if k in fields})
    for key, value in cleaned.items():
        if getattr(user, key) != value:
            changes[key] = True
            setattr(user, key, value)
    if role is not None and role != user.role:
        if actor.role != "admin":
            raise Forbidden(_("Hanya admin yang dapat mengubah peran."))
        if role not in ROLES:
            raise Invalid(_("Peran tidak dikenal."), field="role")
        record(actor.id, "user.role", target=f"user:{user.id}", details={"from": user.role, "to": role})
        user.role = role
        user.session_version += 1  # a new role takes effect at the next login
    if changes:
        record(actor.id, "user.edit", target=f"user:{user.id}", details={"fields": sorted(changes)})
    db.session.flush()


def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id:
        raise Invalid(_("Anda tidak dapat menonaktifkan akun sendiri."), field="active")
    user.active = active
    if not active:
        end_sessions(user)
    record(actor.id, "user.activate" if active else "user.deactivate", target=f"user:{user.id}")


def end_sessions(user: User) -> None:
    """End every session cookie and API token of the user."""
    user.session_version += 1
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))


def reset_password(actor: User, user: User) -> str:
    """Set a one-time temporary password; the user must choose a new one at the next login."""
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    end_sessions(user)
    record(actor.id, "user.reset_password", target=f"user:{user.id}")
    return password


def change_password(user: User, *, current: str, new: str) -> None:
    """The user's own change: checks the current password and the rules; ends other sessions."""
    if not user.check_password(current or ""):
        raise Invalid(_("Kata sandi sekarang salah."), field="current_password")
    auth_services.validate_password(new, field="new_password", username=user.username, full_name=user.full_name)
    if user.check_password(new):
        raise Invalid(_("Pilih kata sandi yang berbeda dari yang sekarang."), field="new_password")
    user.set_password(new)
    user.must_change_password = False
    end_sessions(user)


# ---------------------------------------------------------------------------- rights (UU PDP)
def request_deletion(user: User) -> None:
    if user.deletion_requested_at is None:
        user.deletion_requested_at = utcnow()
        record(user.id, "user.deletion_request", target=f"user:{user.id}")


def erase(actor: User, user: User) -> None:
    """Erase a person: name, username, contact data and free text go; certificates are revoked.

    The pseudonymous record keeps role, kind, desa, jabatan, active flag and learning records,
    so Kominfo's aggregate counts stay exactly as they were; it can never sign in again.
    """
    if actor.role != "admin":
        raise Forbidden()
    if user.id == actor.id:
        raise Invalid(_("Anda tidak dapat menghapus akun sendiri."), field="user")
    if user.erased_at is not None:
        return
    user.full_name = _("Pengguna terhapus #%(id)d", id=user.id)
    user.username = f"terhapus-{user.id}-{secrets.token_hex(4)}"
    user.email = user.phone = user.guardian_name = None
    user.set_password(secrets.token_urlsafe(32))
    user.erased_at = utcnow()
    user.must_change_password = False
    end_sessions(user)
    db.session.execute(sa.update(Certificate).where(Certificate.user_id == user.id, Certificate.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    _erase_free_text(user)
    record(actor.id, "user.erase", target=f"user:{user.id}")


def _erase_free_text(user: User) -> None:
    """Short-text quiz answers are the only free text a learner writes: blank them, keep the grading."""
    answers = db.session.scalars(sa.select(Answer).join(Attempt, Attempt.id == Answer.attempt_id)
                                 .where(Attempt.user_id == user.id)).all()
    for answer in answers:
        if isinstance(answer.response, dict) and "text" in answer.response:
            answer.response = {"text": ""}
    for consent in db.session.scalars(sa.select(Consent).where(Consent.user_id == user.id)):
        consent.guardian_name = None


def personal_data(user: User) -> dict:
    """Everything the platform holds about the user, as JSON-ready data (the right of access)."""
    enrolments = db.session.scalars(sa.select(Enrollment).where(Enrollment.user_id == user.id)
                                    .options(so.joinedload(Enrollment.course))).all()
    progress = db.session.execute(sa.select(LessonProgress.lesson_id, LessonProgress.course_id,
                                            LessonProgress.completed_at).where(LessonProgress.user_id == user.id)).all()
    attempts = db.session.scalars(sa.select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.id)).all()
    answers: dict = {}
    for answer in db.session.scalars(sa.select(Answer).join(Attempt, Attempt.id == Answer.attempt_id)
                                     .where(Attempt.user_id == user.id)):
        answers.setdefault(answer.attempt_id, []).append(
            {"question_id": answer.question_id, "response": answer.response, "correct": answer.correct,
             "points": answer.points, "saved_at": isoformat(answer.saved_at)})
    completions = db.session.execute(sa.select(CourseCompletion.course_id, CourseCompletion.completed_at)
                                     .where(CourseCompletion.user_id == user.id)).all()
    certificates = db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user.id)).all()
    consents = db.session.scalars(sa.select(Consent).where(Consent.user_id == user.id)).all()
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.target == f"user:{user.id}")
                                .order_by(AuditEvent.at)).all()
    return {
        "exported_at": isoformat(utcnow()),
        "profile": {"id": user.id, "username": user.username, "full_name": user.full_name, "email": user.email,
                    "phone": user.phone, "role": user.role, "kind": user.kind, "jabatan": user.jabatan_kode,
                    "desa": user.desa.as_dict() if user.desa else None, "active": user.active,
                    "created_at": isoformat(user.created_at), "is_adult": user.is_adult,
                    "guardian_name": user.guardian_name, "locale": user.locale,
                    "deletion_requested_at": isoformat(user.deletion_requested_at)},
        "consents": [{"notice_version": c.notice_version, "consented_at": isoformat(c.consented_at),
                      "guardian_name": c.guardian_name} for c in consents],
        "enrolments": [{"course_id": e.course_id, "course": e.course.title, "source": e.source,
                        "enrolled_at": isoformat(e.enrolled_at), "due_at": isoformat(e.due_at)} for e in enrolments],
        "lesson_progress": [{"lesson_id": lid, "course_id": cid, "completed_at": isoformat(at)}
                            for lid, cid, at in progress],
        "attempts": [{"id": a.id, "quiz_id": a.quiz_id, "status": a.status, "practice": a.practice,
                      "started_at": isoformat(a.started_at), "submitted_at": isoformat(a.submitted_at),
                      "score": a.score, "max_score": a.max_score, "percent": a.percent, "passed": a.passed,
                      "answers": answers.get(a.id, [])} for a in attempts],
        "completions": [{"course_id": cid, "completed_at": isoformat(at)} for cid, at in completions],
        "certificates": [{"course_id": c.course_id, "code": c.code, "issued_at": isoformat(c.issued_at),
                          "revoked_at": isoformat(c.revoked_at)} for c in certificates],
        "audit_events": [{"at": isoformat(e.at), "action": e.action, "actor_id": e.actor_id} for e in events],
    }


def notice_version() -> str:
    return current_app.config["PRIVACY_NOTICE_VERSION"]


def needs_consent(user: User) -> bool:
    """Someone who consented to an older notice is asked again when the version changes."""
    versions = set(db.session.scalars(sa.select(Consent.notice_version).where(Consent.user_id == user.id)))
    return bool(versions) and notice_version() not in versions


def record_consent(user: User, *, guardian_name: str | None = None) -> None:
    db.session.add(Consent(user_id=user.id, notice_version=notice_version(), guardian_name=guardian_name))


def register_resident(*, full_name, username, password, desa_kode, phone, is_adult: bool,
                      guardian_name: str | None, guardian_consent: bool, consent: bool) -> User:
    """Self-registration of a resident (warga): no NIK; under 18 only with a guardian's consent."""
    if not current_app.config["REGISTRATION_OPEN"]:
        raise Forbidden(_("Pendaftaran mandiri sedang ditutup."))
    if not consent:
        raise Invalid(_("Anda perlu menyetujui pemberitahuan privasi untuk mendaftar."), field="consent")
    if not desa_kode:
        raise Invalid(_("Pilih desa/kelurahan Anda."), field="desa_kode")
    if not is_adult:
        if not guardian_name or not guardian_name.strip():
            raise Invalid(_("Tulis nama orang tua atau wali."), field="guardian_name")
        if not guardian_consent:
            raise Invalid(_("Orang tua atau wali perlu menyetujui pendaftaran ini."), field="guardian_consent")
    auth_services.validate_password(password, username=username, full_name=full_name)
    user = auth_services.create_user(username=username, full_name=full_name, password=password, role="learner",
                                     kind="warga", desa_kode=desa_kode, phone=normalise_phone_or_error(phone))
    user.is_adult = bool(is_adult)
    user.guardian_name = None if is_adult else guardian_name.strip()
    record_consent(user, guardian_name=user.guardian_name)
    return user


def normalise_phone_or_error(phone: str | None) -> str | None:
    if not phone or not phone.strip():
        return None
    normalised = normalise_phone(phone)
    if normalised is None:
        raise Invalid(_("Nomor telepon tidak valid. Contoh: 0812 3456 7890."), field="phone")
    return normalised


def enrol_people(actor: User, course_id: int, user_ids: list[int], *, due_at=None) -> int:
    """Enrol people the actor manages (an operator: their village's learners) in a published course."""
    require_manager(actor)
    course = db.session.get(Course, course_id)
    if course is None or course.status != "published":
        raise Invalid(_("Pilih kursus yang sudah terbit."), field="course_id")
    people = db.session.scalars(sa.select(User).where(User.id.in_(user_ids))).all()
    if len(people) != len(set(user_ids)) or not all(can_manage(actor, person) for person in people):
        raise Forbidden()
    added = sum(enroll(person, course, source="assigned", due_at=due_at) for person in people)
    record(actor.id, "user.enrol", target=f"course:{course.id}", details={"users": sorted(set(user_ids)),
                                                                         "added": added})
    return added
