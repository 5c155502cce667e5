"""points rules: versioned rule sets, and the rule version and note of each ledger entry

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 19:00:00

No backfill: existing entries keep rule_version NULL, which means "the code defaults of
app.points.rules", exactly what they were made under; note is only for manual awards.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('points_rule_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_points_rule_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_rule_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_points_rule_versions_version'))
    )
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_column('note')
        batch_op.drop_column('rule_version')
    op.drop_table('points_rule_versions')
