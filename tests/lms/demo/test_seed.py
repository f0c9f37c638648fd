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


def test_programme_options_add_profiles_feedback_certificates_surveys_and_registrations(app, runner):
    """The programme benchmark's population: every table it asks for gets rows, in their constraints,
    spread back over --days, and the finished enrolments are the ones that hold certificates."""
    from lms.certification.models import Certificate
    from lms.developers.models import DeveloperInterest, DeveloperProfile
    from lms.feedback.models import FeedbackItem, SurveyResponse
    from lms.learning.models import LearningEvent
    from lms.workshops.models import Registration

    args = ["--learners", "30", "--courses", "2", "--events", "900", "--notifications", "0", "--profiles", "1"]
    args += ["--feedback", "40", "--certificates", "--surveys", "1", "--registrations", "60", "--days", "450"]
    result = runner.invoke(args=["demo", "seed", *args])
    assert result.exit_code == 0, result.output
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))
    assert count(DeveloperProfile) == 30
    assert count(DeveloperInterest) >= 30
    assert count(FeedbackItem) == 40
    assert 0 < count(Registration) <= 60
    certificates = count(Certificate)
    assert certificates > 0 and count(SurveyResponse) == certificates
    oldest = db.session.scalar(select(func.min(LearningEvent.occurred_at)))
    newest = db.session.scalar(select(func.max(User.created_at)))
    assert (newest - oldest).days > 300
    assert db.session.scalar(select(func.count()).select_from(LearningEvent)) >= 900
