"""operations: periodic_runs, the slot of a periodic task each run claimed (once across workers)

Revision ID: 0803
Revises: 0802
Create Date: 2026-12-07 18:10:00

"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = '0803'
down_revision = '0802'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('periodic_runs',
    sa.Column('task', sa.String(length=200), nullable=False),
    sa.Column('slot', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('task', 'slot', name=op.f('pk_periodic_runs')),
    )
    with op.batch_alter_table('periodic_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_periodic_runs_slot'), ['slot'], unique=False)


def downgrade():
    with op.batch_alter_table('periodic_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_periodic_runs_slot'))

    op.drop_table('periodic_runs')
