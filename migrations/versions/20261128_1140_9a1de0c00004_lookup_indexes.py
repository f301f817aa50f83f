"""index attempt.quiz_id for the per-quiz pages (item analysis, a course's learners, grants)

Revision ID: 9a1de0c00004
Revises: a011000b0003
Create Date: 2026-11-28 11:40:00

Per-learner lookups (enrolments, progress, attempts, the open attempt, completions,
certificates) already had indexes; tests/test_indexes_pg.py EXPLAINs them on PostgreSQL.
Reading one quiz's attempts was a sequential scan of every attempt of every learner.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9a1de0c00004'
down_revision = 'a011000b0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_quiz_id'), ['quiz_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_quiz_id'))
