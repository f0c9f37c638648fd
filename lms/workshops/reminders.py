"""Workshop reminders: 24 hours and 1 hour before a session starts, to confirmed registrations only
(a waitlisted or cancelled one gets none), for live sessions of live workshops."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from lms.notifications.models import NotificationKind
from lms.notifications.reminders import Reminder
from lms.workshops.models import Registration, Workshop, WorkshopSession

DAY_BEFORE = timedelta(hours=24)
HOUR_BEFORE = timedelta(hours=1)


def session_reminders(now: datetime) -> list[Reminder]:
    """Confirmed seats in sessions starting within 24 hours (one query). Inside the last hour the
    reminder is the 1 h one, so a seat taken or a reminder found late (no worker ran) gets one
    reminder, not two at once; none once the session started. The key names the start, so a
    session moved to another day is reminded of again."""
    rows = db.session.execute(
        select(User, WorkshopSession, Workshop.slug, Workshop.title)
        .join(Registration, Registration.user_id == User.id)
        .join(WorkshopSession, WorkshopSession.id == Registration.session_id)
        .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
        .where(
            Registration.status == "confirmed",
            User.active.is_(True),
            WorkshopSession.archived_at.is_(None),
            Workshop.archived_at.is_(None),
            WorkshopSession.starts_at > now,
            WorkshopSession.starts_at <= now + DAY_BEFORE,
        )
    )
    reminders = []
    for user, session, slug, title in rows:
        offset = "1h" if session.starts_at - now <= HOUR_BEFORE else "24h"
        reminders.append(
            Reminder(
                user,
                NotificationKind.WORKSHOP_REMINDER,
                f"session:{session.id}:{offset}:{session.starts_at.isoformat()}",
                {"title": title, "url": f"/workshops/{slug}", "workshop_slug": slug, "session_id": session.id},
                {
                    "offset": offset,
                    "session": session.title,
                    "starts_at": session.starts_at.isoformat(),
                    "ends_at": session.ends_at.isoformat(),
                    "online_url": session.online_url,
                    "place": session.place,
                },
            )
        )
    return reminders
