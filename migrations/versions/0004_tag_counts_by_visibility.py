"""tag counts by visibility, and a partial index for the question lists

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 01:30:00

Tags keep how many live public and internal questions carry them, so a viewer's tag counts are
read from columns instead of joining every question. The counts are filled from the rows.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_LIVE = ("SELECT count(*) FROM question_tags qt JOIN questions q ON q.id = qt.question_id "
         "WHERE qt.tag_id = tags.id AND q.deleted_at IS NULL AND q.visibility = '{}'")


def upgrade():
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('internal_count', sa.Integer(), server_default='0', nullable=False))
    op.execute(f"UPDATE tags SET public_count = ({_LIVE.format('public')}), "
               f"internal_count = ({_LIVE.format('internal')})")
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index('ix_questions_live_visibility_created', ['visibility', 'created_at'], unique=False,
                              sqlite_where=sa.text('deleted_at IS NULL'),
                              postgresql_where=sa.text('deleted_at IS NULL'))


def downgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_live_visibility_created')
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_column('internal_count')
        batch_op.drop_column('public_count')
