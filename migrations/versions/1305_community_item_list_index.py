"""community: an index of a course's threads by item slug and last activity, for the course's list
filtered by lesson; without it SQLite walks the whole course by activity until it has a page (2.4 ms
for a quiet lesson among 3,181 threads, growing with the course; 0.016 ms with it: bench/community.py)

Revision ID: 1305
Revises: 1304
Create Date: 2026-12-07 22:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '1305'
down_revision = '1304'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.create_index('ix_threads_course_item_activity', ['course_id', 'item_slug', 'last_activity_at'], unique=False)


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_course_item_activity')
