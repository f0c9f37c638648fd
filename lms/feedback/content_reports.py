"""Reports on content: a learner flags a lesson, quiz or assignment; the course's instructors answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.models import Course, CourseInstructor, Item
from lms.db import utcnow
from lms.extensions import db
from lms.feedback.models import REPORT_KINDS, ContentReport, ContentReportMessage
from lms.feedback.surveys import FeedbackError
from lms.notifications.models import NotificationKind
from lms.notifications.services import notify
from lms.teaching.services import teaches


def create_report(user: User, item: Item, kind: str, body: str) -> ContentReport:
    """File a report on an item; it lands in the inbox of the course's instructors."""
    body = body.strip()
    if kind not in REPORT_KINDS:
        raise FeedbackError(_l("Choose whether this is a problem or a suggestion."))
    if len(body) < 5:
        raise FeedbackError(_l("Describe the problem or suggestion in a few words."))
    report = ContentReport(course_id=item.course_id, item_id=item.id, user_id=user.id, kind=kind, status="open")
    report.messages.append(ContentReportMessage(author_id=user.id, body=body[:4000]))
    db.session.add(report)
    db.session.flush()
    return report


def visible_report(user: User, report_id: int) -> ContentReport | None:
    """The report if this user filed it or teaches its course; None otherwise (shown as 404)."""
    report = db.session.get(ContentReport, report_id)
    if report is None or not (report.user_id == user.id or teaches(user, report.course_id)):
        return None
    return report


def add_message(report: ContentReport, author: User, body: str) -> None:
    """Append to the thread; an instructor's first answer stamps the time to first answer."""
    body = body.strip()
    if not body:
        raise FeedbackError(_l("Write a message first."))
    if report.status == "closed":
        raise FeedbackError(_l("This report is closed."))
    message = ContentReportMessage(author_id=author.id, body=body[:4000])
    report.messages.append(message)
    if author.id != report.user_id:
        report.status = "answered"
        report.first_answered_at = report.first_answered_at or utcnow()
    else:
        report.status = "open"
    db.session.flush()
    if author.id != report.user_id:
        _tell_reporter(report, message, author)


def _tell_reporter(report: ContentReport, message: ContentReportMessage, author: User) -> None:
    """The learner who filed the report hears of each answer (keyed by the message: one per answer)."""
    item = db.session.get_one(Item, report.item_id)
    subject = {"title": item.title, "url": f"/feedback/reports/{report.id}", "report_id": report.id}
    context = {"about": item.title, "by": author.display_name, "reply": message.body[:1000]}
    context["replied_at"] = message.created_at.isoformat()
    reporter = db.session.get_one(User, report.user_id)
    notify(reporter, NotificationKind.FEEDBACK_REPLY, subject, context, key=f"report-message:{message.id}")


def close_report(report: ContentReport) -> None:
    """Close a report (the learner or an instructor is done with it)."""
    report.status, report.closed_at = "closed", utcnow()
    db.session.flush()


def inbox(user: User, status: str | None = None) -> list[tuple[ContentReport, Course, Item, User]]:
    """Reports on the courses this user teaches, open first then newest."""
    stmt = (
        select(ContentReport, Course, Item, User)
        .join(Course, Course.id == ContentReport.course_id)
        .join(Item, Item.id == ContentReport.item_id)
        .join(User, User.id == ContentReport.user_id)
        .order_by(ContentReport.status != "open", ContentReport.id.desc())
    )
    if user.role != "admin":
        stmt = stmt.join(CourseInstructor, CourseInstructor.course_id == Course.id).where(
            CourseInstructor.email == user.email
        )
    if status in ("open", "answered", "closed"):
        stmt = stmt.where(ContentReport.status == status)
    return [tuple(row) for row in db.session.execute(stmt).all()]


def my_reports(user: User) -> list[tuple[ContentReport, Item]]:
    """The learner's own reports, newest first."""
    rows = db.session.execute(
        select(ContentReport, Item)
        .join(Item, Item.id == ContentReport.item_id)
        .where(ContentReport.user_id == user.id)
        .order_by(ContentReport.id.desc())
    )
    return [tuple(row) for row in rows.all()]


@dataclass(frozen=True)
class ResponseTime:
    answered: int
    waiting: int
    median: timedelta | None

    @property
    def median_hours(self) -> float | None:
        return round(self.median.total_seconds() / 3600, 1) if self.median is not None else None


def response_time(rows: list[tuple[ContentReport, Course, Item, User]]) -> ResponseTime:
    """Median time to first answer over answered reports, and how many still wait."""
    waits = [r.first_answered_at - r.created_at for r, *_ in rows if r.first_answered_at]
    waiting = sum(1 for r, *_ in rows if r.first_answered_at is None and r.status != "closed")
    return ResponseTime(len(waits), waiting, median(waits) if waits else None)
