"""accounts: users.session_version, part of every login's identity (ending sessions bumps it)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 16:00:00

Existing users start at version 0. Logins made before this migration carry an identity
without a version, which the user loader refuses: everyone logs in once more after the upgrade,
and the old remember-me cookies (valid 365 days, the same across logins) stop working.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
