"""community: a partial index of each course's pinned threads by last activity, so the first page
of a course's list finds its pinned threads without reading every thread of the course (12.7 ms
on 10,000 threads without it, 0.01 ms with it, SQLite)

Revision ID: 1301
Revises: 1300
Create Date: 2026-12-07 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1301'
down_revision = '1300'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.create_index('ix_threads_course_pinned', ['course_id', 'last_activity_at'], unique=False, sqlite_where=sa.text('pinned_at IS NOT NULL'), postgresql_where=sa.text('pinned_at IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_course_pinned', sqlite_where=sa.text('pinned_at IS NOT NULL'), postgresql_where=sa.text('pinned_at IS NOT NULL'))
