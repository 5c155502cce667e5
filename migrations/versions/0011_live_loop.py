"""the live loop: notification delivery and digests, follows, preferences, mentions, escalation

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07 10:00:00

Notifications get a delivery (instant, quiet, daily, weekly) and the time a digest mailed them;
existing ones are instant and count as mailed. Routings made before this revision are not
watched for escalation (their questions would all escalate at once on the first sweep).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery', sa.String(length=8), server_default='instant', nullable=False))
        batch_op.add_column(sa.Column('mailed_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_notifications_question_id_kind', ['question_id', 'kind'], unique=False)
        batch_op.create_index('ix_notifications_unmailed', ['delivery', 'user_id'], unique=False,
                              sqlite_where=sa.text("mailed_at IS NULL AND delivery IN ('daily', 'weekly')"),
                              postgresql_where=sa.text("mailed_at IS NULL AND delivery IN ('daily', 'weekly')"))

    op.create_table('notification_settings',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=True),
        sa.Column('quiet_start', sa.Integer(), nullable=True),
        sa.Column('quiet_end', sa.Integer(), nullable=True),
        sa.Column('auto_follow', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_settings_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings')))
    op.create_table('notification_kind_settings',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('frequency', sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_kind_settings_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_kind_settings')))
    op.create_table('follows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('target_type', sa.String(length=12), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_follows_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
        sa.UniqueConstraint('user_id', 'target_type', 'target_id', name=op.f('uq_follows_user_id_target_type_target_id')))
    op.create_index('ix_follows_target_type_target_id', 'follows', ['target_type', 'target_id'], unique=False)
    op.create_table('mentions',
        sa.Column('post_type', sa.String(length=8), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mentions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('post_type', 'post_id', 'user_id', name=op.f('pk_mentions')))
    op.create_table('digest_sends',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=24), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.Column('notification_ids', sa.JSON(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_sends_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_sends')),
        sa.UniqueConstraint('user_id', 'period', name=op.f('uq_digest_sends_user_id_period')))
    op.create_table('routing_escalation_watch',
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('next_step', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('routed_at', sa.DateTime(), nullable=False),
        sa.Column('next_after', sa.Integer(), nullable=False),
        sa.Column('moderators_after', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['routing_decisions.id'],
                                name=op.f('fk_routing_escalation_watch_decision_id_routing_decisions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('decision_id', name=op.f('pk_routing_escalation_watch')))
    op.create_index('ix_routing_escalation_watch_due_at', 'routing_escalation_watch', ['due_at'], unique=False)
    op.create_index('ix_routing_escalation_watch_question_id', 'routing_escalation_watch', ['question_id'], unique=False)
    op.create_table('routing_escalations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('notified', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['routing_decisions.id'],
                                name=op.f('fk_routing_escalations_decision_id_routing_decisions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_escalations')),
        sa.UniqueConstraint('decision_id', 'step', name=op.f('uq_routing_escalations_decision_id_step')))
    # Notifications made before delivery existed were shown at once: never mail them now.
    op.execute("UPDATE notifications SET mailed_at = created_at")


def downgrade():
    op.drop_table('routing_escalations')
    op.drop_index('ix_routing_escalation_watch_question_id', table_name='routing_escalation_watch')
    op.drop_index('ix_routing_escalation_watch_due_at', table_name='routing_escalation_watch')
    op.drop_table('routing_escalation_watch')
    op.drop_table('digest_sends')
    op.drop_table('mentions')
    op.drop_index('ix_follows_target_type_target_id', table_name='follows')
    op.drop_table('follows')
    op.drop_table('notification_kind_settings')
    op.drop_table('notification_settings')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_unmailed', sqlite_where=sa.text("mailed_at IS NULL"))
        batch_op.drop_index('ix_notifications_question_id_kind')
        batch_op.drop_column('mailed_at')
        batch_op.drop_column('delivery')
