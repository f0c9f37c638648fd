"""feedback: a course's survey spec stored at sync (courses.survey)

Revision ID: 0401
Revises: 0400
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0401"
down_revision = "0400"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("survey", sa.JSON(), nullable=True))
    # Surveys no longer read course.yml: the next sync (`flask platform init` runs it right after
    # migrating) must store every course's survey, so no course may count as unchanged.
    op.execute("UPDATE courses SET content_hash = ''")


def downgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("survey")
