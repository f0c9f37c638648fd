"""notifications: per-kind preferences, the daily digest, and the e-mail state held for it

Revision ID: 0901
Revises: 0900
Create Date: 2026-12-07 18:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = '0901'
down_revision = '0900'
branch_labels = None
depends_on = None

OLD_STATES = "email_state IN ('pending', 'sent', 'failed', 'skipped')"
NEW_STATES = "email_state IN ('pending', 'sent', 'failed', 'skipped', 'digest')"


def upgrade():
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('updated_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("delivery IN ('email', 'digest', 'in_app', 'off')", name=op.f('ck_notification_preferences_delivery_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences')),
    )
    op.create_table('notification_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'sent', 'failed', 'skipped')", name=op.f('ck_notification_digests_state_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_digests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_digests')),
    sa.UniqueConstraint('user_id', 'day', name='uq_notification_digests_day'),
    )
    with op.batch_alter_table('notification_digests', schema=None) as batch_op:
        batch_op.create_index('ix_notification_digests_due', ['state', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_digest_id_notification_digests'), 'notification_digests', ['digest_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint(batch_op.f('ck_notifications_email_state_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_email_state_known'), sa.text(NEW_STATES))


def downgrade():
    op.execute("UPDATE notifications SET email_state = 'pending' WHERE email_state = 'digest'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_email_state_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_email_state_known'), sa.text(OLD_STATES))
        batch_op.drop_constraint(batch_op.f('fk_notifications_digest_id_notification_digests'), type_='foreignkey')
        batch_op.drop_column('digest_id')

    with op.batch_alter_table('notification_digests', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_digests_due')

    op.drop_table('notification_digests')
    op.drop_table('notification_preferences')
