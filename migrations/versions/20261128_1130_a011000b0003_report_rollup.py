"""report rollup: tables the Kominfo reports read, triggers that queue changed learners, and the fill

Revision ID: a011000b0003
Revises: 0ff11e000002
Create Date: 2026-11-28 11:30:00

The rollup (lms/reports/models.py) is kept current by the commit hook in lms/reports/rollup.py;
the triggers below only queue the learners whose figures may have changed. Their DDL is frozen
here (a later change to lms/reports/rollup.TRIGGERS needs a migration of its own). The fill
uses the application's rebuild, the same as ``flask --app lms rebuild-report-rollup``.

On SQLite a later batch migration that rebuilds one of these tables (a copy-and-move) drops its
triggers: such a migration must call ``install_triggers`` again (tests/reports/test_rollup.py
checks that the triggers exist after ``db upgrade``).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a011000b0003'
down_revision = '0ff11e000002'
branch_labels = None
depends_on = None

# table -> (primary key, learner column or None, columns whose change matters,
#           SQL selecting the learners of a changed row {r} when there is no learner column,
#           condition for an inserted or deleted row {r} to matter)
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
MARK_PG = ("INSERT INTO report_dirty (user_id) SELECT DISTINCT user_id FROM ({}) s WHERE user_id IS NOT NULL "
           "ORDER BY user_id ON CONFLICT (user_id) DO UPDATE SET hits = report_dirty.hits + 1;")


def _events(table):
    return ("insert", "delete", "update") if TRIGGERS[table][1] else ("update",)


def _pg_users(table, rows):
    _pk, user_col, _cols, via, condition = TRIGGERS[table]
    if user_col:
        where = f" WHERE {condition.format(r='r')}" if condition else ""
        return f"SELECT r.{user_col} AS user_id FROM {rows} r{where}"
    return f"SELECT t.user_id FROM {rows} r, LATERAL ({via.format(r='r')}) t"


def _pg_ddl(table):
    pk, user_col, cols, via, _condition = TRIGGERS[table]
    differ = f"({', '.join('o.' + c for c in cols)}) IS DISTINCT FROM ({', '.join('n.' + c for c in cols)})"
    pairs = f"FROM new_rows n JOIN old_rows o ON o.{pk} = n.{pk} WHERE {differ}"
    if user_col:
        update = f"SELECT o.{user_col} AS user_id {pairs} UNION SELECT n.{user_col} {pairs}"
    else:
        update = f"SELECT t.user_id FROM (SELECT n.* {pairs}) r, LATERAL ({via.format(r='r')}) t"
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


def _sqlite_ddl(table):
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


def _drop_triggers(postgres):
    for table in TRIGGERS:
        for event in _events(table):
            op.execute(f"DROP TRIGGER IF EXISTS report_mark_{table}_{event}" + (f' ON "{table}"' if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS report_mark_{table}()")


def _cell_columns():
    return [sa.Column('desa_kode', sa.String(length=13), nullable=False),
            sa.Column('jabatan_kode', sa.String(length=40), nullable=False),
            sa.Column('kind', sa.String(length=20), nullable=False)]


def upgrade():
    op.create_table('report_dirty',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('hits', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_report_dirty'))
    )
    op.create_table('report_learner_state',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    *_cell_columns(),
    sa.Column('pillars', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_report_learner_state'))
    )
    op.create_table('report_pair_state',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('course_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('enrolled', sa.SmallInteger(), nullable=False),
    sa.Column('started', sa.SmallInteger(), nullable=False),
    sa.Column('completed_day', sa.Date(), nullable=True),
    sa.Column('best_tenths', sa.BigInteger(), nullable=False),
    sa.Column('best_pairs', sa.Integer(), nullable=False),
    sa.Column('passed_pairs', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'course_id', name=op.f('pk_report_pair_state'))
    )
    op.create_table('report_rollup',
    sa.Column('course_id', sa.Integer(), autoincrement=False, nullable=False),
    *_cell_columns(),
    sa.Column('enrolled', sa.Integer(), nullable=False),
    sa.Column('started', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('best_tenths', sa.BigInteger(), nullable=False),
    sa.Column('best_pairs', sa.Integer(), nullable=False),
    sa.Column('passed_pairs', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('course_id', 'desa_kode', 'jabatan_kode', 'kind', name=op.f('pk_report_rollup'))
    )
    op.create_table('report_rollup_people',
    *_cell_columns(),
    sa.Column('pillars', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('learners', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('desa_kode', 'jabatan_kode', 'kind', 'pillars', name=op.f('pk_report_rollup_people'))
    )
    op.create_table('report_rollup_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('course_id', sa.Integer(), autoincrement=False, nullable=False),
    *_cell_columns(),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.Column('completions_enrolled', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'course_id', 'desa_kode', 'jabatan_kode', 'kind', name=op.f('pk_report_rollup_day'))
    )
    op.create_table('report_rollup_week',
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('course_id', sa.Integer(), autoincrement=False, nullable=False),
    *_cell_columns(),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.Column('completions_enrolled', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('week', 'course_id', 'desa_kode', 'jabatan_kode', 'kind',
                            name=op.f('pk_report_rollup_week'))
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TRIGGERS:
        for statement in (_pg_ddl(table) if postgres else _sqlite_ddl(table)):
            op.execute(statement)
    from lms.reports.rollup import rebuild  # the existing learners' figures (empty on a new install)

    rebuild(op.get_bind())


def downgrade():
    _drop_triggers(op.get_bind().dialect.name == "postgresql")
    for table in ('report_rollup_week', 'report_rollup_day', 'report_rollup_people', 'report_rollup',
                  'report_pair_state', 'report_learner_state', 'report_dirty'):
        op.drop_table(table)
