"""assignments: the instructor's comment and signed points adjustment on a submission's grade, and their audit kinds

Revision ID: 0103
Revises: 0102
Create Date: 2026-12-07 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0103'
down_revision = '0102'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('manual_mark', 'comment', 'extension_granted', 'regrade', 'regrade_result')"
NEW_KINDS = (
    "kind IN ('manual_mark', 'comment', 'adjustment', 'general_comment', 'extension_granted', 'regrade', "
    "'regrade_result')"
)


def upgrade():
    with op.batch_alter_table('grades', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adjustment', sa.Double(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('comment', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('grade_changes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_grade_changes_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', NEW_KINDS)


def downgrade():
    with op.batch_alter_table('grade_changes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_grade_changes_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', OLD_KINDS)
    with op.batch_alter_table('grades', schema=None) as batch_op:
        batch_op.drop_column('comment')
        batch_op.drop_column('adjustment')
