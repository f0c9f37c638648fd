"""Per-kind preferences: read when the mail is sent (a change after the event counts), "off" hides
the kind from the bell and the inbox, and the settings page refuses bad input storing nothing."""

from __future__ import annotations

import logging

import pytest

from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import (
    KINDS,
    Delivery,
    EmailState,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from lms.notifications.services import TURNED_OFF, notify
from lms.notifications.tasks import send_mail
from tests.factories import counted_queries, login, make_user
from tests.lms.notifications.contexts import ANY_KIND


def _event(user, kind=NotificationKind.ANNOUNCEMENT, n: int = 1) -> int:
    new = notify(user, kind, {"title": f"Event {n}", "url": "/dashboard"}, ANY_KIND, key=f"event:{n}")
    db.session.commit()
    return new


def _choose(user, **choices: str) -> None:
    services.set_preferences(user.id, {NotificationKind(k): Delivery(v) for k, v in choices.items()})
    db.session.commit()


def _row(new: int) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, new)


def test_defaults_are_the_kinds_rules_and_account_mail_is_always_mailed(app):
    user = make_user()
    assert services.delivery_for(user.id, "grade_ready") == KINDS[NotificationKind.GRADE_READY].default
    assert services.delivery_for(user.id, "announcement") == Delivery.EMAIL
    db.session.add(NotificationPreference(user_id=user.id, kind="password_reset", delivery="off"))
    db.session.commit()  # a row for account mail (written by hand) changes nothing
    assert services.delivery_for(user.id, "password_reset") == Delivery.EMAIL
    assert set(services.KIND_TEXTS) == set(services.CONFIGURABLE)  # every configurable kind has a name


@pytest.mark.parametrize(
    ("choice", "outcome", "state"),
    [
        ("in_app", "skipped", EmailState.SKIPPED),
        ("off", "skipped", EmailState.SKIPPED),
        ("digest", "held", EmailState.DIGEST),
    ],
)
def test_a_choice_committed_after_the_event_but_before_the_send_wins(app, smtp, choice, outcome, state):
    user = make_user()
    new = _event(user)  # notify() committed: the mail is queued while the person still wanted it
    _choose(user, announcement=choice)
    assert send_mail(new) == outcome
    row = _row(new)
    assert row.email_state == state
    assert smtp.sink.envelopes == []
    if state == EmailState.SKIPPED:
        assert row.last_error == TURNED_OFF


def test_e_mail_at_once_is_still_sent_and_other_kinds_are_untouched(app, smtp):
    user = make_user()
    _choose(user, announcement="off")
    mailed = _event(user, NotificationKind.FEEDBACK_REPLY)
    assert send_mail(mailed) == "sent"
    assert len(smtp.sink.envelopes) == 1


def test_off_hides_the_kind_from_the_bell_and_the_inbox_in_app_keeps_it(app, client):
    user = make_user()
    announced, replied = (
        _event(user, NotificationKind.ANNOUNCEMENT, 1),
        _event(user, NotificationKind.FEEDBACK_REPLY, 2),
    )
    _choose(user, announcement="in_app")
    assert services.unread_count(user.id) == 2
    _choose(user, announcement="off")
    user_id = user.id
    with counted_queries() as queries:
        assert services.unread_count(user_id) == 1
    assert len(queries) == 1  # the bell stays one query
    assert [row.id for row in services.inbox(user.id)] == [replied]
    login(client, user.email)
    assert client.post(f"/notifications/{announced}/read").status_code == 404
    assert services.mark_all_read(user.id) == 1
    _choose(user, announcement="email")  # turned on again: it is back, still unread
    assert services.unread_count(user.id) == 1 and announced in [r.id for r in services.inbox(user.id)]


def test_the_settings_page_lists_each_kind_and_stores_the_choice(app, client):
    user = make_user()
    login(client, user.email)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "Announcements" in page and "News from your courses" in page
    assert 'name="grade_ready" value="digest" checked' in page  # the kind's default
    assert "password_reset" not in page  # account mail is not a choice
    assert "Overdue questions" not in page  # for course staff only
    assert 'href="/notifications/settings"' in client.get("/notifications").get_data(as_text=True)
    assert 'href="/notifications/settings"' in client.get("/profile").get_data(as_text=True)

    response = client.post("/notifications/settings", data={"grade_ready": "email", "announcement": "off"})
    assert response.status_code == 302
    assert services.delivery_for(user.id, "grade_ready") == Delivery.EMAIL
    assert services.delivery_for(user.id, "announcement") == Delivery.OFF
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "Saved." in page and 'name="announcement" value="off" checked' in page


def test_staff_are_offered_the_staff_only_kinds(client):
    login(client, make_user("instructor").email)
    assert "Overdue questions" in client.get("/notifications/settings").get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"announcement": "off", "gossip": "email"}, "There is no kind of notification called “gossip”."),
        ({"announcement": "off", "grade_ready": "pigeon"}, "“pigeon” is not a choice for Grades."),
        (
            {"announcement": "off", "password_reset": "off"},
            "Account e-mail (password reset, address check) cannot be turned off.",
        ),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_is_stored(app, client, caplog, form, message):
    caplog.set_level(logging.INFO)
    user = make_user()
    login(client, user.email)
    response = client.post("/notifications/settings", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(NotificationPreference).count() == 0  # not even the valid announcement choice
    assert any("notification settings refused" in r.getMessage() for r in caplog.records)


def test_the_settings_page_needs_a_sign_in(client):
    assert client.get("/notifications/settings").status_code == 302


def test_the_settings_page_in_chinese(app, client):
    user = make_user()
    user.locale = "zh"
    db.session.commit()
    login(client, user.email)
    page = client.get("/notifications/settings").get_data(as_text=True)
    for words in ("通知设置", "公告", "立即发邮件", "每日摘要", "仅站内", "关闭", "保存设置"):
        assert words in page
    refused = client.post("/notifications/settings", data={"grade_ready": "pigeon"}).get_data(as_text=True)
    assert "“pigeon”不是“成绩”的可选项。" in refused
