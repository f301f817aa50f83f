"""user locale: the interface language chosen by the user

Revision ID: f10ca1e00001
Revises: c67121a5ab68
Create Date: 2026-11-28 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f10ca1e00001'
down_revision = 'c67121a5ab68'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))
        batch_op.create_check_constraint('locale_known', "locale IN ('id', 'en')")


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_locale_known'), type_='check')
        batch_op.drop_column('locale')
