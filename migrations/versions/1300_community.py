"""community: threads and posts beside the content, votes, follows, flags, FAQ entries, members'
code-of-conduct and suspension standing, the moderation log; a course's answer SLA and flag
threshold (courses.community_*), and a learner leaving a course (enrollments.left_at)

Revision ID: 1300
Revises: 0001
Create Date: 2026-12-07 21:10:00

"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = '1300'
down_revision = '0001'
branch_labels = ('community',)
depends_on = None


def upgrade():
    op.create_table('community_members',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('conduct_version', sa.String(length=20), nullable=True),
    sa.Column('conduct_accepted_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspended_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspended_by_id', sa.Integer(), nullable=True),
    sa.Column('suspension_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['suspended_by_id'], ['users.id'], name=op.f('fk_community_members_suspended_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_community_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_community_members'))
    )
    op.create_table('threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('module_slug', sa.String(length=100), nullable=True),
    sa.Column('item_slug', sa.String(length=100), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('item_sha256', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reply_count', sa.Integer(), nullable=False),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('first_reply_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_staff_answer_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_post_id', sa.Integer(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sla_notified_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('pinned_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('question', 'discussion')", name=op.f('ck_threads_kind_known')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_threads_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['accepted_post_id'], ['posts.id'], name='fk_threads_accepted_post_id_posts', ondelete='SET NULL', use_alter=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_threads_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_threads_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['threads.id'], name=op.f('fk_threads_duplicate_of_id_threads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_threads_item_id_items'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_threads'))
    )
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.create_index('ix_threads_author', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_threads_course_activity', ['course_id', 'last_activity_at'], unique=False)
        batch_op.create_index('ix_threads_course_unanswered', ['course_id', 'first_reply_at', 'created_at'], unique=False)
        batch_op.create_index('ix_threads_item_activity', ['item_id', 'last_activity_at'], unique=False)

    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('by_staff', sa.Boolean(), nullable=False),
    sa.Column('staff_marked_by_id', sa.Integer(), nullable=True),
    sa.Column('staff_marked_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('active_flag_count', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('edited_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_posts_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_posts_deleted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_marked_by_id'], ['users.id'], name=op.f('fk_posts_staff_marked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_posts_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_author', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_posts_thread_position', ['thread_id', 'position'], unique=True)
    if op.get_bind().dialect.name == 'postgresql':  # SQLite wrote it inline with the table; PostgreSQL needs posts first
        op.create_foreign_key('fk_threads_accepted_post_id_posts', 'threads', 'posts', ['accepted_post_id'], ['id'], ondelete='SET NULL')

    op.create_table('thread_follows',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_thread_follows_thread_id_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_thread_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', 'user_id', name=op.f('pk_thread_follows'))
    )
    with op.batch_alter_table('thread_follows', schema=None) as batch_op:
        batch_op.create_index('ix_thread_follows_user', ['user_id', 'thread_id'], unique=False)

    op.create_table('thread_tags',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_thread_tags_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', 'tag', name=op.f('pk_thread_tags'))
    )
    with op.batch_alter_table('thread_tags', schema=None) as batch_op:
        batch_op.create_index('ix_thread_tags_tag', ['tag', 'thread_id'], unique=False)

    op.create_table('faq_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('item_slug', sa.String(length=100), nullable=True),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answer_html', sa.Text(), nullable=False),
    sa.Column('source_post_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_faq_entries_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_faq_entries_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_post_id'], ['posts.id'], name=op.f('fk_faq_entries_source_post_id_posts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entries'))
    )
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.create_index('ix_faq_entries_course_item', ['course_id', 'item_slug', 'position'], unique=False)

    op.create_table('moderation_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('hide', 'unhide', 'delete', 'lock', 'unlock', 'pin', 'unpin', 'dismiss_flags', 'suspend', 'unsuspend', 'accept_for_asker', 'mark_duplicate')", name=op.f('ck_moderation_log_action_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_moderation_log_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_moderation_log_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_moderation_log_post_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_moderation_log_target_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_moderation_log_thread_id_threads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_log'))
    )
    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_log_course', ['course_id', 'created_at'], unique=False)

    op.create_table('post_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("reason IN ('spam', 'abuse', 'off_topic', 'other')", name=op.f('ck_post_flags_reason_known')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_flags_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_post_flags_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_post_flags_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_flags'))
    )
    with op.batch_alter_table('post_flags', schema=None) as batch_op:
        batch_op.create_index('ix_post_flags_user', ['user_id', 'created_at'], unique=False)
        batch_op.create_index('uq_post_flags_active', ['post_id', 'user_id'], unique=True, sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))

    op.create_table('post_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('replaced_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_post_revisions_editor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_revisions_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_revisions'))
    )
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_post_revisions_post', ['post_id', 'id'], unique=False)

    op.create_table('post_votes',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_votes_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_post_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_post_votes'))
    )
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('community_sla_hours', sa.Integer(), server_default='24', nullable=False))
        batch_op.add_column(sa.Column('community_flag_threshold', sa.Integer(), server_default='3', nullable=False))

    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', lms.db.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('left_at')

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('community_flag_threshold')
        batch_op.drop_column('community_sla_hours')

    op.drop_table('post_votes')
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_post_revisions_post')

    op.drop_table('post_revisions')
    with op.batch_alter_table('post_flags', schema=None) as batch_op:
        batch_op.drop_index('uq_post_flags_active', sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))
        batch_op.drop_index('ix_post_flags_user')

    op.drop_table('post_flags')
    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_log_course')

    op.drop_table('moderation_log')
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_faq_entries_course_item')

    op.drop_table('faq_entries')
    with op.batch_alter_table('thread_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_thread_tags_tag')

    op.drop_table('thread_tags')
    with op.batch_alter_table('thread_follows', schema=None) as batch_op:
        batch_op.drop_index('ix_thread_follows_user')

    op.drop_table('thread_follows')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_thread_position')
        batch_op.drop_index('ix_posts_author')

    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('fk_threads_accepted_post_id_posts', 'threads', type_='foreignkey')
    op.drop_table('posts')
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_item_activity')
        batch_op.drop_index('ix_threads_course_unanswered')
        batch_op.drop_index('ix_threads_course_activity')
        batch_op.drop_index('ix_threads_author')

    op.drop_table('threads')
    op.drop_table('community_members')
