"""developers: audiences of courses and workshops (public, signed_in, or limited to segments/teams)

Every existing course and workshop stays public. Segment and team names are stored as written
(a segment may be made in the UI after the content that names it).

Revision ID: 1403
Revises: 1400
Create Date: 2026-12-08 00:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "1403"
down_revision = "1400"
branch_labels = None
depends_on = ("0300",)  # the workshops table

KNOWN = "audience IN ('public', 'signed_in', 'limited')"


def upgrade():
    for table in ("courses", "workshops"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("audience", sa.String(length=20), server_default="public", nullable=False))
            batch_op.add_column(sa.Column("audience_segments", sa.JSON(), server_default="[]", nullable=False))
            batch_op.add_column(sa.Column("audience_teams", sa.JSON(), server_default="[]", nullable=False))
            batch_op.create_check_constraint("audience_known", KNOWN)


def downgrade():
    for table in ("courses", "workshops"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_audience_known"), type_="check")
            batch_op.drop_column("audience_teams")
            batch_op.drop_column("audience_segments")
            batch_op.drop_column("audience")
