"""feedback hub: move every item report (and its messages) into the hub, copy survey comments

Each content report becomes a private hub item with its times verbatim (created_at;
first_answered_at -> first_response_at; closed_at -> resolved_at), its reporter as follower,
its course and item link; the first message is the item's text, the others its messages.
kind: problem -> content_error, suggestion -> usage_suggestion. status: open without an answer
-> new, answered (or open again after an answer) -> triaged, closed -> done (empty outcome).
Each non-empty survey comment gets a private linked copy (survey_response_id), created at the
response's stored time; an anonymous one keeps no reporter and no follower. The old tables stay
(nothing is deleted); /feedback/reports/<id> redirects to the moved item.

Revision ID: 0404
Revises: 0403
Create Date: 2026-12-08 00:46:00

"""

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "0404"
down_revision = "0403"
branch_labels = None
depends_on = None

TITLE_CHARS = 120
CATEGORY = {"problem": "content_error", "suggestion": "usage_suggestion"}

reports = sa.table(
    "content_reports",
    sa.column("id", sa.Integer),
    sa.column("course_id", sa.Integer),
    sa.column("item_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
    sa.column("created_at", lms.db.UTCDateTime(timezone=True)),
    sa.column("first_answered_at", lms.db.UTCDateTime(timezone=True)),
    sa.column("closed_at", lms.db.UTCDateTime(timezone=True)),
)
report_messages = sa.table(
    "content_report_messages",
    sa.column("id", sa.Integer),
    sa.column("report_id", sa.Integer),
    sa.column("author_id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("created_at", lms.db.UTCDateTime(timezone=True)),
)
surveys = sa.table(
    "surveys", sa.column("id", sa.Integer), sa.column("course_id", sa.Integer), sa.column("workshop_id", sa.Integer)
)
responses = sa.table(
    "survey_responses",
    sa.column("id", sa.Integer),
    sa.column("survey_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("comment", sa.Text),
    sa.column("submitted_at", lms.db.UTCDateTime(timezone=True)),
    sa.column("replied_at", lms.db.UTCDateTime(timezone=True)),
)
items = sa.table(
    "feedback_items",
    sa.column("id", sa.Integer),
    sa.column("category", sa.String),
    sa.column("title", sa.String),
    sa.column("body", sa.Text),
    sa.column("course_id", sa.Integer),
    sa.column("item_id", sa.Integer),
    sa.column("workshop_id", sa.Integer),
    sa.column("reporter_id", sa.Integer),
    sa.column("anonymous", sa.Boolean),
    sa.column("public", sa.Boolean),
    sa.column("status", sa.String),
    sa.column("outcome", sa.Text),
    sa.column("vote_count", sa.Integer),
    sa.column("source", sa.String),
    sa.column("content_report_id", sa.Integer),
    sa.column("survey_response_id", sa.Integer),
    sa.column("created_at", lms.db.UTCDateTime(timezone=True)),
    sa.column("updated_at", lms.db.UTCDateTime(timezone=True)),
    sa.column("first_response_at", lms.db.UTCDateTime(timezone=True)),
    sa.column("resolved_at", lms.db.UTCDateTime(timezone=True)),
)
messages = sa.table(
    "feedback_messages",
    sa.column("item_id", sa.Integer),
    sa.column("author_id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("created_at", lms.db.UTCDateTime(timezone=True)),
)
follows = sa.table("feedback_follows", sa.column("item_id", sa.Integer), sa.column("user_id", sa.Integer))


def title_of(text: str) -> str:
    """The first line of the text, cut at TITLE_CHARS (the same rule as lms.feedback.hub.title_from)."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return (line[: TITLE_CHARS - 1] + "…") if len(line) > TITLE_CHARS else (line or "-")


def _status(report) -> str:
    if report.status == "closed":
        return "done"
    return "triaged" if report.first_answered_at is not None else "new"


def _add_item(conn, values: dict) -> int:
    return conn.execute(items.insert().values(**values).returning(items.c.id)).scalar_one()


def upgrade():
    conn = op.get_bind()
    moved = set(conn.scalars(sa.select(items.c.content_report_id).where(items.c.content_report_id.is_not(None))))
    for report in conn.execute(sa.select(reports).order_by(reports.c.id)).all():
        if report.id in moved:
            continue
        thread = conn.execute(
            sa.select(report_messages).where(report_messages.c.report_id == report.id).order_by(report_messages.c.id)
        ).all()
        first = thread[0].body if thread else ""
        item_id = _add_item(
            conn,
            {
                "category": CATEGORY.get(report.kind, "content_error"),
                "title": title_of(first),
                "body": first,
                "course_id": report.course_id,
                "item_id": report.item_id,
                "workshop_id": None,
                "reporter_id": report.user_id,
                "anonymous": False,
                "public": False,
                "status": _status(report),
                "outcome": "",
                "vote_count": 0,
                "source": "report",
                "content_report_id": report.id,
                "survey_response_id": None,
                "created_at": report.created_at,
                "updated_at": report.closed_at or report.first_answered_at or report.created_at,
                "first_response_at": report.first_answered_at,
                "resolved_at": report.closed_at if report.status == "closed" else None,
            },
        )
        rest = [
            {"item_id": item_id, "author_id": m.author_id, "body": m.body, "created_at": m.created_at}
            for m in thread[1:]
        ]
        if rest:
            conn.execute(messages.insert(), rest)
        conn.execute(follows.insert().values(item_id=item_id, user_id=report.user_id))

    copied = set(conn.scalars(sa.select(items.c.survey_response_id).where(items.c.survey_response_id.is_not(None))))
    rows = conn.execute(
        sa.select(responses, surveys.c.course_id, surveys.c.workshop_id)
        .join(surveys, surveys.c.id == responses.c.survey_id)
        .where(responses.c.comment != "")
        .order_by(responses.c.id)
    ).all()
    for row in rows:
        if row.id in copied or not row.comment.strip():
            continue
        item_id = _add_item(
            conn,
            {
                "category": "usage_suggestion",
                "title": title_of(row.comment),
                "body": row.comment,
                "course_id": row.course_id,
                "item_id": None,
                "workshop_id": row.workshop_id,
                "reporter_id": row.user_id,
                "anonymous": row.user_id is None,
                "public": False,
                "status": "new",
                "outcome": "",
                "vote_count": 0,
                "source": "survey",
                "content_report_id": None,
                "survey_response_id": row.id,
                "created_at": row.submitted_at,
                "updated_at": row.replied_at or row.submitted_at,
                "first_response_at": row.replied_at,
                "resolved_at": None,
            },
        )
        if row.user_id is not None:
            conn.execute(follows.insert().values(item_id=item_id, user_id=row.user_id))


def downgrade():
    """The old tables were never emptied: forget the moved items and the copies (their rows are
    still in content_reports and survey_responses); items filed in the hub stay."""
    conn = op.get_bind()
    linked = sa.select(items.c.id).where(
        sa.or_(items.c.content_report_id.is_not(None), items.c.survey_response_id.is_not(None))
    )
    for name in ("feedback_messages", "feedback_follows", "feedback_votes", "feedback_changes"):
        conn.execute(sa.table(name, sa.column("item_id", sa.Integer)).delete().where(sa.column("item_id").in_(linked)))
    conn.execute(items.delete().where(items.c.id.in_(linked.scalar_subquery())))
