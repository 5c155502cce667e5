"""search: the search log (gap list) and staff-maintained synonyms

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 01:00:00

Written by hand; names follow app.db.NAMING_CONVENTION (tests/integration/test_search_migration.py
compares this schema with the models). The search index itself is not in this database: the
embedded engine keeps its own file and ``flask search reindex`` fills it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_logs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('query', sa.String(length=500), nullable=False),
        sa.Column('normalized', sa.String(length=500), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('filters', sa.String(length=300), nullable=False),
        sa.Column('result_count', sa.Integer(), nullable=False),
        sa.Column('clicked_key', sa.String(length=40), nullable=True),
        sa.Column('clicked_rank', sa.Integer(), nullable=True),
        sa.Column('clicked_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_logs')),
    )
    with op.batch_alter_table('search_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_logs_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_search_logs_normalized_created_at', ['normalized', 'created_at'], unique=False)

    op.create_table(
        'search_synonyms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('terms', sa.String(length=500), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_search_synonyms_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonyms')),
    )


def downgrade():
    op.drop_table('search_synonyms')
    with op.batch_alter_table('search_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_search_logs_normalized_created_at')
        batch_op.drop_index(batch_op.f('ix_search_logs_created_at'))
    op.drop_table('search_logs')
