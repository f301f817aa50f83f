"""Report figures, computed in SQL with the definitions in docs/reports.md.

The web tables, the CSV/XLSX exports, the PDF recap and the API all call these functions;
each issues a fixed number of statements whatever the number of learners.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.auth.models import KINDS, User
from lms.courses.models import PILLARS, Course, CourseCompletion, Enrollment, Lesson, LessonProgress
from lms.errors import Invalid
from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz
from lms.regions.models import Desa, Jabatan, Kecamatan
from lms.timeutil import local_tz, utcnow

GROUPS = ("kecamatan", "desa", "course", "jabatan", "pillar")
PILLAR_LABELS = {"cakap": "Cakap Digital", "etika": "Etika Digital", "budaya": "Budaya Digital", "aman": "Aman Digital"}


@dataclass(frozen=True)
class Filters:
    course_id: int | None = None
    pillar: str | None = None
    kecamatan_kode: str | None = None
    desa_kode: str | None = None
    jabatan: str | None = None
    kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if v is not None}
        for key in ("date_from", "date_to"):
            if key in out:
                out["from" if key == "date_from" else "to"] = out.pop(key).isoformat()
        return out

    def range_utc(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC of the WITA calendar days ``date_from`` .. ``date_to``."""
        tz = local_tz()
        start = datetime.combine(self.date_from, time.min, tz) if self.date_from else None
        end = datetime.combine(self.date_to + timedelta(days=1), time.min, tz) if self.date_to else None
        return start, end


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Read report filters from request arguments; an unknown value is Invalid naming its parameter."""
    def text(name):
        value = args.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    values: dict = {}
    course_id = text("course_id")
    if course_id is not None:
        if not course_id.isdigit() or len(course_id) > 9 or db.session.get(Course, int(course_id)) is None:
            raise Invalid(_("Kursus tidak dikenal."), field="course_id")
        values["course_id"] = int(course_id)
    checks = (("pillar", lambda v: v in PILLARS), ("kind", lambda v: v in KINDS),
              ("kecamatan_kode", lambda v: db.session.get(Kecamatan, v) is not None),
              ("desa_kode", lambda v: db.session.get(Desa, v) is not None),
              ("jabatan", lambda v: db.session.get(Jabatan, v) is not None))
    for name, ok in checks:
        value = text(name)
        if value is not None:
            if len(value) > 40 or not ok(value):
                raise Invalid(_("Nilai tidak dikenal."), field=name)
            values[name] = value
    for param, key in (("from", "date_from"), ("to", "date_to")):
        value = text(param)
        if value is not None:
            try:
                values[key] = date.fromisoformat(value)
            except ValueError:
                raise Invalid(_("Tanggal harus berformat YYYY-MM-DD."), field=param) from None
    if values.get("date_from") and values.get("date_to") and values["date_from"] > values["date_to"]:
        raise Invalid(_("Tanggal awal setelah tanggal akhir."), field="from")
    return Filters(**values)


def parse_group_by(value: str | None) -> str:
    if value not in GROUPS:
        raise Invalid(_("group_by harus salah satu dari: %(g)s", g=", ".join(GROUPS)), field="group_by")
    return value


# ---------------------------------------------------------------------------- building blocks
def learner_conditions(f: Filters) -> list:
    where = [User.active.is_(True), User.role == "learner"]
    if f.kind:
        where.append(User.kind == f.kind)
    if f.jabatan:
        where.append(User.jabatan_kode == f.jabatan)
    if f.desa_kode:
        where.append(User.desa_kode == f.desa_kode)
    if f.kecamatan_kode:
        where.append(Desa.kecamatan_kode == f.kecamatan_kode)
    return where


def course_conditions(f: Filters) -> list:
    where = [Course.status != "draft"]
    if f.course_id:
        where.append(Course.id == f.course_id)
    if f.pillar:
        where.append(Course.pillar == f.pillar)
    return where


def group_key(group_by: str):
    return {"kecamatan": Desa.kecamatan_kode, "desa": User.desa_kode, "course": Course.id,
            "jabatan": User.jabatan_kode, "pillar": Course.pillar}[group_by]


def _completed_exists(f: Filters, user_col, course_col):
    start, end = f.range_utc()
    cond = [CourseCompletion.user_id == user_col, CourseCompletion.course_id == course_col]
    if start:
        cond.append(CourseCompletion.completed_at >= start)
    if end:
        cond.append(CourseCompletion.completed_at < end)
    return sa.select(CourseCompletion.id).where(*cond).exists()


def _started_exists(user_col, course_col):
    lesson = sa.select(LessonProgress.id).where(LessonProgress.user_id == user_col,
                                                LessonProgress.course_id == course_col).exists()
    attempt = (sa.select(Attempt.id).join(Quiz, Quiz.id == Attempt.quiz_id)
               .where(Attempt.user_id == user_col, Quiz.course_id == course_col, Attempt.status == "submitted")
               .exists())
    return sa.or_(lesson, attempt)


def enrolment_facts(f: Filters):
    """One row per enrolment in the group: user, course, region, jabatan, pillar, started, completed."""
    return (sa.select(Enrollment.user_id, Enrollment.course_id, User.desa_kode, Desa.kecamatan_kode,
                      User.jabatan_kode, Course.pillar,
                      sa.case((_started_exists(Enrollment.user_id, Enrollment.course_id), 1), else_=0).label("started"),
                      sa.case((_completed_exists(f, Enrollment.user_id, Enrollment.course_id), 1), else_=0)
                      .label("completed"))
            .join(User, User.id == Enrollment.user_id).join(Course, Course.id == Enrollment.course_id)
            .outerjoin(Desa, Desa.kode == User.desa_kode)
            .where(*learner_conditions(f), *course_conditions(f)))


def best_attempts(f: Filters):
    """Best submitted percent per learner–quiz pair (scored quizzes only), with the group columns."""
    best = (sa.select(Attempt.user_id, Attempt.quiz_id, sa.func.max(Attempt.percent).label("best"),
                      sa.func.max(sa.case((Attempt.passed.is_(True), 1), else_=0)).label("passed"))
            .where(Attempt.status == "submitted", Attempt.practice.is_(False))
            .group_by(Attempt.user_id, Attempt.quiz_id).subquery())
    return (sa.select(best.c.user_id, best.c.quiz_id, best.c.best, best.c.passed, User.desa_kode,
                      Desa.kecamatan_kode, User.jabatan_kode, Course.id.label("course_id"), Course.pillar)
            .join(User, User.id == best.c.user_id).join(Quiz, Quiz.id == best.c.quiz_id)
            .join(Course, Course.id == Quiz.course_id).outerjoin(Desa, Desa.kode == User.desa_kode)
            .where(*learner_conditions(f), *course_conditions(f)))


# ---------------------------------------------------------------------------- the completion report
@dataclass
class Row:
    key: str | int | None
    label: str
    learners: int = 0
    enrolled: int = 0
    started: int = 0
    completed: int = 0
    avg_best_percent: float | None = None

    @property
    def completion_percent(self) -> float:
        return round(self.completed * 100.0 / self.enrolled, 1) if self.enrolled else 0.0

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "learners": self.learners, "enrolled": self.enrolled,
                "started": self.started, "completed": self.completed,
                "completion_percent": self.completion_percent, "avg_best_percent": self.avg_best_percent}


@dataclass
class Report:
    group_by: str
    filters: Filters
    rows: list[Row]
    totals: Row = field(default_factory=lambda: Row(None, ""))

    def as_dict(self) -> dict:
        return {"group_by": self.group_by, "filters": self.filters.as_dict(),
                "rows": [r.as_dict() for r in self.rows], "totals": {k: v for k, v in self.totals.as_dict().items()
                                                                       if k not in ("key", "label")}}


def _avg(value) -> float | None:
    return round(float(value), 1) if value is not None else None


def _group_labels(group_by: str, f: Filters) -> dict:
    """Every possible key of the grouping (so groups with nobody still show), with its label."""
    if group_by == "kecamatan":
        stmt = sa.select(Kecamatan.kode, Kecamatan.nama).order_by(Kecamatan.nama)
        if f.kecamatan_kode or f.desa_kode:
            stmt = stmt.where(Kecamatan.kode == (f.kecamatan_kode or f.desa_kode[:8]))
    elif group_by == "desa":
        stmt = sa.select(Desa.kode, Desa.nama).order_by(Desa.kecamatan_kode, Desa.nama)
        if f.kecamatan_kode:
            stmt = stmt.where(Desa.kecamatan_kode == f.kecamatan_kode)
        if f.desa_kode:
            stmt = stmt.where(Desa.kode == f.desa_kode)
    elif group_by == "jabatan":
        stmt = sa.select(Jabatan.kode, Jabatan.nama).order_by(Jabatan.nama)
        if f.jabatan:
            stmt = stmt.where(Jabatan.kode == f.jabatan)
    elif group_by == "course":
        stmt = sa.select(Course.id, Course.title).where(*course_conditions(f)).order_by(Course.title)
    else:
        return {p: PILLAR_LABELS[p] for p in PILLARS if not f.pillar or p == f.pillar}
    return dict(db.session.execute(stmt).all())


def completion_report(f: Filters, group_by: str) -> Report:
    """Learners, enrolled, started, completed, completion % and average best quiz % per group."""
    key = group_key(group_by)
    facts = enrolment_facts(f).subquery()
    fkey = {"kecamatan": facts.c.kecamatan_kode, "desa": facts.c.desa_kode, "course": facts.c.course_id,
            "jabatan": facts.c.jabatan_kode, "pillar": facts.c.pillar}[group_by]
    enrol = {k: (n, s, c, u) for k, n, s, c, u in db.session.execute(
        sa.select(fkey, sa.func.count(), sa.func.sum(facts.c.started), sa.func.sum(facts.c.completed),
                  sa.func.count(sa.distinct(facts.c.user_id))).group_by(fkey))}
    enrol_total = db.session.execute(sa.select(sa.func.count(), sa.func.sum(facts.c.started),
                                               sa.func.sum(facts.c.completed))).one()
    best = best_attempts(f).subquery()
    bkey = getattr(best.c, {"kecamatan": "kecamatan_kode", "desa": "desa_kode", "course": "course_id",
                            "jabatan": "jabatan_kode", "pillar": "pillar"}[group_by])
    averages = dict(db.session.execute(sa.select(bkey, sa.func.avg(best.c.best)).group_by(bkey)).all())
    average_total = db.session.scalar(sa.select(sa.func.avg(best.c.best)))
    learners_stmt = (sa.select(User.id).outerjoin(Desa, Desa.kode == User.desa_kode)
                     .where(*learner_conditions(f)))
    learners_total = db.session.scalar(sa.select(sa.func.count()).select_from(learners_stmt.subquery()))
    if group_by in ("kecamatan", "desa", "jabatan"):
        people = dict(db.session.execute(
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
    """Active learners in the group per kind (perangkat, warga)."""
    counts = dict(db.session.execute(sa.select(User.kind, sa.func.count()).select_from(User)
                                     .outerjoin(Desa, Desa.kode == User.desa_kode)
                                     .where(*learner_conditions(f)).group_by(User.kind)).all())
    return {kind: counts.get(kind, 0) for kind in KINDS}


# ---------------------------------------------------------------------------- learners behind a row
def learner_rows(f: Filters, *, limit: int | None = None) -> list[dict]:
    """Each learner in the group with their enrolled/started/completed counts and average best %."""
    facts = enrolment_facts(f).subquery()
    per_user = (sa.select(facts.c.user_id, sa.func.count().label("enrolled"),
                          sa.func.sum(facts.c.started).label("started"),
                          sa.func.sum(facts.c.completed).label("completed"))
                .group_by(facts.c.user_id).subquery())
    best = best_attempts(f).subquery()
    averages = (sa.select(best.c.user_id, sa.func.avg(best.c.best).label("avg_best"))
                .group_by(best.c.user_id).subquery())
    stmt = (sa.select(User, per_user.c.enrolled, per_user.c.started, per_user.c.completed, averages.c.avg_best)
            .outerjoin(Desa, Desa.kode == User.desa_kode)
            .outerjoin(per_user, per_user.c.user_id == User.id).outerjoin(averages, averages.c.user_id == User.id)
            .where(*learner_conditions(f)).order_by(User.full_name, User.id))
    if f.course_id or f.pillar:
        stmt = stmt.where(per_user.c.enrolled.is_not(None))  # only those enrolled in the chosen courses
    if limit:
        stmt = stmt.limit(limit)
    return [{"user": user, "enrolled": enrolled or 0, "started": int(started or 0), "completed": int(completed or 0),
             "avg_best_percent": _avg(avg_best)}
            for user, enrolled, started, completed, avg_best in db.session.execute(stmt).all()]


# ---------------------------------------------------------------------------- follow-up lists
def _last_activity():
    """Latest lesson completion or attempt per (user, course)."""
    lessons = sa.select(LessonProgress.user_id.label("user_id"), LessonProgress.course_id.label("course_id"),
                        LessonProgress.completed_at.label("at"))
    attempts = (sa.select(Attempt.user_id, Quiz.course_id, sa.func.coalesce(Attempt.submitted_at, Attempt.started_at))
                .join(Quiz, Quiz.id == Attempt.quiz_id))
    both = sa.union_all(lessons, attempts).subquery()
    return (sa.select(both.c.user_id, both.c.course_id, sa.func.max(both.c.at).label("last"))
            .group_by(both.c.user_id, both.c.course_id).subquery())


def follow_up(f: Filters, *, kind: str, inactive_days: int = 14, now: datetime | None = None) -> list[dict]:
    """``not_started``: enrolled with no completed lesson or submitted attempt;
    ``inactive``: started, not complete, and no activity for ``inactive_days`` days."""
    last = _last_activity()
    stmt = (sa.select(User, Course, Enrollment.enrolled_at, Enrollment.due_at, last.c.last)
            .select_from(Enrollment).join(User, User.id == Enrollment.user_id)
            .join(Course, Course.id == Enrollment.course_id).outerjoin(Desa, Desa.kode == User.desa_kode)
            .outerjoin(last, sa.and_(last.c.user_id == Enrollment.user_id, last.c.course_id == Enrollment.course_id))
            .where(*learner_conditions(f), *course_conditions(f),
                   ~_completed_exists(Filters(), Enrollment.user_id, Enrollment.course_id))
            .order_by(Desa.kecamatan_kode, User.desa_kode, User.full_name, Course.title))
    if kind == "not_started":
        stmt = stmt.where(~_started_exists(Enrollment.user_id, Enrollment.course_id))
    elif kind == "inactive":
        cutoff = (now or utcnow()) - timedelta(days=inactive_days)
        stmt = stmt.where(_started_exists(Enrollment.user_id, Enrollment.course_id), last.c.last < cutoff)
    else:
        raise Invalid(_("Daftar tindak lanjut tidak dikenal."), field="list")
    return [{"user": user, "course": course, "enrolled_at": enrolled_at, "due_at": due_at, "last_activity": last_at}
            for user, course, enrolled_at, due_at, last_at in db.session.execute(stmt).all()]


# ---------------------------------------------------------------------------- the literacy map
def literacy_map(f: Filters) -> dict:
    """Average best quiz % per desa × pillar: ``{"desa": [(kode, nama, kecamatan)], "cells": {(kode, pillar): %}}``."""
    best = best_attempts(f).subquery()
    cells = {(d, p): _avg(v) for d, p, v in db.session.execute(
        sa.select(best.c.desa_kode, best.c.pillar, sa.func.avg(best.c.best))
        .group_by(best.c.desa_kode, best.c.pillar)).all()}
    stmt = (sa.select(Desa.kode, Desa.nama, Kecamatan.nama).join(Kecamatan, Kecamatan.kode == Desa.kecamatan_kode)
            .order_by(Kecamatan.nama, Desa.nama))
    if f.kecamatan_kode:
        stmt = stmt.where(Desa.kecamatan_kode == f.kecamatan_kode)
    if f.desa_kode:
        stmt = stmt.where(Desa.kode == f.desa_kode)
    pillars = [p for p in PILLARS if not f.pillar or p == f.pillar]
    return {"desa": db.session.execute(stmt).all(), "pillars": pillars, "cells": cells}


# ---------------------------------------------------------------------------- trend
def _week_start(column):
    """The Monday (WITA) of a stored UTC time, as text ``YYYY-MM-DD``, per database."""
    tz = str(local_tz())
    if db.session.get_bind().dialect.name == "postgresql":
        local = sa.func.timezone(tz, column)
        return sa.func.to_char(sa.func.date_trunc("week", local), "YYYY-MM-DD")
    hours = int(datetime.now(local_tz()).utcoffset().total_seconds() // 3600)
    local = sa.func.datetime(column, f"{hours:+d} hours")
    return sa.func.date(local, "weekday 0", "-6 days")


def completions_per_week(f: Filters) -> list[tuple[str, int]]:
    """Course completions of the group per week (Monday, WITA), oldest first."""
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
    return [(w, n) for w, n in db.session.execute(stmt).all()]


# ---------------------------------------------------------------------------- the official recap
def recap(f: Filters) -> list[dict]:
    """Per kecamatan and desa: enrolled, completed, %, pass rate, learning hours and who is not done."""
    report = completion_report(f, "desa")
    best = best_attempts(f).subquery()
    pass_rates = {k: (int(p or 0), n) for k, p, n in db.session.execute(
        sa.select(best.c.desa_kode, sa.func.sum(best.c.passed), sa.func.count()).group_by(best.c.desa_kode))}
    start, end = f.range_utc()
    hours_stmt = (sa.select(User.desa_kode, sa.func.sum(Lesson.minutes)).select_from(LessonProgress)
                  .join(Lesson, Lesson.id == LessonProgress.lesson_id).join(User, User.id == LessonProgress.user_id)
                  .join(Course, Course.id == LessonProgress.course_id).outerjoin(Desa, Desa.kode == User.desa_kode)
                  .where(*learner_conditions(f), *course_conditions(f)).group_by(User.desa_kode))
    if start:
        hours_stmt = hours_stmt.where(LessonProgress.completed_at >= start)
    if end:
        hours_stmt = hours_stmt.where(LessonProgress.completed_at < end)
    minutes = dict(db.session.execute(hours_stmt).all())
    facts = enrolment_facts(f).subquery()
    not_done: dict = {}
    for desa_kode, name in db.session.execute(
            sa.select(facts.c.desa_kode, User.full_name).join(User, User.id == facts.c.user_id)
            .where(facts.c.completed == 0).distinct().order_by(facts.c.desa_kode, User.full_name)):
        not_done.setdefault(desa_kode, []).append(name)
    desa_info = dict(db.session.execute(sa.select(Desa.kode, Kecamatan.nama)
                                        .join(Kecamatan, Kecamatan.kode == Desa.kecamatan_kode)).all())
    sections: dict = {}
    for row in report.rows:
        passed, pairs = pass_rates.get(row.key, (0, 0))
        sections.setdefault(desa_info.get(row.key, "-"), []).append({
            "kode": row.key, "desa": row.label, "enrolled": row.enrolled, "completed": row.completed,
            "completion_percent": row.completion_percent,
            "pass_rate": round(passed * 100.0 / pairs, 1) if pairs else None,
            "hours": round((minutes.get(row.key) or 0) / 60.0, 1), "not_done": not_done.get(row.key, [])})
    out = []
    for kecamatan, items in sections.items():
        enrolled, completed = sum(i["enrolled"] for i in items), sum(i["completed"] for i in items)
        passed = sum(pass_rates.get(i["kode"], (0, 0))[0] for i in items)
        pairs = sum(pass_rates.get(i["kode"], (0, 0))[1] for i in items)
        out.append({"kecamatan": kecamatan, "rows": items, "totals": {
            "enrolled": enrolled, "completed": completed,
            "completion_percent": round(completed * 100.0 / enrolled, 1) if enrolled else 0.0,
            "pass_rate": round(passed * 100.0 / pairs, 1) if pairs else None,
            "hours": round(sum(i["hours"] for i in items), 1)}})
    return out
