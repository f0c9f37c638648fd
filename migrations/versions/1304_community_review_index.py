"""community: a partial index on the posts waiting for moderation (active flags or hidden), so the
moderation queue reads those few rows instead of every post

Revision ID: 1304
Revises: 1301
Create Date: 2026-12-07 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1304'
down_revision = '1301'
branch_labels = None
depends_on = None

REVIEW = "active_flag_count > 0 OR hidden_at IS NOT NULL"


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index(
            'ix_posts_review', ['thread_id'], unique=False,
            sqlite_where=sa.text(REVIEW), postgresql_where=sa.text(REVIEW),
        )


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_review', sqlite_where=sa.text(REVIEW), postgresql_where=sa.text(REVIEW))
