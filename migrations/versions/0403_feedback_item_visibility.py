"""feedback hub: an item's visibility (public to signed-in people, or reporter and staff only)

Revision ID: 0403
Revises: 0402
Create Date: 2026-12-08 00:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0403"
down_revision = "0402"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.drop_column("public")
