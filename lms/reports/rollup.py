"""Keeping the report rollup current, in the same transaction as the change.

How it works (docs/reports.md, "Scale"):

1. Database triggers on the tables the figures come from (enrolments, lesson progress, attempts,
   completions, users, and the course/lesson/quiz fields the figures depend on) put the id of
   every learner whose figures may have changed into ``report_dirty``. Triggers see every write:
   ORM flushes, Core ``insert_ignore``, bulk ``INSERT ... SELECT``, foreign-key cascades.
2. Just before the session commits, :func:`drain` recomputes those learners: their old
   contribution (``report_*_state``) is subtracted from the rollups and their new one (computed
   from the base tables with indexed per-learner lookups) is added, in one upsert per rollup;
   the state rows are replaced. The cost depends on the learners touched, not on how many
   learners there are.
3. :func:`rebuild` recomputes everything from the base tables (``flask --app lms
   rebuild-report-rollup``, the migration, bulk loads); incremental maintenance must always
   equal it (tests/reports/test_rollup.py).

On PostgreSQL a learner's ``report_dirty`` row is upserted (not ignored) so it stays locked until
commit: two transactions touching the same learner are serialised from their first relevant
write, and the second recomputes from the first one's committed rows. Rollup rows are updated
in key order within one statement per table, so two drains never wait on each other in a cycle.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.dialects import postgresql, sqlite

from lms.auth.models import User
from lms.courses.models import PILLARS, Course, CourseCompletion, Enrollment, Lesson, LessonProgress
from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz
from lms.reports.models import (NONE, CourseRollup, DayRollup, LearnerState, PairState, PeopleRollup, ReportDirty,
                                WeekRollup)

PILLAR_BITS = {pillar: 1 << i for i, pillar in enumerate(PILLARS)}  # cakap 1, etika 2, budaya 4, aman 8
CHUNK = 1000  # learners per set of statements (SQLite allows 32766 bound values per statement)
_WROTE = "report_rollup_wrote"  # Connection.info flag: this transaction wrote something

STATE_TABLES = (LearnerState.__table__, PairState.__table__)
ROLLUP_TABLES = (CourseRollup.__table__, PeopleRollup.__table__, DayRollup.__table__, WeekRollup.__table__)
_CELL = ("desa_kode", "jabatan_kode", "kind")


# ---------------------------------------------------------------------------- triggers
# table -> (primary key, learner column or None, columns whose change matters,
#           SQL selecting the learners of a changed row {r} when there is no learner column,
#           condition for an inserted or deleted row {r} to matter).
# The migration a011000b0003 holds a frozen copy; a change here needs a migration that calls
# install_triggers() (tests/reports/test_rollup.py compares the two).
TRIGGERS = {
    "enrollment": ("id", "user_id", ("user_id", "course_id"), None, None),
    "lesson_progress": ("id", "user_id", ("user_id", "course_id", "lesson_id"), None, None),
    "attempt": ("id", "user_id", ("user_id", "quiz_id", "status", "practice", "percent", "passed"), None,
                "{r}.status = 'submitted'"),
    "course_completion": ("id", "user_id", ("user_id", "course_id", "completed_at"), None, None),
    "user": ("id", "id", ("role", "active", "kind", "jabatan_kode", "desa_kode"), None, None),
    "course": ("id", None, ("status", "pillar"), "SELECT user_id FROM enrollment WHERE course_id = {r}.id", None),
    "lesson": ("id", None, ("minutes", "course_id"), "SELECT user_id FROM lesson_progress WHERE lesson_id = {r}.id",
               None),
    "quiz": ("id", None, ("course_id",), "SELECT user_id FROM attempt WHERE quiz_id = {r}.id", None),
}
# PostgreSQL: an upsert, not DO NOTHING, so the row stays locked by this transaction until it ends.
MARK_PG = ("INSERT INTO report_dirty (user_id) SELECT DISTINCT user_id FROM ({}) s WHERE user_id IS NOT NULL "
           "ORDER BY user_id ON CONFLICT (user_id) DO UPDATE SET hits = report_dirty.hits + 1;")


def _q(name: str) -> str:
    return f'"{name}"'


def _events(table: str) -> tuple[str, ...]:
    # Inserting or deleting a course, lesson or quiz reaches learners through their rows' cascades.
    return ("insert", "delete", "update") if TRIGGERS[table][1] else ("update",)


# The trigger DDL is assembled from the names in TRIGGERS (constants of this module, never input),
# hence the "nosec B608" marks: bandit cannot tell a constant identifier from user data.
def _pg_users(table: str, rows: str) -> str:
    """SQL selecting the learners of the transition table ``rows``."""
    _pk, user_col, _cols, via, condition = TRIGGERS[table]
    if user_col:
        where = f" WHERE {condition.format(r='r')}" if condition else ""
        return f"SELECT r.{user_col} AS user_id FROM {rows} r{where}"  # nosec B608
    return f"SELECT t.user_id FROM {rows} r, LATERAL ({via.format(r='r')}) t"  # nosec B608


def _pg_ddl(table: str) -> list[str]:
    """A statement-level trigger per event: one upsert per statement, however many rows it wrote."""
    pk, user_col, cols, via, _condition = TRIGGERS[table]
    differ = f"({', '.join('o.' + c for c in cols)}) IS DISTINCT FROM ({', '.join('n.' + c for c in cols)})"
    pairs = f"FROM new_rows n JOIN old_rows o ON o.{pk} = n.{pk} WHERE {differ}"
    if user_col:
        update = f"SELECT o.{user_col} AS user_id {pairs} UNION SELECT n.{user_col} {pairs}"
    else:
        update = f"SELECT t.user_id FROM (SELECT n.* {pairs}) r, LATERAL ({via.format(r='r')}) t"  # nosec B608
    function = f"""CREATE OR REPLACE FUNCTION report_mark_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {MARK_PG.format(_pg_users(table, 'new_rows'))}
  ELSIF TG_OP = 'DELETE' THEN
    {MARK_PG.format(_pg_users(table, 'old_rows'))}
  ELSE
    {MARK_PG.format(update)}
  END IF;
  RETURN NULL;
END $$"""
    refs = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows",
            "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}
    return [function] + [f'CREATE TRIGGER report_mark_{table}_{e} AFTER {e.upper()} ON "{table}" REFERENCING {refs[e]} '
                         f"FOR EACH STATEMENT EXECUTE FUNCTION report_mark_{table}()" for e in _events(table)]


def _sqlite_ddl(table: str) -> list[str]:
    """Row triggers (SQLite has no statement triggers); one writer at a time, so OR IGNORE is enough."""
    _pk, user_col, cols, via, condition = TRIGGERS[table]
    if user_col:
        mark = f"INSERT OR IGNORE INTO report_dirty (user_id) VALUES ({{row}}.{user_col});"
    else:
        mark = f"INSERT OR IGNORE INTO report_dirty (user_id) {via.replace('{r}', '{row}')};"
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in cols)
    out = [f'CREATE TRIGGER report_mark_{table}_update AFTER UPDATE OF {", ".join(cols)} ON "{table}" '
           f"WHEN {changed} BEGIN {mark.format(row='OLD')} {mark.format(row='NEW')} END"]
    if user_col:
        for event, row in (("insert", "NEW"), ("delete", "OLD")):
            when = f" WHEN {condition.format(r=row)}" if condition else ""
            out.append(f'CREATE TRIGGER report_mark_{table}_{event} AFTER {event.upper()} ON "{table}"{when} '
                       f"BEGIN {mark.format(row=row)} END")
    return out


def trigger_names() -> dict[str, list[str]]:
    """Trigger names per table (the same on both databases)."""
    return {table: [f"report_mark_{table}_{e}" for e in _events(table)] for table in TRIGGERS}


def trigger_ddl(dialect_name: str) -> list[str]:
    """Every CREATE statement of the triggers (and their functions on PostgreSQL)."""
    build = _pg_ddl if dialect_name == "postgresql" else _sqlite_ddl
    return [statement for table in TRIGGERS for statement in build(table)]


def drop_triggers(conn) -> None:
    postgres = conn.dialect.name == "postgresql"
    for table, names in trigger_names().items():
        for name in names:
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {_q(table)}" if postgres else "")))
        if postgres:
            conn.execute(sa.text(f"DROP FUNCTION IF EXISTS report_mark_{table}()"))


def install_triggers(conn) -> None:
    """(Re)create the triggers that queue changed learners; safe to repeat."""
    drop_triggers(conn)
    for statement in trigger_ddl(conn.dialect.name):
        conn.execute(sa.text(statement))


@sa.event.listens_for(db.metadata, "after_create")
def _triggers_for_create_all(_metadata, connection, **_kw) -> None:
    """Tests build the schema with create_all(); the app itself gets the triggers from the migration."""
    install_triggers(connection)


# ---------------------------------------------------------------------------- what a learner contributes
# The statements are built once per database and reused: each refresh only binds the learners'
# ids (an expanding IN) and the time zone, so the per-action cost is the database's, not
# SQLAlchemy's compiling.
IDS = sa.bindparam("ids", expanding=True)


def _tz_name() -> str:
    return current_app.config.get("LMS_TIMEZONE", "Asia/Makassar") if has_app_context() else "Asia/Makassar"


def _day_params(dialect_name: str) -> dict:
    """The bound value local_day() needs: a zone name (PostgreSQL) or a fixed shift (SQLite)."""
    tz = _tz_name()
    if dialect_name == "postgresql":
        return {"tz": tz}
    from zoneinfo import ZoneInfo

    return {"shift": f"{int(datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() // 60):+d} minutes"}


def local_day(column, dialect_name: str):
    """The local calendar day (LMS_TIMEZONE, bound at execution) of a stored UTC time."""
    if dialect_name == "postgresql":
        return sa.cast(sa.func.timezone(sa.bindparam("tz", type_=sa.String), column), sa.Date)
    return sa.func.date(column, sa.bindparam("shift", type_=sa.String))


def _only(column, users):
    """``column IN :ids`` for the learners of one refresh, nothing for a rebuild (users is None)."""
    return [column.in_(IDS)] if users is not None else []


def learner_facts(users=None):
    """One row per counted learner (active, role learner): region, jabatan, kind, pillars enrolled in.

    ``users``: None for everyone, anything else to restrict to the bound ``ids``.
    """
    bit = sa.case(*((Course.pillar == p, b) for p, b in PILLAR_BITS.items()), else_=0)
    pillars = (sa.select(Enrollment.user_id, sa.func.sum(sa.distinct(bit)).label("pillars"))
               .join(Course, Course.id == Enrollment.course_id)
               .where(Course.status != "draft", *_only(Enrollment.user_id, users))
               .group_by(Enrollment.user_id).subquery())
    return (sa.select(User.id.label("user_id"), sa.func.coalesce(User.desa_kode, NONE).label("desa_kode"),
                      sa.func.coalesce(User.jabatan_kode, NONE).label("jabatan_kode"), User.kind,
                      sa.func.coalesce(pillars.c.pillars, 0).label("pillars"))
            .outerjoin(pillars, pillars.c.user_id == User.id)
            .where(User.active.is_(True), User.role == "learner", *_only(User.id, users)))


PAIR_COLUMNS = ("user_id", "course_id", "enrolled", "started", "completed_day", "best_tenths", "best_pairs",
                "passed_pairs", "minutes")


def _part(user, course, *, enrolled=0, started=0, day=None, tenths=0, pairs=0, passed=0, minutes=0):
    """One branch of the pair facts' UNION ALL: every column named, literals typed."""
    def value(v, type_=sa.Integer):
        if v is None:
            return sa.cast(sa.null(), sa.Date)
        return sa.cast(sa.literal(v, literal_execute=True), type_) if isinstance(v, int) else v
    values = (user, course, value(enrolled), value(started), value(day), value(tenths, sa.BigInteger), value(pairs),
              value(passed), value(minutes))
    return sa.select(*(v.label(name) for v, name in zip(values, PAIR_COLUMNS)))


def pair_facts(dialect_name: str, users=None):
    """One row per (learner, course) with any enrolment, progress, submitted attempt or completion."""
    best = (sa.select(Attempt.user_id, Attempt.quiz_id, sa.func.max(Attempt.percent).label("best"),
                      sa.func.max(sa.case((Attempt.passed.is_(True), 1), else_=0)).label("passed"))
            .where(Attempt.status == "submitted", Attempt.practice.is_(False), *_only(Attempt.user_id, users))
            .group_by(Attempt.user_id, Attempt.quiz_id).subquery())
    # Percents are stored with one decimal: summing them ×10 as integers is exact and order-free.
    tenths = sa.cast(sa.func.coalesce(sa.func.round(best.c.best * 10), 0), sa.BigInteger)
    parts = sa.union_all(
        _part(Enrollment.user_id, Enrollment.course_id, enrolled=1).where(*_only(Enrollment.user_id, users)),
        _part(LessonProgress.user_id, LessonProgress.course_id, started=1, minutes=Lesson.minutes)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id).where(*_only(LessonProgress.user_id, users)),
        _part(Attempt.user_id, Quiz.course_id, started=1).join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.status == "submitted", *_only(Attempt.user_id, users)),
        _part(best.c.user_id, Quiz.course_id, tenths=tenths, pairs=1, passed=best.c.passed)
        .join(Quiz, Quiz.id == best.c.quiz_id),
        _part(CourseCompletion.user_id, CourseCompletion.course_id,
              day=local_day(CourseCompletion.completed_at, dialect_name))
        .where(*_only(CourseCompletion.user_id, users)),
    ).subquery()
    c = parts.c
    return (sa.select(c.user_id, c.course_id, sa.func.max(c.enrolled).label("enrolled"),
                      sa.func.max(c.started).label("started"), sa.func.max(c.completed_day).label("completed_day"),
                      *(sa.func.sum(c[name]).label(name) for name in PAIR_COLUMNS[5:]))
            .group_by(c.user_id, c.course_id))


# ---------------------------------------------------------------------------- contributions to each rollup
def _signed(value, sign: int):
    return value if sign == 1 else -value


def _course_measures(pair, sign: int) -> list:
    done = sa.case((sa.and_(pair.c.enrolled == 1, pair.c.completed_day.is_not(None)), 1), else_=0)
    return [_signed(pair.c.enrolled, sign).label("enrolled"),
            _signed(pair.c.enrolled * pair.c.started, sign).label("started"), _signed(done, sign).label("completed"),
            _signed(pair.c.best_tenths, sign).label("best_tenths"),
            _signed(pair.c.best_pairs, sign).label("best_pairs"),
            _signed(pair.c.passed_pairs, sign).label("passed_pairs"), _signed(pair.c.minutes, sign).label("minutes")]


def _day_measures(pair, sign: int) -> list:
    return [sa.literal(sign, literal_execute=True).label("completions"),
            _signed(pair.c.enrolled, sign).label("completions_enrolled")]


def week_of(day, dialect_name: str):
    """The Monday of a local calendar day (a date)."""
    if dialect_name == "postgresql":
        return sa.cast(sa.func.date_trunc("week", sa.cast(day, sa.DateTime)), sa.Date)
    return sa.func.date(day, "weekday 0", "-6 days")


ROLLUPS = {  # table -> (key columns, from (pair, learner, dialect) the key values, the measures)
    "report_rollup": (("course_id", *_CELL), lambda p, ls, _d: [p.c.course_id, *(ls.c[k] for k in _CELL)],
                      _course_measures),
    "report_rollup_day": (("day", "course_id", *_CELL),
                          lambda p, ls, _d: [p.c.completed_day, p.c.course_id, *(ls.c[k] for k in _CELL)],
                          _day_measures),
    "report_rollup_week": (("week", "course_id", *_CELL),
                           lambda p, ls, d: [week_of(p.c.completed_day, d), p.c.course_id, *(ls.c[k] for k in _CELL)],
                           _day_measures),
}
PAIR_ROLLUPS = tuple(ROLLUPS)


def _pair_contributions(table_name: str, pairs, learners, sign: int, dialect: str):
    keys, key_values, measures = ROLLUPS[table_name]
    stmt = (sa.select(*(v.label(k) for k, v in zip(keys, key_values(pairs, learners, dialect))),
                      *measures(pairs, sign))
            .join_from(pairs, learners, learners.c.user_id == pairs.c.user_id))
    if table_name != "report_rollup":  # completions only
        stmt = stmt.where(pairs.c.completed_day.is_not(None))
    return stmt


def _people_contributions(learners, sign: int):
    return sa.select(*(learners.c[k] for k in (*_CELL, "pillars")),
                     sa.literal(sign, literal_execute=True).label("learners"))


def _upsert_sums(dialect: str, table: sa.Table, keys: tuple, parts: list):
    """Add the summed rows of ``parts`` (a UNION ALL of signed contributions) to ``table``, in key order."""
    both = sa.union_all(*parts).subquery()
    measures = [c.name for c in table.c if c.name not in keys]
    source = (sa.select(*(both.c[k] for k in keys), *(sa.func.sum(both.c[m]).label(m) for m in measures))
              .where(sa.true()).group_by(*(both.c[k] for k in keys)).order_by(*(both.c[k] for k in keys)))
    module = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(table).from_select([*keys, *measures], source)
    return insert.on_conflict_do_update(index_elements=list(keys),
                                        set_={m: table.c[m] + insert.excluded[m] for m in measures})


def _insert_state(dialect: str, users) -> list:
    learner_t, pair_t = LearnerState.__table__, PairState.__table__
    facts = learner_facts(users)
    pairs = pair_facts(dialect, users).subquery()
    counted = sa.select(pairs).where(pairs.c.user_id.in_(sa.select(learner_t.c.user_id).where(
        *_only(learner_t.c.user_id, users))))
    return [learner_t.insert().from_select([c.name for c in facts.selected_columns], facts),
            pair_t.insert().from_select([c.name for c in pairs.c], counted)]


_REFRESH: dict[str, list] = {}


def _refresh_statements(dialect: str) -> list:
    """The statements of one refresh, in order: subtract the old and add the new contribution to
    each rollup (one upsert each), replace the state rows, take the learners off the queue."""
    if dialect not in _REFRESH:
        pair_t, learner_t = PairState.__table__, LearnerState.__table__
        old_pairs = sa.select(pair_t).where(pair_t.c.user_id.in_(IDS)).subquery()
        old_learners = sa.select(learner_t).where(learner_t.c.user_id.in_(IDS)).subquery()
        new_learners = learner_facts(IDS).subquery()
        new_pairs = pair_facts(dialect, IDS).subquery()
        statements = [_upsert_sums(dialect, db.metadata.tables[name], ROLLUPS[name][0], [
            _pair_contributions(name, old_pairs, old_learners, -1, dialect),
            _pair_contributions(name, new_pairs, new_learners, 1, dialect)]) for name in PAIR_ROLLUPS]
        statements.append(_upsert_sums(dialect, PeopleRollup.__table__, (*_CELL, "pillars"), [
            _people_contributions(old_learners, -1), _people_contributions(new_learners, 1)]))
        statements += [pair_t.delete().where(pair_t.c.user_id.in_(IDS)),
                       learner_t.delete().where(learner_t.c.user_id.in_(IDS)), *_insert_state(dialect, IDS),
                       ReportDirty.__table__.delete().where(ReportDirty.user_id.in_(IDS))]
        _REFRESH[dialect] = statements
    return _REFRESH[dialect]


# ---------------------------------------------------------------------------- refresh, drain, rebuild
def refresh(conn, user_ids) -> None:
    """Recompute the rollups' view of these learners (in chunks), and take them off the queue."""
    ids = sorted(set(user_ids))
    dialect = conn.dialect.name
    statements = _refresh_statements(dialect)
    day = _day_params(dialect)
    for i in range(0, len(ids), CHUNK):
        values = {"ids": ids[i:i + CHUNK], **day}
        for statement in statements:
            conn.execute(statement, {k: v for k, v in values.items() if k in _bound(statement, conn.dialect)})


_BOUND: dict[int, frozenset] = {}


def _bound(statement, dialect) -> frozenset:
    """The names of the parameters a statement binds (remembered for the cached ones)."""
    key = id(statement)
    if key not in _BOUND:
        _BOUND[key] = frozenset(statement.compile(dialect=dialect).params)
    return _BOUND[key]


def claim(conn) -> list[int]:
    """The queued learners, locked (PostgreSQL) so no other transaction drains them at the same time."""
    stmt = sa.select(ReportDirty.user_id).order_by(ReportDirty.user_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return list(conn.scalars(stmt))


def drain(conn) -> int:
    """Bring the rollups up to date with every queued learner; return how many there were."""
    ids = claim(conn)
    if ids:
        refresh(conn, ids)
    return len(ids)


def rebuild(conn) -> dict[str, int]:
    """Recompute every rollup from the base tables; return the rows of each table."""
    dialect = conn.dialect.name
    tables = [ReportDirty.__table__, *STATE_TABLES, *ROLLUP_TABLES]
    if dialect == "postgresql":
        conn.execute(sa.text("TRUNCATE " + ", ".join(_q(t.name) for t in tables)))
    else:
        for table in tables:
            conn.execute(table.delete())
    day = _day_params(dialect)
    for statement in _insert_state(dialect, None):
        conn.execute(statement, {k: v for k, v in day.items() if k in statement.compile(dialect=conn.dialect).params})
    pair_t, learner_t = PairState.__table__, LearnerState.__table__
    for name in PAIR_ROLLUPS:
        table = db.metadata.tables[name]
        keys = ROLLUPS[name][0]
        part = _pair_contributions(name, pair_t, learner_t, 1, dialect).subquery()
        measures = [c.name for c in table.c if c.name not in keys]
        source = (sa.select(*(part.c[k] for k in keys), *(sa.func.sum(part.c[m]) for m in measures))
                  .group_by(*(part.c[k] for k in keys)))
        conn.execute(table.insert().from_select([*keys, *measures], source))
    people = _people_contributions(learner_t, 1).subquery()
    keys = (*_CELL, "pillars")
    conn.execute(PeopleRollup.__table__.insert().from_select(
        [*keys, "learners"], sa.select(*(people.c[k] for k in keys), sa.func.sum(people.c.learners))
        .group_by(*(people.c[k] for k in keys))))
    return {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t)) for t in (*STATE_TABLES, *ROLLUP_TABLES)}


# ---------------------------------------------------------------------------- the commit hook
@sa.event.listens_for(sa.engine.Engine, "after_cursor_execute")
def _note_writes(conn, _cursor, statement, _parameters, context, _executemany) -> None:
    """Remember that this connection's transaction wrote, so a read-only commit costs no statement."""
    if conn.info.get(_WROTE):
        return
    if (context is not None and (context.isinsert or context.isupdate or context.isdelete)) or \
            statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
        conn.info[_WROTE] = True


@sa.event.listens_for(FlaskSession, "before_commit")
def _drain_before_commit(session) -> None:
    """Apply the transaction's queued changes to the rollups before it commits (same transaction)."""
    if not session.in_transaction():
        return
    session.flush()
    conn = session.connection()
    if conn.info.pop(_WROTE, False):
        drain(conn)
        conn.info.pop(_WROTE, None)


@sa.event.listens_for(sa.engine.Engine, "commit")
@sa.event.listens_for(sa.engine.Engine, "rollback")
def _forget_writes(conn) -> None:
    """The transaction is over: the next one starts with nothing to drain."""
    conn.info.pop(_WROTE, None)
