"""experts: the expertise event log, expert profiles and tag interests, routing decisions, notifications

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 02:07:21

Existing answers need no backfill: each process's expertise index loads from the forum's
tables on first use and reads only later events from expertise_events.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('expertise_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expertise_events'))
    )
    op.create_table('expert_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('is_available', sa.Boolean(), nullable=False),
    sa.Column('away_until', sa.DateTime(), nullable=True),
    sa.Column('max_open_routes', sa.Integer(), nullable=True),
    sa.Column('daily_limit', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_expert_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_expert_profiles'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_id_created_at', ['user_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notifications_user_id_id', ['user_id', 'id'], unique=False)

    op.create_table('expert_tags',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_expert_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_expert_tags_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'tag_id', 'kind', name=op.f('pk_expert_tags'))
    )
    with op.batch_alter_table('expert_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('routing_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_routing_decisions_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_decisions')),
    sa.UniqueConstraint('question_id', name=op.f('uq_routing_decisions_question_id'))
    )
    op.create_table('routing_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('is_exploration', sa.Boolean(), nullable=False),
    sa.Column('notified_at', sa.DateTime(), nullable=True),
    sa.Column('declined_at', sa.DateTime(), nullable=True),
    sa.Column('decline_reason', sa.String(length=500), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('routed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['routing_decisions.id'], name=op.f('fk_routing_candidates_decision_id_routing_decisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['routed_by_id'], ['users.id'], name=op.f('fk_routing_candidates_routed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_routing_candidates_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_candidates')),
    sa.UniqueConstraint('decision_id', 'user_id', name=op.f('uq_routing_candidates_decision_id_user_id'))
    )
    with op.batch_alter_table('routing_candidates', schema=None) as batch_op:
        batch_op.create_index('ix_routing_candidates_user_id_state', ['user_id', 'state'], unique=False)



def downgrade():
    with op.batch_alter_table('routing_candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_routing_candidates_user_id_state')

    op.drop_table('routing_candidates')
    op.drop_table('routing_decisions')
    with op.batch_alter_table('expert_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_tags_tag_id'))

    op.drop_table('expert_tags')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id_id')
        batch_op.drop_index('ix_notifications_user_id_created_at')

    op.drop_table('notifications')
    op.drop_table('expert_profiles')
    op.drop_table('expertise_events')
