"""Kominfo report pages and exports: reviewers and admins; a village operator sees their own
village only (another village's desa or kecamatan gives 403); a learner only their own transcript."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, request, stream_with_context, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.audit import record
from lms.auth.models import User
from lms.auth.decorators import roles_required
from lms.extensions import db
from lms.reports import charts, exports, pdf, queries, reader, services
from lms.timeutil import to_local, utcnow

bp = Blueprint("reports", __name__, url_prefix="/reports")
reviewer_required = roles_required("reviewer", "admin", "operator")  # operators: their own village only
# Report reads may go to a replica (REPORTS_DATABASE_URL): close its session with the app context.
bp.record_once(lambda state: state.app.teardown_appcontext(reader.close))


def _filters():
    return services.scoped_filters(current_user, request.args)


@bp.get("/")
@reviewer_required
def dashboard():
    """Reviewers and admins: regency totals, tables per kecamatan, course, jabatan and pillar, charts."""
    f = _filters()
    data = services.dashboard(f)
    trend = charts.line_chart_svg([(w, n) for w, n in data["trend"]], title=_("Penyelesaian kursus per minggu"),
                                  y_label=_("kursus selesai"))
    bars = charts.bar_chart_svg([(r.label, r.completion_percent) for r in data["kecamatan"].rows],
                                title=_("Persentase selesai per kecamatan"), max_value=100)
    return render_template("reports/dashboard.html", f=f, data=data, trend_svg=trend, bar_svg=bars,
                           options=services.filter_options(), args=request.args)


@bp.get("/table")
@reviewer_required
def table():
    """Reviewers and admins: one grouping (drill-down from kecamatan to desa)."""
    f = _filters()
    group_by = queries.parse_group_by(request.args.get("group_by"))
    return render_template("reports/table.html", f=f, report=queries.completion_report(f, group_by),
                           options=services.filter_options(), args=request.args)


@bp.get("/learners")
@reviewer_required
def learners():
    """Reviewers and admins: the learners behind a row."""
    f = _filters()
    return render_template("reports/learners.html", f=f, rows=queries.learner_rows(f),
                           options=services.filter_options(), args=request.args)


@bp.get("/map")
@reviewer_required
def literacy_map():
    """Reviewers and admins: desa/kelurahan × pillar heat table of the average best quiz percent."""
    f = _filters()
    return render_template("reports/map.html", f=f, data=queries.literacy_map(f), options=services.filter_options(),
                           args=request.args)


@bp.get("/follow-up")
@reviewer_required
def follow_up():
    """Reviewers and admins: enrolled but not started, or started but inactive, with WhatsApp links."""
    f = _filters()
    kind = services.validate_list(request.args.get("list", "not_started"))
    days = services.inactive_days(request.args.get("days"))
    rows = queries.follow_up(f, kind=kind, inactive_days=days)
    for row in rows:
        row["whatsapp"] = services.whatsapp_link(row["user"], row["course"], kind)
    return render_template("reports/follow_up.html", f=f, rows=rows, kind=kind, days=days,
                           options=services.filter_options(), args=request.args)


@bp.get("/recap")
@reviewer_required
def recap():
    """Reviewers and admins: the official recap for a period, to download as XLSX or PDF."""
    f = _filters()
    return render_template("reports/recap.html", f=f, sections=queries.recap(f), options=services.filter_options(),
                           args=request.args)


@bp.get("/print")
@reviewer_required
def printable():
    """Reviewers and admins: a printable page of one grouping."""
    f = _filters()
    group_by = queries.parse_group_by(request.args.get("group_by", "kecamatan"))
    return render_template("reports/print.html", f=f, report=queries.completion_report(f, group_by),
                           generated_at=to_local(utcnow()))


# ---------------------------------------------------------------------------- exports
def _download(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    return response


def _audit_export(what: str, fmt: str, f, **extra) -> None:
    record(current_user.id, "report.export", target=f"report:{what}",
           details={"format": fmt, "filters": f.as_dict(), **extra})
    db.session.commit()


@bp.get("/export/<what>.<fmt>")
@reviewer_required
def export(what: str, fmt: str):
    """Reviewers and admins: any report table as CSV (UTF-8 with BOM) or XLSX; every export is audited."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    f = _filters()
    header, rows, extra = services.export_table(what, f, request.args)
    _audit_export(what, fmt, f, **extra)
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    filename = f"cakap-desa-{what}-{stamp}.{fmt}"
    if fmt == "csv":
        return _download(stream_with_context(exports.csv_stream(header, rows)), "text/csv; charset=utf-8", filename)
    spooled = exports.xlsx_file(what, header, rows)
    return _download(_chunks(spooled), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename)


def _chunks(fileobj, size: int = 64 * 1024):
    try:
        while chunk := fileobj.read(size):
            yield chunk
    finally:
        fileobj.close()


@bp.get("/recap.pdf")
@reviewer_required
def recap_pdf():
    """Reviewers and admins: the official recap as a PDF with letterhead and signature block."""
    f = _filters()
    cfg = current_app.config
    sections = queries.recap(f)
    body = pdf.recap_pdf(
        letterhead=[line for line in cfg["REPORT_LETTERHEAD"].split("|") if line.strip()],
        title=_("REKAPITULASI PELATIHAN LITERASI DIGITAL DESA DIGITAL"), period=services.period_text(f),
        sections=sections, generated_at=to_local(utcnow()).strftime("%d-%m-%Y %H:%M WITA"),
        signature={"place_date": f"{cfg['REPORT_PLACE']}, {format_date(to_local(utcnow()), 'long')}",
                   "position": cfg["REPORT_SIGNATORY_POSITION"], "name": cfg["REPORT_SIGNATORY_NAME"],
                   "nip": cfg["REPORT_SIGNATORY_NIP"]})
    _audit_export("recap", "pdf", f)
    return _download(body, "application/pdf", f"rekap-kominfo-{to_local(utcnow()):%Y%m%d}.pdf")


@bp.get("/learners/<int:user_id>/transcript.pdf")
@login_required
def transcript(user_id: int):
    """The learner themself, reviewers, admins and their village's operator: a transcript as PDF."""
    learner = db.session.get(User, user_id)
    if learner is None or not services.can_see_learner(current_user, learner):
        abort(404)
    body = services.transcript(user_id)
    if current_user.id != user_id:
        record(current_user.id, "report.export", target=f"user:{user_id}", details={"format": "pdf",
                                                                                   "report": "transcript"})
        db.session.commit()
    return _download(body, "application/pdf", f"transkrip-{user_id}.pdf")


@bp.get("/me/transcript.pdf")
@login_required
def my_transcript():
    """Signed-in users: their own transcript."""
    return transcript(current_user.id)
