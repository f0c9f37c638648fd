"""reports read model: started and exam_pending, for the four-state status

Revision ID: 0603
Revises: 0601
Create Date: 2026-12-07 16:00:00

Filled by `flask reports recompute` (rows keep false until then, as before this revision).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0603"
down_revision = "0601"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("exam_pending", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("report_progress", schema=None) as batch_op:
        batch_op.drop_column("exam_pending")
        batch_op.drop_column("started")
