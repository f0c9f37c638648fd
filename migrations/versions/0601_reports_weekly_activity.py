"""reports weekly activity read model

Revision ID: 0601
Revises: 0600
Create Date: 2026-11-30 23:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0601'
down_revision = '0600'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_activity',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_report_activity_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'week_start', name=op.f('pk_report_activity'))
    )


def downgrade():
    op.drop_table('report_activity')
