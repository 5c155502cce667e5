"""bounties, vote origins and fraud cases (issue 11)

Revision ID: 0016
Revises: 0012

New tables only, nothing to backfill: no bounty existed, and votes cast before this revision
have no recorded origin (the fraud scan's repeated-vote check works from the ledger alone, so
it covers them; the shared-origin check starts with the first vote after the upgrade).
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bounties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('offerer_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('open_question_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('awarded_to_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_bounties_answer_id_answers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['awarded_to_id'], ['users.id'], name=op.f('fk_bounties_awarded_to_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offerer_id'], ['users.id'], name=op.f('fk_bounties_offerer_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_bounties_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bounties')),
    sa.UniqueConstraint('open_question_id', name=op.f('uq_bounties_open_question_id'))
    )
    with op.batch_alter_table('bounties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bounties_question_id'), ['question_id'], unique=False)
        batch_op.create_index('ix_bounties_status_expires_at', ['status', 'expires_at'], unique=False)

    op.create_table('vote_origins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.SmallInteger(), nullable=False),
    sa.Column('ip_hash', sa.String(length=64), nullable=True),
    sa.Column('device_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['users.id'], name=op.f('fk_vote_origins_target_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['voter_id'], ['users.id'], name=op.f('fk_vote_origins_voter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_origins'))
    )
    with op.batch_alter_table('vote_origins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_origins_device_hash'), ['device_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_origins_ip_hash'), ['ip_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_origins_target_id'), ['target_id'], unique=False)
        batch_op.create_index('ix_vote_origins_voter_created', ['voter_id', 'created_at'], unique=False)

    op.create_table('fraud_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('entry_ids', sa.JSON(), nullable=False),
    sa.Column('reversed_ids', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_fraud_cases_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_id'], ['users.id'], name=op.f('fk_fraud_cases_target_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['users.id'], name=op.f('fk_fraud_cases_voter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_cases')),
    sa.UniqueConstraint('kind', 'voter_id', 'target_id', name='uq_fraud_cases_pair')
    )
    with op.batch_alter_table('fraud_cases', schema=None) as batch_op:
        batch_op.create_index('ix_fraud_cases_status', ['status'], unique=False)


def downgrade():
    op.drop_table('fraud_cases')
    with op.batch_alter_table('vote_origins', schema=None) as batch_op:
        batch_op.drop_index('ix_vote_origins_voter_created')
        batch_op.drop_index(batch_op.f('ix_vote_origins_target_id'))
        batch_op.drop_index(batch_op.f('ix_vote_origins_ip_hash'))
        batch_op.drop_index(batch_op.f('ix_vote_origins_device_hash'))
    op.drop_table('vote_origins')
    with op.batch_alter_table('bounties', schema=None) as batch_op:
        batch_op.drop_index('ix_bounties_status_expires_at')
        batch_op.drop_index(batch_op.f('ix_bounties_question_id'))
    op.drop_table('bounties')
