"""notify(...) inserts in the caller's transaction, once per event (user, kind, key), on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.notifications.models import EmailState, Notification, NotificationKind
from lms.notifications.services import PENDING_MAIL, notify
from tests.factories import make_user

KIND = NotificationKind.ANNOUNCEMENT


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def test_the_same_event_twice_is_one_notification(app):
    user = make_user()
    first = notify(user, KIND, {"title": "Welcome"}, {}, key="announcement:1")
    db.session.commit()
    again = notify(user, KIND, {"title": "Welcome"}, {}, key="announcement:1")  # a retried request
    db.session.commit()
    assert first is not None and again is None
    assert _count() == 1
    row = db.session.get(Notification, first)
    assert (row.kind, row.email_state, row.attempts) == ("announcement", EmailState.PENDING, 0)


def test_two_events_are_two_notifications(app):
    user, other = make_user(), make_user()
    ids = [
        notify(user, KIND, {"title": "One"}, {}, key="announcement:1"),
        notify(user, KIND, {"title": "Two"}, {}, key="announcement:2"),
        notify(other, KIND, {"title": "One"}, {}, key="announcement:1"),  # same event, another person
        notify(user, NotificationKind.FEEDBACK_REPLY, {"title": "One"}, {}, key="announcement:1"),
    ]
    db.session.commit()
    assert None not in ids and len(set(ids)) == 4
    assert _count() == 4


def test_a_rolled_back_caller_leaves_no_notification_and_nothing_to_mail(app):
    user = make_user()
    notify(user, KIND, {"title": "Never"}, {}, key="announcement:9")
    assert db.session.info[PENDING_MAIL]
    db.session.rollback()
    assert _count() == 0
    assert PENDING_MAIL not in db.session.info
    # the key is free again: the event, once committed, is recorded
    assert notify(user, KIND, {"title": "Now"}, {}, key="announcement:9") is not None
    db.session.commit()
    assert _count() == 1


def test_a_duplicate_inside_a_transaction_keeps_the_callers_other_work(app):
    user = make_user()
    notify(user, KIND, {"title": "One"}, {}, key="k")
    db.session.commit()
    user.display_name = "Kept"  # the caller's own work in the same transaction
    assert notify(user, KIND, {"title": "One"}, {}, key="k") is None  # no error, no aborted transaction
    db.session.commit()
    db.session.expire_all()
    assert user.display_name == "Kept"
    assert _count() == 1


def test_a_disabled_account_gets_the_inbox_row_but_no_mail(app):
    user = make_user()
    user.active = False
    new = notify(user, KIND, {"title": "Quiet"}, {}, key="k")
    db.session.commit()
    assert db.session.get(Notification, new).email_state == EmailState.SKIPPED
