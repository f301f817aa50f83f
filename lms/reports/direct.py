"""The report figures computed straight from the base tables: the definition the rollup must equal.

These are the queries the reports ran before the rollup (lms/reports/rollup.py). They scan every
enrolment of the group, so the pages no longer call them; they stay as the reference that
``flask --app lms rebuild-report-rollup --check``, tests/reports/test_rollup.py and
``make bench-reports`` compare the rollup-based figures with.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.auth.models import KINDS, User
from lms.courses.models import Course, CourseCompletion
from lms.regions.models import Desa
from lms.reports import reader
from lms.reports.queries import (Filters, Report, Row, _avg, _group_labels, _recap_sections, _week_start,
                                 best_attempts, course_conditions, enrolment_facts, group_key, learner_conditions,
                                 learning_minutes)

_COLUMN = {"kecamatan": "kecamatan_kode", "desa": "desa_kode", "course": "course_id", "jabatan": "jabatan_kode",
           "pillar": "pillar"}


def completion_report(f: Filters, group_by: str) -> Report:
    """Learners, enrolled, started, completed, completion % and average best quiz % per group."""
    rs = reader.session()
    key = group_key(group_by)
    facts = enrolment_facts(f).subquery()
    fkey = facts.c[_COLUMN[group_by]]
    enrol = {k: (n, s, c, u) for k, n, s, c, u in rs.execute(
        sa.select(fkey, sa.func.count(), sa.func.sum(facts.c.started), sa.func.sum(facts.c.completed),
                  sa.func.count(sa.distinct(facts.c.user_id))).group_by(fkey))}
    enrol_total = rs.execute(sa.select(sa.func.count(), sa.func.sum(facts.c.started),
                                       sa.func.sum(facts.c.completed))).one()
    best = best_attempts(f).subquery()
    bkey = best.c[_COLUMN[group_by]]
    averages = dict(rs.execute(sa.select(bkey, sa.func.avg(best.c.best)).group_by(bkey)).all())
    average_total = rs.scalar(sa.select(sa.func.avg(best.c.best)))
    learners_stmt = (sa.select(User.id).outerjoin(Desa, Desa.kode == User.desa_kode)
                     .where(*learner_conditions(f)))
    learners_total = rs.scalar(sa.select(sa.func.count()).select_from(learners_stmt.subquery()))
    if group_by in ("kecamatan", "desa", "jabatan"):
        people = dict(rs.execute(
            sa.select(key, sa.func.count()).select_from(User).outerjoin(Desa, Desa.kode == User.desa_kode)
            .where(*learner_conditions(f)).group_by(key)).all())
    else:
        people = {k: v[3] for k, v in enrol.items()}
    labels = _group_labels(group_by, f)
    keys = list(labels) + [k for k in set(enrol) | set(people) | set(averages) if k not in labels]
    rows = []
    for k in keys:
        n, s, c, _u = enrol.get(k, (0, 0, 0, 0))
        rows.append(Row(k, labels.get(k) or _("(tanpa %(g)s)", g=group_by), people.get(k, 0), n, int(s or 0),
                        int(c or 0), _avg(averages.get(k))))
    totals = Row(None, _("Total"), learners_total, enrol_total[0], int(enrol_total[1] or 0), int(enrol_total[2] or 0),
                 _avg(average_total))
    return Report(group_by, f, rows, totals)


def learners_by_kind(f: Filters) -> dict[str, int]:
    counts = dict(reader.session().execute(
        sa.select(User.kind, sa.func.count()).select_from(User).outerjoin(Desa, Desa.kode == User.desa_kode)
        .where(*learner_conditions(f)).group_by(User.kind)).all())
    return {kind: counts.get(kind, 0) for kind in KINDS}


def literacy_cells(f: Filters) -> dict:
    """Average best quiz % per (desa, pillar)."""
    best = best_attempts(f).subquery()
    return {(d, p): _avg(v) for d, p, v in reader.session().execute(
        sa.select(best.c.desa_kode, best.c.pillar, sa.func.avg(best.c.best))
        .group_by(best.c.desa_kode, best.c.pillar)).all()}


def completions_per_week(f: Filters) -> list[tuple[str, int]]:
    week = _week_start(CourseCompletion.completed_at).label("week")
    start, end = f.range_utc()
    stmt = (sa.select(week, sa.func.count()).select_from(CourseCompletion)
            .join(User, User.id == CourseCompletion.user_id).join(Course, Course.id == CourseCompletion.course_id)
            .outerjoin(Desa, Desa.kode == User.desa_kode)
            .where(*learner_conditions(f), *course_conditions(f)).group_by(week).order_by(week))
    if start:
        stmt = stmt.where(CourseCompletion.completed_at >= start)
    if end:
        stmt = stmt.where(CourseCompletion.completed_at < end)
    return [(w, n) for w, n in reader.session().execute(stmt).all()]


def recap(f: Filters) -> list[dict]:
    best = best_attempts(f).subquery()
    pass_rates = {k: (int(p or 0), n) for k, p, n in reader.session().execute(
        sa.select(best.c.desa_kode, sa.func.sum(best.c.passed), sa.func.count()).group_by(best.c.desa_kode))}
    return _recap_sections(f, completion_report(f, "desa"), pass_rates, learning_minutes(f))



def differences(f: Filters) -> list[str]:
    """Where the rollup-based figures of ``f`` differ from these direct ones (empty: identical)."""
    from lms.reports import queries

    out = []
    for group_by in ("kecamatan", "desa", "course", "jabatan", "pillar"):
        got, want = queries.completion_report(f, group_by).as_dict(), completion_report(f, group_by).as_dict()
        if got != want:
            out.append(f"completion_report({group_by}): {got} != {want}")
    checks = (("learners_by_kind", queries.learners_by_kind(f), learners_by_kind(f)),
              ("literacy_map", queries.literacy_map(f)["cells"], literacy_cells(f)),
              ("completions_per_week", queries.completions_per_week(f), completions_per_week(f)),
              ("recap", queries.recap(f), recap(f)))
    out += [f"{name}: {got} != {want}" for name, got, want in checks if got != want]
    return out
