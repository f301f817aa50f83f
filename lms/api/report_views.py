"""API v1 report routes (same blueprint as lms.api.views): reviewers, admins, and village
operators for their own village."""
from __future__ import annotations

from flask import Response, g, jsonify, request, stream_with_context

from lms.api.common import token_required
from lms.api.views import bp
from lms.audit import record
from lms.extensions import db
from lms.reports import exports, queries
from lms.reports import services as report_services


@bp.get("/reports/completion")
@token_required("reviewer", "admin", "operator")
def completion_report():
    """Reviewers and admins; operators for their own village: completion figures by group."""
    group_by = queries.parse_group_by(request.args.get("group_by"))
    f = report_services.scoped_filters(g.api_user, request.args)
    report = queries.completion_report(f, group_by)
    if request.args.get("format") == "csv":
        header, rows, details = report_services.completion_table(report)
        record(g.api_user.id, "report.export", target="report:completion",
               details={"format": "csv", "filters": f.as_dict(), **details, "via": "api"})
        db.session.commit()
        return Response(stream_with_context(exports.csv_stream(header, rows)), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="completion.csv"'})
    return jsonify(report.as_dict())


@bp.get("/reports/learners")
@token_required("reviewer", "admin", "operator")
def report_learners():
    """Reviewers and admins; operators for their own village: the learners behind a report row."""
    f = report_services.scoped_filters(g.api_user, request.args)
    return jsonify({"filters": f.as_dict(), "learners": [
        {"id": r["user"].id, "username": r["user"].username, "full_name": r["user"].full_name,
         "kind": r["user"].kind, "jabatan": r["user"].jabatan_kode,
         "desa": r["user"].desa.as_dict() if r["user"].desa else None,
         "enrolled": r["enrolled"], "started": r["started"], "completed": r["completed"],
         "avg_best_percent": r["avg_best_percent"]} for r in queries.learner_rows(f)]})
