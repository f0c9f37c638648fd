"""assignments: the graded notebook kept with its grade, nbgrader's feedback page rendered on first view

Revision ID: 0102
Revises: 0101
Create Date: 2026-12-07 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0102'
down_revision = '0101'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grades', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_notebook', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('grades', schema=None) as batch_op:
        batch_op.drop_column('feedback_notebook')
