"""cache: the content version's sequence (PostgreSQL only; SQLite keeps it in a file)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:00:00

Fragments of pages are cached under a content version that every commit changing content bumps
(app/cache/version.py). Without Redis, PostgreSQL deployments keep it in this sequence: nextval
takes no row lock, so writers never queue on it.
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS content_version")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS content_version")
