"""notifications: one row per event and recipient, and its e-mail's outbox state

Revision ID: 0900
Revises: 0001
Create Date: 2026-12-07 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = '0900'
down_revision = '0001'
branch_labels = ('notifications',)
depends_on = None


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.JSON(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('email_state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("email_state IN ('pending', 'sent', 'failed', 'skipped')", name=op.f('ck_notifications_email_state_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'kind', 'key', name='uq_notifications_event'),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_inbox', ['user_id', 'read_at', 'created_at'], unique=False)
        batch_op.create_index('ix_notifications_mail_due', ['email_state', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_mail_due')
        batch_op.drop_index('ix_notifications_inbox')

    op.drop_table('notifications')
