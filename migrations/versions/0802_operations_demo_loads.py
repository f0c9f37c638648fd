"""operations: demo_loads, the marker of demo data loaded (flask demo cohort)

Revision ID: 0802
Revises: 0800
Create Date: 2026-12-07 15:10:00

"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = '0802'
down_revision = '0800'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('demo_loads',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('started_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_demo_loads')),
    )


def downgrade():
    op.drop_table('demo_loads')
