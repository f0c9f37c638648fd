"""The worker's fan-out (bulk rows, run twice adds nothing, mail per recipient through a real SMTP
server), and what learners see: the dashboard until they dismiss it, their own only."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

from lms.announcements import services, tasks
from lms.announcements.models import Announcement, AnnouncementState
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.learning.services import enroll
from lms.notifications.models import Delivery, EmailState, NotificationKind
from lms.notifications.services import notify, set_preferences
from lms.notifications.tasks import send_mail
from tests.factories import counted_queries, login, make_user, quick_users

from .helpers import copies, fan_out, latest, send


def _announce(client, teacher, course, **fields):
    login(client, teacher.email)
    assert send(client, f"course:{course.id}", **fields).status_code == 302
    client.post("/logout")
    return latest().id


def test_the_fan_out_writes_one_row_per_active_learner_and_a_second_run_adds_nothing(
    client, teacher, basics, monkeypatch
):
    monkeypatch.setattr(services, "CHUNK", 50)  # small chunks: three full ones
    learners = quick_users(149)
    db.session.add_all(Enrollment(user_id=user_id, course_id=basics.id) for user_id in learners)
    gone = make_user()
    enroll(gone.id, basics)
    gone.active = False
    enroll(make_user().id, basics)
    db.session.commit()
    gone_id = gone.id
    announcement_id = _announce(client, teacher, basics)

    assert fan_out(announcement_id) == 150
    rows = copies(announcement_id)
    assert len(rows) == 150 and gone_id not in {r.user_id for r in rows}
    assert {(r.kind, r.email_state, r.subject["title"]) for r in rows} == {
        (NotificationKind.ANNOUNCEMENT, EmailState.PENDING, "Office hours moved")
    }
    assert rows[0].context["author"] == "Tess Teacher" and rows[0].subject["url"] == f"/announcements/{announcement_id}"
    sent = latest()
    assert (sent.state, sent.recipients) == (AnnouncementState.SENT, 150) and sent.sent_at is not None

    sent.state = AnnouncementState.SENDING  # as if the worker died after its last chunk, then ran again
    db.session.commit()
    assert fan_out(announcement_id) == 0
    assert [r.id for r in copies(announcement_id)] == [r.id for r in rows]
    assert latest().state == AnnouncementState.SENT
    assert fan_out(announcement_id) == 0  # already sent: nothing to do


def test_each_recipient_is_mailed_the_rendered_message_with_its_author(client, teacher, basics, smtp):
    learner = make_user(email="ada@example.test", name="Ada")
    enroll(learner.id, basics)
    db.session.commit()
    announcement_id = _announce(client, teacher, basics, title="Lab day", body="Bring **your laptop**.")
    fan_out(announcement_id)
    (row,) = copies(announcement_id)
    assert send_mail(row.id) == "sent"
    (envelope,) = smtp.sink.envelopes
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert envelope.rcpt_tos == ["ada@example.test"] and message["Subject"] == "Announcement: Lab day"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Tess Teacher wrote on" in text and "Bring **your laptop**." in text
    assert "Tess Teacher wrote on" in html and "<strong>your laptop</strong>" in html
    assert f"/announcements/{announcement_id}" in html


def _dashboard(client) -> str:
    page = client.get("/dashboard")
    assert page.status_code == 200
    return page.text


def test_the_dashboard_shows_an_announcement_until_its_learner_dismisses_it(app, client, teacher, basics):
    learner, bystander = make_user(), make_user()
    enroll(learner.id, basics)
    db.session.commit()
    announcement_id = _announce(client, teacher, basics, title="Lab day", body="Bring **your laptop**.")
    reader = app.test_client()
    login(reader, learner.email)
    assert "Lab day" not in _dashboard(reader)
    assert "Lab day" not in _dashboard(reader)  # now this page is in the process's cache
    fan_out(announcement_id)

    with counted_queries() as seen:
        page = _dashboard(reader)
    assert "Lab day" in page and "<strong>your laptop</strong>" in page and "From Tess Teacher" in page
    assert sum("JOIN announcements ON" in s for s in seen) == 1  # one query for the panel
    assert "Lab day" in _dashboard(reader)
    assert reader.get(f"/announcements/{announcement_id}").status_code == 200

    other = app.test_client()
    login(other, bystander.email)
    assert other.get(f"/announcements/{announcement_id}").status_code == 404  # not a recipient
    assert other.post(f"/announcements/{announcement_id}/dismiss").status_code == 404
    assert other.post("/announcements/999999/dismiss").status_code == 404
    with counted_queries() as seen:
        _dashboard(other)
    assert not any("JOIN announcements ON" in s for s in seen)  # none open: the login check said so
    assert "Lab day" in _dashboard(reader)  # a bystander's attempt dismissed nothing

    dismissed = reader.post(f"/announcements/{announcement_id}/dismiss")
    assert dismissed.status_code == 302 and dismissed.location.endswith("/dashboard")
    assert "Lab day" not in _dashboard(reader)
    assert reader.post(f"/announcements/{announcement_id}/dismiss").status_code == 302  # twice: no change
    (row,) = copies(announcement_id)
    assert row.read_at is not None  # dismissed is seen: the bell no longer counts it
    assert "Lab day" in reader.get("/notifications").text  # it stays in the inbox


def test_an_announcement_notification_from_elsewhere_shows_no_panel_and_breaks_no_page(client):
    """A row of the kind not written by a fan-out (no announcement in its subject, a free key):
    the login check and the dashboard read it as no announcement, on PostgreSQL too."""
    learner = make_user()
    notify(learner, NotificationKind.ANNOUNCEMENT, {"title": "Hand-made"}, {}, key="k")
    db.session.commit()
    login(client, learner.email)
    with counted_queries() as seen:
        page = _dashboard(client)
    assert "Hand-made" not in page and 'class="announcements"' not in page
    assert not any("JOIN announcements ON" in s for s in seen)  # not open: the login check counted none


def test_a_learner_who_turned_announcements_off_sees_no_panel(app, client, teacher, basics):
    learner = make_user()
    enroll(learner.id, basics)
    set_preferences(learner.id, {NotificationKind.ANNOUNCEMENT: Delivery.OFF})
    db.session.commit()
    announcement_id = _announce(client, teacher, basics, title="Lab day")
    fan_out(announcement_id)
    reader = app.test_client()
    login(reader, learner.email)
    with counted_queries() as seen:
        page = _dashboard(reader)
    assert "Lab day" not in page and not any("JOIN announcements ON" in s for s in seen)


def test_an_announcement_left_queued_is_fanned_out_by_the_periodic_sweep(client, teacher, basics):
    """The queue was down when the request enqueued it: the worker's sweep sends it later."""
    enroll(make_user().id, basics)
    db.session.commit()
    stuck = _announce(client, teacher, basics, title="Stuck")
    announcement = db.session.get(Announcement, stuck)
    announcement.created_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    fresh = _announce(client, teacher, basics, title="Just written")
    assert tasks.resume_fan_outs() == 1
    db.session.expire_all()
    assert db.session.get(Announcement, stuck).state == AnnouncementState.SENT and len(copies(stuck)) == 1
    assert db.session.get(Announcement, fresh).state == AnnouncementState.QUEUED and copies(fresh) == []
    assert tasks.resume_fan_outs() == 0
