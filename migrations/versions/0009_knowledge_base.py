"""knowledge base: articles and their versions, categories (a tree), sources and credits, the
transition log, helpful feedback, flags, reuse links and daily views (issue 9, app/kb)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 16:54:05

kb_articles and kb_article_versions reference each other (an article's published and current
versions; a version's article): the two foreign keys from articles to versions are added
once both tables exist, and dropped first on the way down.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('owner_team_id', sa.Integer(), nullable=True),
    sa.Column('default_audience', sa.String(length=10), nullable=False),
    sa.Column('review_days', sa.Integer(), nullable=False),
    sa.Column('public_count', sa.Integer(), nullable=False),
    sa.Column('internal_count', sa.Integer(), nullable=False),
    sa.Column('total_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("default_audience IN ('public', 'internal', 'team')", name=op.f('ck_kb_categories_audience')),
    sa.CheckConstraint('review_days BETWEEN 1 AND 3650', name=op.f('ck_kb_categories_review_days')),
    sa.ForeignKeyConstraint(['owner_team_id'], ['teams.id'], name=op.f('fk_kb_categories_owner_team_id_teams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['kb_categories.id'], name=op.f('fk_kb_categories_parent_id_kb_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_categories'))
    )
    with op.batch_alter_table('kb_categories', schema=None) as batch_op:
        batch_op.create_index('ix_kb_categories_parent_position', ['parent_id', 'position'], unique=False)

    op.create_table('kb_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('owner_team_id', sa.Integer(), nullable=True),
    sa.Column('primary_category_id', sa.Integer(), nullable=True),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('published_version_id', sa.Integer(), nullable=True),
    sa.Column('review_by', sa.Date(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('review_reason', sa.String(length=20), nullable=True),
    sa.Column('first_published_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('reuse_count', sa.Integer(), nullable=False),
    sa.Column('helpful_count', sa.Integer(), nullable=False),
    sa.Column('unhelpful_count', sa.Integer(), nullable=False),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('popularity', sa.Integer(), nullable=False),
    sa.Column('source_url', sa.String(length=300), nullable=True),
    sa.Column('source_author', sa.String(length=100), nullable=True),
    sa.Column('license', sa.String(length=40), nullable=True),
    sa.CheckConstraint("audience <> 'team' OR team_id IS NOT NULL", name=op.f('ck_kb_articles_team_audience')),
    sa.CheckConstraint("audience IN ('public', 'internal', 'team')", name=op.f('ck_kb_articles_audience')),
    sa.CheckConstraint("status IN ('draft', 'review', 'published', 'needs_review', 'archived')", name=op.f('ck_kb_articles_status')),
    sa.CheckConstraint('owner_user_id IS NULL OR owner_team_id IS NULL', name=op.f('ck_kb_articles_one_owner')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_kb_articles_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_team_id'], ['teams.id'], name=op.f('fk_kb_articles_owner_team_id_teams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_kb_articles_owner_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['primary_category_id'], ['kb_categories.id'], name=op.f('fk_kb_articles_primary_category_id_kb_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_kb_articles_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles'))
    )
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_articles_owner_team_id'), ['owner_team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_index('ix_kb_articles_popularity', ['popularity'], unique=False)
        batch_op.create_index('ix_kb_articles_published_at', ['published_at'], unique=False)
        batch_op.create_index('ix_kb_articles_status_review_by', ['status', 'review_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_team_id'), ['team_id'], unique=False)

    op.create_table('kb_article_categories',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_categories_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['kb_categories.id'], name=op.f('fk_kb_article_categories_category_id_kb_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'category_id', name=op.f('pk_kb_article_categories'))
    )
    with op.batch_alter_table('kb_article_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_categories_category_id'), ['category_id'], unique=False)

    op.create_table('kb_article_credits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_credits_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kb_article_credits_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_credits')),
    sa.UniqueConstraint('article_id', 'user_id', 'role', name=op.f('uq_kb_article_credits_article_id_user_id_role'))
    )
    with op.batch_alter_table('kb_article_credits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_credits_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_article_credits_user_id'), ['user_id'], unique=False)

    op.create_table('kb_article_daily_views',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_daily_views_article_id_kb_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'day', name=op.f('pk_kb_article_daily_views'))
    )
    with op.batch_alter_table('kb_article_daily_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_daily_views_day'), ['day'], unique=False)

    op.create_table('kb_article_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('visitor_key', sa.String(length=64), nullable=True),
    sa.Column('address_key', sa.String(length=64), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_feedback_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kb_article_feedback_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_feedback')),
    sa.UniqueConstraint('article_id', 'user_id', name=op.f('uq_kb_article_feedback_article_id_user_id')),
    sa.UniqueConstraint('article_id', 'visitor_key', 'day', name=op.f('uq_kb_article_feedback_article_id_visitor_key_day'))
    )
    with op.batch_alter_table('kb_article_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_feedback_article_id'), ['article_id'], unique=False)
        batch_op.create_index('ix_kb_article_feedback_created', ['created_at'], unique=False)

    op.create_table('kb_article_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=12), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_flags_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_kb_article_flags_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_kb_article_flags_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_flags'))
    )
    with op.batch_alter_table('kb_article_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_flags_article_id'), ['article_id'], unique=False)

    op.create_table('kb_article_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('question_url', sa.String(length=300), nullable=True),
    sa.Column('source_url', sa.String(length=300), nullable=True),
    sa.Column('source_author', sa.String(length=100), nullable=True),
    sa.Column('license', sa.String(length=40), nullable=True),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_kb_article_sources_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_kb_article_sources_answer_id_answers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_sources_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_kb_article_sources_question_id_questions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_sources')),
    sa.UniqueConstraint('answer_id', name=op.f('uq_kb_article_sources_answer_id'))
    )
    with op.batch_alter_table('kb_article_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_sources_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_article_sources_question_id'), ['question_id'], unique=False)

    op.create_table('kb_article_tags',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_tags_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_kb_article_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'tag_id', name=op.f('pk_kb_article_tags'))
    )
    with op.batch_alter_table('kb_article_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('kb_article_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_transitions_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_kb_article_transitions_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_transitions'))
    )
    with op.batch_alter_table('kb_article_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_transitions_article_id'), ['article_id'], unique=False)

    op.create_table('kb_article_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('issue_md', sa.Text(), nullable=False),
    sa.Column('issue_html', sa.Text(), nullable=False),
    sa.Column('environment_md', sa.Text(), nullable=False),
    sa.Column('environment_html', sa.Text(), nullable=False),
    sa.Column('resolution_md', sa.Text(), nullable=False),
    sa.Column('resolution_html', sa.Text(), nullable=False),
    sa.Column('cause_md', sa.Text(), nullable=False),
    sa.Column('cause_html', sa.Text(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_versions_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_kb_article_versions_editor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_versions')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_kb_article_versions_article_id_number'))
    )
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_kb_articles_current_version_id_kb_article_versions'),
                                    'kb_article_versions', ['current_version_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_kb_articles_published_version_id_kb_article_versions'),
                                    'kb_article_versions', ['published_version_id'], ['id'], ondelete='SET NULL')
    op.create_table('kb_reuse_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_reuse_links_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_kb_reuse_links_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_kb_reuse_links_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_reuse_links')),
    sa.UniqueConstraint('article_id', 'question_id', name=op.f('uq_kb_reuse_links_article_id_question_id'))
    )
    with op.batch_alter_table('kb_reuse_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_reuse_links_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_reuse_links_question_id'), ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_kb_articles_published_version_id_kb_article_versions'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_kb_articles_current_version_id_kb_article_versions'),
                                 type_='foreignkey')
    with op.batch_alter_table('kb_reuse_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_reuse_links_question_id'))
        batch_op.drop_index(batch_op.f('ix_kb_reuse_links_article_id'))

    op.drop_table('kb_reuse_links')
    op.drop_table('kb_article_versions')
    with op.batch_alter_table('kb_article_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_transitions_article_id'))

    op.drop_table('kb_article_transitions')
    with op.batch_alter_table('kb_article_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_tags_tag_id'))

    op.drop_table('kb_article_tags')
    with op.batch_alter_table('kb_article_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_sources_question_id'))
        batch_op.drop_index(batch_op.f('ix_kb_article_sources_article_id'))

    op.drop_table('kb_article_sources')
    with op.batch_alter_table('kb_article_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_flags_article_id'))

    op.drop_table('kb_article_flags')
    with op.batch_alter_table('kb_article_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_article_feedback_created')
        batch_op.drop_index(batch_op.f('ix_kb_article_feedback_article_id'))

    op.drop_table('kb_article_feedback')
    with op.batch_alter_table('kb_article_daily_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_daily_views_day'))

    op.drop_table('kb_article_daily_views')
    with op.batch_alter_table('kb_article_credits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_credits_user_id'))
        batch_op.drop_index(batch_op.f('ix_kb_article_credits_article_id'))

    op.drop_table('kb_article_credits')
    with op.batch_alter_table('kb_article_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_categories_category_id'))

    op.drop_table('kb_article_categories')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_articles_team_id'))
        batch_op.drop_index('ix_kb_articles_status_review_by')
        batch_op.drop_index('ix_kb_articles_published_at')
        batch_op.drop_index('ix_kb_articles_popularity')
        batch_op.drop_index(batch_op.f('ix_kb_articles_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_kb_articles_owner_team_id'))

    op.drop_table('kb_articles')
    with op.batch_alter_table('kb_categories', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_categories_parent_position')

    op.drop_table('kb_categories')
