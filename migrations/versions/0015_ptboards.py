"""points: covering indexes for the leaderboards

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-06 19:00:00

The leaderboards sum ``amount`` per user over a period (created_at range) or all time, joined
to the entry's question for visibility: both indexes hold every column those scans read.
"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_points_entries_board_period", "points_entries",
                    ["created_at", "user_id", "question_id", "amount"])
    op.create_index("ix_points_entries_board_user", "points_entries", ["user_id", "question_id", "amount"])


def downgrade():
    op.drop_index("ix_points_entries_board_user", table_name="points_entries")
    op.drop_index("ix_points_entries_board_period", table_name="points_entries")
