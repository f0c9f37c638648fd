"""workshops: workshops, sessions, registrations, calendar feeds

Revision ID: 0300
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = "0300"
down_revision = "0001"
branch_labels = ("workshops",)
depends_on = None


def upgrade():
    op.create_table(
        "workshop_calendar_feeds",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_workshop_calendar_feeds_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_workshop_calendar_feeds")),
    )
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("survey", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("source IN ('file', 'ui')", name=op.f("ck_workshops_source_known")),
        sa.CheckConstraint("tier IN ('beginner', 'intermediate', 'advanced')", name=op.f("ck_workshops_tier_known")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_workshops_course_id_courses"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshops")),
        sa.UniqueConstraint("slug", name=op.f("uq_workshops_slug")),
    )
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshops_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshops_tier"), ["tier"], unique=False)

    op.create_table(
        "workshop_instructors",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_instructors_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workshop_id", "email", name=op.f("pk_workshop_instructors")),
    )
    with op.batch_alter_table("workshop_instructors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_instructors_email"), ["email"], unique=False)

    op.create_table(
        "workshop_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("registration_deadline", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_count", sa.Integer(), nullable=False),
        sa.Column("archived_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_workshop_sessions_capacity_positive")),
        sa.CheckConstraint("confirmed_count >= 0", name=op.f("ck_workshop_sessions_count_not_negative")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_workshop_sessions_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_sessions_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_sessions")),
        sa.UniqueConstraint("workshop_id", "key", name=op.f("uq_workshop_sessions_workshop_id")),
    )
    with op.batch_alter_table("workshop_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_sessions_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_sessions_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "workshop_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("registered_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("queued_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("promoted_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attended_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attended_event_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('confirmed', 'waitlisted', 'cancelled')", name=op.f("ck_workshop_registrations_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["attended_event_id"],
            ["learning_events.id"],
            name=op.f("fk_workshop_registrations_attended_event_id_learning_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["workshop_sessions.id"],
            name=op.f("fk_workshop_registrations_session_id_workshop_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_workshop_registrations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_registrations")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f("uq_workshop_registrations_session_id")),
    )
    with op.batch_alter_table("workshop_registrations", schema=None) as batch_op:
        batch_op.create_index("ix_workshop_registrations_line", ["session_id", "status", "queued_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_registrations_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("workshop_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_registrations_user_id"))
        batch_op.drop_index("ix_workshop_registrations_line")

    op.drop_table("workshop_registrations")
    with op.batch_alter_table("workshop_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_sessions_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_workshop_sessions_starts_at"))

    op.drop_table("workshop_sessions")
    with op.batch_alter_table("workshop_instructors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_instructors_email"))

    op.drop_table("workshop_instructors")
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshops_tier"))
        batch_op.drop_index(batch_op.f("ix_workshops_course_id"))

    op.drop_table("workshops")
    op.drop_table("workshop_calendar_feeds")
