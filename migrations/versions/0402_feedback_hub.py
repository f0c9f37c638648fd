"""feedback hub: items, votes, follows, messages, triage history

Revision ID: 0402
Revises: 0401
Create Date: 2026-12-08 00:30:13.762361

"""

from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = "0402"
down_revision = "0401"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feedback_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("vote_count", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("content_report_id", sa.Integer(), nullable=True),
        sa.Column("survey_response_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "category IN ('technical_problem', 'usage_suggestion', 'feature_request', 'content_error', 'course_request')",
            name=op.f("ck_feedback_items_category_known"),
        ),
        sa.CheckConstraint("priority IN ('P1', 'P2', 'P3', 'P4')", name=op.f("ck_feedback_items_priority_known")),
        sa.CheckConstraint("source IN ('hub', 'report', 'survey')", name=op.f("ck_feedback_items_source_known")),
        sa.CheckConstraint(
            "status IN ('new', 'triaged', 'planned', 'in_progress', 'done', 'declined', 'duplicate')",
            name=op.f("ck_feedback_items_status_known"),
        ),
        sa.CheckConstraint("duplicate_of_id <> id", name=op.f("ck_feedback_items_not_own_duplicate")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_feedback_items_course_id_courses"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["feedback_items.id"],
            name=op.f("fk_feedback_items_duplicate_of_id_feedback_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_feedback_items_item_id_items"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_feedback_items_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_feedback_items_reporter_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["survey_response_id"],
            ["survey_responses.id"],
            name=op.f("fk_feedback_items_survey_response_id_survey_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_feedback_items_workshop_id_workshops"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_items")),
        sa.UniqueConstraint("content_report_id", name=op.f("uq_feedback_items_content_report_id")),
        sa.UniqueConstraint("survey_response_id", name=op.f("uq_feedback_items_survey_response_id")),
    )
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_items_category_created", ["category", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_items_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_items_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_items_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index("ix_feedback_items_status_created", ["status", "created_at"], unique=False)

    op.create_table(
        "feedback_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old", sa.String(length=200), nullable=False),
        sa.Column("new", sa.String(length=200), nullable=False),
        sa.Column("at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_feedback_changes_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["feedback_items.id"],
            name=op.f("fk_feedback_changes_item_id_feedback_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_changes")),
    )
    with op.batch_alter_table("feedback_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_changes_item_id"), ["item_id"], unique=False)

    op.create_table(
        "feedback_follows",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["feedback_items.id"],
            name=op.f("fk_feedback_follows_item_id_feedback_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feedback_follows_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "user_id", name=op.f("pk_feedback_follows")),
    )
    with op.batch_alter_table("feedback_follows", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_follows_user", ["user_id"], unique=False)

    op.create_table(
        "feedback_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_feedback_messages_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["feedback_items.id"],
            name=op.f("fk_feedback_messages_item_id_feedback_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_messages")),
    )
    with op.batch_alter_table("feedback_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_messages_item_id"), ["item_id"], unique=False)

    op.create_table(
        "feedback_votes",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["feedback_items.id"],
            name=op.f("fk_feedback_votes_item_id_feedback_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feedback_votes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "user_id", name=op.f("pk_feedback_votes")),
    )
    with op.batch_alter_table("feedback_votes", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_votes_user", ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("feedback_votes", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_votes_user")

    op.drop_table("feedback_votes")
    with op.batch_alter_table("feedback_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_messages_item_id"))

    op.drop_table("feedback_messages")
    with op.batch_alter_table("feedback_follows", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_follows_user")

    op.drop_table("feedback_follows")
    with op.batch_alter_table("feedback_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_changes_item_id"))

    op.drop_table("feedback_changes")
    with op.batch_alter_table("feedback_items", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_items_status_created")
        batch_op.drop_index(batch_op.f("ix_feedback_items_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_items_owner_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_items_course_id"))
        batch_op.drop_index("ix_feedback_items_category_created")

    op.drop_table("feedback_items")
