"""content: each item's content hash (items.content_sha256), filled by the next sync

The hash needs the course files (a notebook's release, a quiz's parsed YAML), which a migration
does not read: this revision clears every course's fingerprint instead, so the next `flask courses
sync` (or `make run` start) reloads every course and stores every live item's hash. Items
archived before it keep NULL: their files are gone.

Revision ID: 1200
Revises: 0001
Create Date: 2026-12-07 20:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "1200"
down_revision = "0001"
branch_labels = ("content",)
depends_on = None


def upgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_sha256", sa.String(length=64), nullable=True))
    op.execute("UPDATE courses SET content_hash = ''")


def downgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("content_sha256")
