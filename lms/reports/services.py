"""Report services: what the pages and exports need, built on lms.reports.queries."""
from __future__ import annotations

import re
from dataclasses import replace
from collections.abc import Iterable, Mapping
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from lms.auth.models import User
from lms.courses.models import Course, Enrollment
from lms.courses.services import dashboard as learner_dashboard
from lms.errors import Forbidden, Invalid, NotFound
from lms.extensions import db
from lms.quizzes.services import certificate_codes, quiz_statuses, quizzes_of_courses
from lms.regions.models import Desa, Jabatan, Kecamatan
from lms.reports import pdf, queries, reader
from lms.timeutil import to_local, utcnow

TABLE_HEADER = ["key", "label", "learners", "enrolled", "started", "completed", "completion_percent",
                "avg_best_percent"]


def scoped_filters(user: User, args: Mapping[str, str]) -> queries.Filters:
    """Parse report filters for ``user``: a village operator sees their own village only.

    An operator asking for another desa or kecamatan gets 403, not an empty table.
    """
    f = queries.parse_filters(args)
    if user.role != "operator":
        return f
    own = user.desa_kode
    if not own:
        raise Forbidden(_("Akun operator belum terhubung ke desa/kelurahan."))
    if (f.desa_kode and f.desa_kode != own) or (f.kecamatan_kode and f.kecamatan_kode != own[:8]):
        raise Forbidden(_("Operator hanya dapat melihat laporan desanya sendiri."))
    return replace(f, desa_kode=own)


def can_see_learner(viewer: User, learner: User) -> bool:
    if viewer.id == learner.id or viewer.role in ("reviewer", "admin"):
        return True
    return viewer.role == "operator" and viewer.desa_kode is not None and learner.desa_kode == viewer.desa_kode


def dashboard(f: queries.Filters) -> dict:
    """Everything on the reviewer dashboard (a fixed number of queries)."""
    return {
        "kecamatan": queries.completion_report(f, "kecamatan"),
        "course": queries.completion_report(f, "course"),
        "jabatan": queries.completion_report(f, "jabatan"),
        "pillar": queries.completion_report(f, "pillar"),
        "kinds": queries.learners_by_kind(f),
        "trend": queries.completions_per_week(f),
    }


def filter_options() -> dict:
    rs = reader.session()
    return {
        "courses": rs.execute(sa.select(Course.id, Course.title).where(Course.status != "draft")
                              .order_by(Course.title)).all(),
        "kecamatan": rs.execute(sa.select(Kecamatan.kode, Kecamatan.nama).order_by(Kecamatan.nama)).all(),
        "desa": rs.execute(sa.select(Desa.kode, Desa.nama, Desa.kecamatan_kode)
                           .order_by(Desa.kecamatan_kode, Desa.nama)).all(),
        "jabatan": rs.execute(sa.select(Jabatan.kode, Jabatan.nama).order_by(Jabatan.nama)).all(),
    }


def whatsapp_number(phone: str | None) -> str | None:
    """``0812-3456-7890`` or ``+62 812…`` → ``6281234567890`` (wa.me wants digits with the country code)."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    return digits if digits.startswith("62") and 10 <= len(digits) <= 15 else None


def whatsapp_link(user: User, course: Course, kind: str) -> str | None:
    """A click-to-chat link with a prefilled reminder, or None without a phone.

    The reminder is in the learner's language (Bahasa Indonesia unless they chose English),
    not in the language of the reviewer who sends it.
    """
    number = whatsapp_number(user.phone)
    if number is None:
        return None
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        if kind == "not_started":
            text = _("Om Swastiastu %(name)s, Anda sudah terdaftar di kursus \u201c%(course)s\u201d di Cakap Desa "
                     "tetapi belum mulai. Yuk mulai hari ini, cukup 10 menit dari HP. Suksma.",
                     name=user.full_name, course=course.title)
        else:
            text = _("Om Swastiastu %(name)s, kursus \u201c%(course)s\u201d di Cakap Desa menunggu Anda. "
                     "Yuk lanjutkan belajar dari HP, sedikit demi sedikit. Suksma.",
                     name=user.full_name, course=course.title)
    return f"https://wa.me/{number}?text={quote(text)}"


def period_text(f: queries.Filters) -> str:
    if f.date_from and f.date_to:
        return _("Periode %(a)s s.d. %(b)s", a=format_date(f.date_from, "long"), b=format_date(f.date_to, "long"))
    if f.date_from:
        return _("Sejak %(a)s", a=format_date(f.date_from, "long"))
    if f.date_to:
        return _("Sampai dengan %(b)s", b=format_date(f.date_to, "long"))
    return _("Seluruh periode, keadaan %(d)s", d=format_date(to_local(utcnow()), "long"))


def _user_cells(user: User) -> list:
    return [user.full_name, user.username, user.kind, user.jabatan.nama if user.jabatan else "",
            user.desa.nama if user.desa else "", user.phone or ""]


def export_table(what: str, f: queries.Filters, args: Mapping[str, str]) -> tuple[list[str], Iterable, dict]:
    """(header, rows, audit details) of an exportable table; the same figures as the pages and the API."""
    if what == "completion":
        group_by = queries.parse_group_by(args.get("group_by"))
        return completion_table(queries.completion_report(f, group_by))
    if what == "learners":
        header = ["full_name", "username", "kind", "jabatan", "desa", "phone", "enrolled", "started", "completed",
                  "avg_best_percent"]
        return header, _learner_cells(f), {}
    if what == "follow_up":
        kind = validate_list(args.get("list", "not_started"))
        header = ["full_name", "username", "kind", "jabatan", "desa", "phone", "course", "enrolled_at",
                  "last_activity"]
        return header, _follow_up_cells(f, kind, inactive_days(args.get("days"))), {"list": kind}
    if what == "map":
        pillars = [p for p in queries.PILLARS if not f.pillar or p == f.pillar]
        return ["kode", "desa", "kecamatan", *pillars], _map_cells(f), {}
    if what == "recap":
        header = ["kecamatan", "kode", "desa", "enrolled", "completed", "completion_percent", "pass_rate", "hours",
                  "not_done"]
        return header, _recap_cells(f), {}
    raise NotFound()


# The row generators below run their queries on first iteration, that is after the view has
# committed the audit event, so the rows they load are not expired under them.
def _learner_cells(f: queries.Filters):
    for r in queries.learner_rows(f):
        yield [*_user_cells(r["user"]), r["enrolled"], r["started"], r["completed"], r["avg_best_percent"]]


def _follow_up_cells(f: queries.Filters, kind: str, days: int):
    for r in queries.follow_up(f, kind=kind, inactive_days=days):
        yield [*_user_cells(r["user"]), r["course"].title, to_local(r["enrolled_at"]),
               to_local(r["last_activity"]) if r["last_activity"] else None]


def _map_cells(f: queries.Filters):
    data = queries.literacy_map(f)
    for kode, nama, kecamatan in data["desa"]:
        yield [kode, nama, kecamatan, *[data["cells"].get((kode, p)) for p in data["pillars"]]]


def _recap_cells(f: queries.Filters):
    for section in queries.recap(f):
        for r in section["rows"]:
            yield [section["kecamatan"], r["kode"], r["desa"], r["enrolled"], r["completed"], r["completion_percent"],
                   r["pass_rate"], r["hours"], ", ".join(r["not_done"])]


def completion_table(report: queries.Report) -> tuple[list[str], list, dict]:
    """Header, rows (plus a totals row) and audit details of a completion report."""
    rows = [[r.key, r.label, r.learners, r.enrolled, r.started, r.completed, r.completion_percent,
             r.avg_best_percent] for r in report.rows]
    t = report.totals
    rows.append(["", t.label, t.learners, t.enrolled, t.started, t.completed, t.completion_percent,
                 t.avg_best_percent])
    return TABLE_HEADER, rows, {"group_by": report.group_by}


def inactive_days(value) -> int:
    """The follow-up list's inactivity threshold: the setting (14 days) unless a valid number is given."""
    try:
        days = int(value) if value not in (None, "") else current_app.config["REPORT_INACTIVE_DAYS"]
    except (TypeError, ValueError):
        raise Invalid(_("Jumlah hari harus berupa angka."), field="days") from None
    if not 1 <= days <= 365:
        raise Invalid(_("Jumlah hari 1 sampai 365."), field="days")
    return days


def transcript(user_id: int) -> bytes:
    """A learner's transcript PDF: every enrolled course with progress, quiz results and certificate."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    entries = learner_dashboard(user)
    enrolled_at = dict(db.session.execute(sa.select(Enrollment.course_id, Enrollment.enrolled_at)
                                          .where(Enrollment.user_id == user.id)).all())
    codes = certificate_codes(user.id, [e.course.id for e in entries])
    quizzes = quizzes_of_courses([e.course.id for e in entries])  # one query, not one per course
    statuses = quiz_statuses(user, quizzes)
    items = []
    for e in entries:
        items.append({
            "course": e.course.title, "pillar": str(queries.PILLAR_LABELS[e.course.pillar]),
            "enrolled_at": format_date(to_local(enrolled_at[e.course.id]), "long"),
            "progress_percent": e.percent,
            "completed_at": format_date(to_local(e.completed_at), "long") if e.completed_at else None,
            "certificate_code": codes.get(e.course.id),
            "quizzes": [{"title": s.quiz.title, "best_percent": s.best_percent, "passed": s.passed}
                        for s in statuses.values() if s.quiz.course_id == e.course.id and not s.quiz.practice]})
    learner = {"full_name": user.full_name, "username": user.username,
               "jabatan": user.jabatan.nama if user.jabatan else "-", "desa": user.desa.nama if user.desa else "-",
               "kecamatan": user.desa.kecamatan.nama if user.desa else "-"}
    return pdf.transcript_pdf(learner=learner, entries=items,
                              generated_at=to_local(utcnow()).strftime("%d-%m-%Y %H:%M WITA"))


def validate_list(kind: str) -> str:
    if kind not in ("not_started", "inactive"):
        raise Invalid(_("Daftar tindak lanjut tidak dikenal."), field="list")
    return kind
