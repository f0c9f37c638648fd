"""programme: covering indexes on feedback_items and workshop_registrations by time

Revision ID: 1502
Revises: 1501
Create Date: 2026-12-08 02:05:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "1502"
down_revision = "1501"
branch_labels = None
depends_on = ("0402",)  # feedback_items (branch feedback)


def upgrade():
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_items_programme",
            ["created_at", "category", "reporter_id", "first_response_at", "resolved_at"],
            unique=False,
        )
    with op.batch_alter_table("workshop_registrations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_workshop_registrations_programme", ["registered_at", "user_id", "attended_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("workshop_registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_workshop_registrations_programme")
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_items_programme")
