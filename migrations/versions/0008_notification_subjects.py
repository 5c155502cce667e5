"""notifications: a subject reference (type, id), the actor, and when it was resolved

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 18:00:00

Existing notifications are all about questions: their subject is filled from question_id.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_type', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_actor_id_users'), 'users', ['actor_id'], ['id'],
                                    ondelete='SET NULL')
    op.execute("UPDATE notifications SET subject_type = 'question', subject_id = question_id "
               "WHERE question_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_actor_id_users'), type_='foreignkey')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('actor_id')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_type')
