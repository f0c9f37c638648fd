"""`flask demo seed` (the benchmark population) gives every learner unread notifications, already
mailed: the bell has something to count, and the worker nothing to send."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db, queue
from lms.notifications.models import EmailState, Notification
from lms.notifications.services import unread_count
from lms.notifications.tasks import send_mail_batch


def test_seeded_learners_hold_unread_notifications_and_nothing_is_queued(app, runner):
    result = runner.invoke(args=["demo", "seed", "--learners", "4", "--courses", "1", "--events", "8"])
    assert result.exit_code == 0, result.output
    learners = list(db.session.scalars(select(User.id).where(User.email.like("%@bench.test"))))
    assert len(learners) == 4
    assert [unread_count(user_id) for user_id in learners] == [5, 5, 5, 5]
    states = set(db.session.scalars(select(Notification.email_state)))
    assert states == {EmailState.SENT}
    assert queue.waiting(send_mail_batch) == set()

    runner.invoke(args=["demo", "seed", "--learners", "1", "--courses", "1", "--events", "1", "--notifications", "0"])
    assert unread_count(db.session.scalar(select(func.max(User.id)))) == 0
