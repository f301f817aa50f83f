"""Report figures, computed in SQL with the definitions in docs/reports.md.

The web tables, the CSV/XLSX exports, the PDF recap and the API all call these functions;
each issues a fixed number of statements whatever the number of learners. The aggregates
(completion report, learners per kind, literacy map, weekly trend, recap figures) read the
rollup tables of lms/reports/rollup.py, whose size does not grow with the number of learners;
the lists of people (learners behind a row, follow-up lists, who is not done) read the base
tables. lms/reports/direct.py keeps the same aggregates computed from the base tables, as the
reference the rollup is checked against. Reads go through ``reader.session()``: the primary,
or a replica with REPORTS_DATABASE_URL.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.auth.models import KINDS, User
from lms.courses.models import PILLARS, Course, CourseCompletion, Enrollment, Lesson, LessonProgress
from lms.errors import Invalid
from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz
from lms.regions.models import Desa, Jabatan, Kecamatan
from lms.reports import reader
from lms.reports.models import NONE, CourseRollup, DayRollup, PeopleRollup, WeekRollup
from lms.reports.rollup import PILLAR_BITS
from lms.timeutil import local_tz, utcnow

GROUPS = ("kecamatan", "desa", "course", "jabatan", "pillar")
# Kominfo's names of the pillars, in the reader's language (str() them where they are used)
PILLAR_LABELS = {"cakap": _l("Cakap Digital"), "etika": _l("Etika Digital"), "budaya": _l("Budaya Digital"),
                 "aman": _l("Aman Digital")}


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
        return {p: str(PILLAR_LABELS[p]) for p in PILLARS if not f.pillar or p == f.pillar}
    return dict(reader.session().execute(stmt).all())


def _key(value):
    """Rollup keys use '' for "no desa/jabatan"; the reports say None."""
    return None if value == NONE else value


def _columns(source):
    """The columns of a rollup model or of a subquery over rollups."""
    return source.__table__.c if hasattr(source, "__table__") else source.c


def _cell_conditions(f: Filters, source) -> list:
    """The learner filters on a rollup's desa/jabatan/kind columns (kecamatan through Desa)."""
    c, where = _columns(source), []
    if f.kind:
        where.append(c.kind == f.kind)
    if f.jabatan:
        where.append(c.jabatan_kode == f.jabatan)
    if f.desa_kode:
        where.append(c.desa_kode == f.desa_kode)
    if f.kecamatan_kode:
        where.append(Desa.kecamatan_kode == f.kecamatan_kode)
    return where


def _cell_key(group_by: str, source):
    c = _columns(source)
    return {"kecamatan": Desa.kecamatan_kode, "desa": c.desa_kode, "jabatan": c.jabatan_kode,
            "course": Course.id, "pillar": Course.pillar}[group_by]


def _cells(source, f: Filters, *columns):
    """SELECT columns FROM a per-course rollup, joined to its course and desa, with every filter."""
    c = _columns(source)
    return (sa.select(*columns).select_from(source).join(Course, Course.id == c.course_id)
            .outerjoin(Desa, Desa.kode == c.desa_kode)
            .where(*course_conditions(f), *_cell_conditions(f, source)))


def _people(f: Filters, *columns):
    return (sa.select(*columns).select_from(PeopleRollup).outerjoin(Desa, Desa.kode == PeopleRollup.desa_kode)
            .where(*_cell_conditions(f, PeopleRollup)))


def _mean_tenths(tenths, pairs) -> float | None:
    """The mean best percent from the rollup's exact sum of tenths, rounded to one decimal."""
    return round(int(tenths) / (10 * int(pairs)), 1) if pairs else None


def _week_text(column):
    """A date as text ``YYYY-MM-DD`` (the week keys of the trend)."""
    if reader.session().get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD")
    return sa.func.date(column)


def _week_of_day(column):
    """The Monday of a local calendar day, as text ``YYYY-MM-DD``."""
    if reader.session().get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.date_trunc("week", sa.cast(column, sa.DateTime)), "YYYY-MM-DD")
    return sa.func.date(column, "weekday 0", "-6 days")


def _completions(f: Filters):
    """Completions per week × course × desa × jabatan × kind inside the date range, as a subquery.

    Whole weeks inside the range come from the weekly rollup; the days before the first whole
    week and after the last one (at most six at each end) from the daily rollup. So the rows read
    grow with the number of weeks of the range, and a long programme stays cheap.
    """
    first, last = f.date_from, f.date_to
    full_from = first + timedelta(days=(7 - first.weekday()) % 7) if first else None  # first Monday
    full_to = last - timedelta(days=(last.weekday() + 1) % 7) if last else None  # last Sunday
    W, D = WeekRollup.__table__.c, DayRollup.__table__.c
    weeks = sa.select(_week_text(W.week).label("week"), W.course_id, W.desa_kode, W.jabatan_kode, W.kind,
                      W.completions, W.completions_enrolled)
    if full_from and full_to and full_from > full_to:  # no whole week: every day from the daily rollup
        weeks = weeks.where(sa.false())
    if full_from:
        weeks = weeks.where(W.week >= full_from)
    if full_to:
        weeks = weeks.where(W.week <= full_to - timedelta(days=6))
    edges = []
    if full_from and full_to and full_from > full_to:
        edges.append(sa.and_(D.day >= first, D.day <= last))
    else:
        if first and full_from > first:
            edges.append(sa.and_(D.day >= first, D.day < full_from))
        if last and full_to < last:
            edges.append(sa.and_(D.day > full_to, D.day <= last))
    parts = [weeks]
    if edges:
        parts.append(sa.select(_week_of_day(D.day).label("week"), D.course_id, D.desa_kode, D.jabatan_kode, D.kind,
                               D.completions, D.completions_enrolled).where(sa.or_(*edges)))
    return sa.union_all(*parts).subquery("completions") if len(parts) > 1 else parts[0].subquery("completions")


def completion_report(f: Filters, group_by: str) -> Report:
    """Learners, enrolled, started, completed, completion % and average best quiz % per group."""
    rs = reader.session()
    R, key = CourseRollup, _cell_key(group_by, CourseRollup)
    sums = [(_key(k), [int(v or 0) for v in values]) for k, *values in rs.execute(
        _cells(R, f, key, sa.func.sum(R.enrolled), sa.func.sum(R.started), sa.func.sum(R.completed),
               sa.func.sum(R.best_tenths), sa.func.sum(R.best_pairs)).group_by(key))]
    enrol = {k: v[:3] for k, v in sums if v[0]}
    if f.date_from or f.date_to:  # completions inside the range only
        done = _completions(f)
        dkey = _cell_key(group_by, done)
        in_range = {_key(k): int(n or 0) for k, n in rs.execute(
            _cells(done, f, dkey, sa.func.sum(done.c.completions_enrolled)).group_by(dkey))}
        enrol = {k: (n, s, in_range.get(k, 0)) for k, (n, s, _c) in enrol.items()}
    averages = {k: _mean_tenths(v[3], v[4]) for k, v in sums if v[4]}
    total_tenths, total_pairs = sum(v[3] for _k, v in sums), sum(v[4] for _k, v in sums)
    if group_by in ("kecamatan", "desa", "jabatan"):
        pkey = _cell_key(group_by, PeopleRollup)
        people = {_key(k): int(n) for k, n in rs.execute(
            _people(f, pkey, sa.func.sum(PeopleRollup.learners)).group_by(pkey)) if n}
        learners_total = sum(people.values())
    else:
        mask = [sa.func.sum(sa.case((PeopleRollup.pillars.op("&")(bit) != 0, PeopleRollup.learners), else_=0))
                for bit in PILLAR_BITS.values()]
        total, *per_pillar = rs.execute(_people(f, sa.func.sum(PeopleRollup.learners), *mask)).one()
        learners_total = int(total or 0)
        if group_by == "course" or f.course_id:  # one enrolment per learner and course
            people = {k: v[0] for k, v in enrol.items()}
        else:  # learners enrolled in at least one (non-draft) course of the pillar
            people = {p: int(n) for p, n in zip(PILLAR_BITS, per_pillar) if n and (not f.pillar or p == f.pillar)}
    labels = _group_labels(group_by, f)
    keys = list(labels) + [k for k in set(enrol) | set(people) | set(averages) if k not in labels]
    rows = []
    for k in keys:
        n, s, c = enrol.get(k, (0, 0, 0))
        rows.append(Row(k, labels.get(k) or _("(tanpa %(g)s)", g=group_by), people.get(k, 0), n, s, c,
                        averages.get(k)))
    totals = Row(None, _("Total"), learners_total, *(sum(v[i] for v in enrol.values()) for i in range(3)),
                 _mean_tenths(total_tenths, total_pairs))
    return Report(group_by, f, rows, totals)


def learners_by_kind(f: Filters) -> dict[str, int]:
    """Active learners in the group per kind (perangkat, warga)."""
    counts = {k: int(n or 0) for k, n in reader.session().execute(
        _people(f, PeopleRollup.kind, sa.func.sum(PeopleRollup.learners)).group_by(PeopleRollup.kind))}
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
            for user, enrolled, started, completed, avg_best in reader.session().execute(stmt).all()]


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
            for user, course, enrolled_at, due_at, last_at in reader.session().execute(stmt).all()]


# ---------------------------------------------------------------------------- the literacy map
def literacy_map(f: Filters) -> dict:
    """Average best quiz % per desa × pillar: ``{"desa": [(kode, nama, kecamatan)], "cells": {(kode, pillar): %}}``."""
    rs, R = reader.session(), CourseRollup
    cells = {(_key(d), p): _mean_tenths(t, n) for d, p, t, n in rs.execute(
        _cells(R, f, R.desa_kode, Course.pillar, sa.func.sum(R.best_tenths), sa.func.sum(R.best_pairs))
        .group_by(R.desa_kode, Course.pillar)) if n}
    stmt = (sa.select(Desa.kode, Desa.nama, Kecamatan.nama).join(Kecamatan, Kecamatan.kode == Desa.kecamatan_kode)
            .order_by(Kecamatan.nama, Desa.nama))
    if f.kecamatan_kode:
        stmt = stmt.where(Desa.kecamatan_kode == f.kecamatan_kode)
    if f.desa_kode:
        stmt = stmt.where(Desa.kode == f.desa_kode)
    pillars = [p for p in PILLARS if not f.pillar or p == f.pillar]
    return {"desa": rs.execute(stmt).all(), "pillars": pillars, "cells": cells}


# ---------------------------------------------------------------------------- trend
def _week_start(column):
    """The Monday (WITA) of a stored UTC time, as text ``YYYY-MM-DD``, per database."""
    tz = str(local_tz())
    if reader.session().get_bind().dialect.name == "postgresql":
        local = sa.func.timezone(tz, column)
        return sa.func.to_char(sa.func.date_trunc("week", local), "YYYY-MM-DD")
    hours = int(datetime.now(local_tz()).utcoffset().total_seconds() // 3600)
    local = sa.func.datetime(column, f"{hours:+d} hours")
    return sa.func.date(local, "weekday 0", "-6 days")


def completions_per_week(f: Filters) -> list[tuple[str, int]]:
    """Course completions of the group per week (Monday, WITA), oldest first."""
    done = _completions(f)
    total = sa.func.sum(done.c.completions)
    stmt = _cells(done, f, done.c.week, total).group_by(done.c.week).having(total > 0).order_by(done.c.week)
    return [(w, int(n)) for w, n in reader.session().execute(stmt).all()]


# ---------------------------------------------------------------------------- the official recap
def recap(f: Filters) -> list[dict]:
    """Per kecamatan and desa: enrolled, completed, %, pass rate, learning hours and who is not done."""
    rs, R = reader.session(), CourseRollup
    figures = {_key(k): (int(p or 0), int(n or 0), int(m or 0)) for k, p, n, m in rs.execute(
        _cells(R, f, R.desa_kode, sa.func.sum(R.passed_pairs), sa.func.sum(R.best_pairs), sa.func.sum(R.minutes))
        .group_by(R.desa_kode))}
    pass_rates = {k: (p, n) for k, (p, n, _m) in figures.items() if n}
    if f.date_from or f.date_to:  # lessons completed inside the range: the rollup keeps no day per lesson
        minutes = learning_minutes(f)
    else:
        minutes = {k: m for k, (_p, _n, m) in figures.items()}
    return _recap_sections(f, completion_report(f, "desa"), pass_rates, minutes)


def learning_minutes(f: Filters) -> dict:
    """Estimated minutes of the lessons completed (inside the date range when given) per desa, from the base tables."""
    start, end = f.range_utc()
    stmt = (sa.select(User.desa_kode, sa.func.sum(Lesson.minutes)).select_from(LessonProgress)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id).join(User, User.id == LessonProgress.user_id)
            .join(Course, Course.id == LessonProgress.course_id).outerjoin(Desa, Desa.kode == User.desa_kode)
            .where(*learner_conditions(f), *course_conditions(f)).group_by(User.desa_kode))
    if start:
        stmt = stmt.where(LessonProgress.completed_at >= start)
    if end:
        stmt = stmt.where(LessonProgress.completed_at < end)
    return {k: int(v or 0) for k, v in reader.session().execute(stmt).all()}


def _recap_sections(f: Filters, report: Report, pass_rates: dict, minutes: dict) -> list[dict]:
    """Assemble the recap from the desa report, pass rates (passed, pairs) and minutes per desa."""
    rs = reader.session()
    facts = enrolment_facts(f).subquery()
    not_done: dict = {}
    for desa_kode, name in rs.execute(
            sa.select(facts.c.desa_kode, User.full_name).join(User, User.id == facts.c.user_id)
            .where(facts.c.completed == 0).distinct().order_by(facts.c.desa_kode, User.full_name)):
        not_done.setdefault(desa_kode, []).append(name)
    desa_info = dict(rs.execute(sa.select(Desa.kode, Kecamatan.nama)
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
