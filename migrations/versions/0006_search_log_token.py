"""search log: an unguessable token per logged search, required to record a click on it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 16:00:00

The search page renders its click links before the log row exists (GET requests write nothing;
a job writes the row after the response), so a click names its search by this token instead
of the row id, which anyone could enumerate to mark searches as clicked. Rows logged before
this migration have no token: their searches can no longer be marked, which only stops new
clicks on old result pages from counting.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_search_logs_token'), ['token'], unique=True)


def downgrade():
    with op.batch_alter_table('search_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_logs_token'))
        batch_op.drop_column('token')
