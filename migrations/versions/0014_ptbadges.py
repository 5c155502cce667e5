"""points: badge awards

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-06 19:00:00

One row per (user, badge, tag_key); tag_key is the tag id or 0, so the unique key also holds for
badges without a tag (NULLs would not collide).
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'badge_awards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('badge', sa.String(length=32), nullable=False),
        sa.Column('tag_id', sa.Integer(), nullable=True),
        sa.Column('tag_key', sa.Integer(), nullable=False),
        sa.Column('awarded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_badge_awards_tag_id_tags'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_badge_awards_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_awards')),
        sa.UniqueConstraint('user_id', 'badge', 'tag_key', name=op.f('uq_badge_awards_user_id_badge_tag_key')),
    )
    op.create_index('ix_badge_awards_badge_awarded_at', 'badge_awards', ['badge', 'awarded_at'], unique=False)


def downgrade():
    op.drop_index('ix_badge_awards_badge_awarded_at', table_name='badge_awards')
    op.drop_table('badge_awards')
