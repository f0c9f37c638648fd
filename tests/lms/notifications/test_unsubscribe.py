"""RFC 8058 one-click unsubscribe: the headers and the footer link of every configurable mail, the
link followed without signing in (GET, then its button; and the bare one-click POST a mail client
sends), then no more mail of that kind; forged, tampered and expired links change nothing."""

from __future__ import annotations

import logging
import re
import time
from email import message_from_bytes, policy

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import Delivery, NotificationKind, NotificationPreference
from lms.notifications.services import TURNED_OFF, notify
from lms.notifications.tasks import send_mail
from tests.factories import make_user
from tests.lms.notifications.contexts import ANY_KIND

BASE = "https://academy.example.test"
ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def app(make_app, smtp):
    """Mail to the test's SMTP server, links to a public https address, CSRF on as in production."""
    app = make_app(
        MAIL_URL=smtp.url, ACADEMY_BASE_URL=BASE, WTF_CSRF_ENABLED=True, UNSUBSCRIBE_RATE_LIMIT="50 per minute"
    )
    with app.app_context():
        yield app


def _mailed(smtp, user, kind=NotificationKind.ANNOUNCEMENT, n: int = 1):
    """notify(), commit, send through the worker's task; the message the server received (or None)."""
    new = notify(user, kind, {"title": f"News {n}", "url": "/dashboard"}, ANY_KIND, key=f"e:{n}")
    db.session.commit()
    before = len(smtp.sink.envelopes)
    outcome = send_mail(new)
    if len(smtp.sink.envelopes) == before:
        return outcome, None
    return outcome, message_from_bytes(smtp.sink.envelopes[-1].content, policy=policy.default)


def _link(message) -> str:
    header = message["List-Unsubscribe"]
    assert header.startswith(f"<{BASE}/unsubscribe/") and header.endswith(">"), header
    return header[1:-1]


def _delivery(user_id: int, kind: str) -> Delivery:
    db.session.expire_all()
    return services.delivery_for(user_id, kind)


def test_headers_and_footer_link_then_get_and_button_stop_that_kind_only(app, smtp):
    user = make_user(email="ann@example.test")
    outcome, message = _mailed(smtp, user)
    assert outcome == "sent"
    url = _link(message)
    assert message["List-Unsubscribe-Post"] == ONE_CLICK
    raw = smtp.sink.envelopes[-1].content.decode()
    assert f"List-Unsubscribe: <{url}>\r\n" in raw  # one line, not an encoded word mail clients cannot read
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # The visible links, read from each part's footer as a person would click them.
    in_text = re.search(r"^Stop these e-mails: (\S+)\s*$", text, re.MULTILINE).group(1)
    in_html = re.search(r'<a href="([^"]+)"[^>]*>Stop these e-mails</a>', html).group(1)
    assert in_text == in_html == url

    client = app.test_client()  # not signed in
    page = client.get(in_text.removeprefix(BASE))
    assert page.status_code == 200 and "Stop e-mailing me: Announcements." in page.text
    assert '<form method="post">' in page.text  # one button
    assert _delivery(user.id, "announcement") == Delivery.EMAIL  # looking changes nothing
    done = client.post(in_html.removeprefix(BASE))  # the page's button: no session, no CSRF token
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert _delivery(user.id, "announcement") == Delivery.IN_APP  # in app stays

    outcome, message = _mailed(smtp, user, n=2)
    assert (outcome, message) == ("skipped", None)
    assert services.inbox(user.id)[0].last_error == TURNED_OFF
    assert len(services.inbox(user.id)) == 2  # still under the bell
    outcome, message = _mailed(smtp, user, NotificationKind.FEEDBACK_REPLY, n=3)
    assert outcome == "sent" and "/unsubscribe/" in message["List-Unsubscribe"]  # another kind still mailed


def test_the_bare_one_click_post_of_a_mail_client_unsubscribes_and_is_idempotent(app, smtp):
    user = make_user()
    _outcome, message = _mailed(smtp, user, NotificationKind.WORKSHOP_REMINDER)
    path = _link(message).removeprefix(BASE)
    client = app.test_client()
    for _ in range(2):
        response = client.post(path, data=ONE_CLICK, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        assert _delivery(user.id, "workshop_reminder") == Delivery.IN_APP
    assert db.session.query(NotificationPreference).count() == 1
    outcome, _message = _mailed(smtp, user, NotificationKind.WORKSHOP_REMINDER, n=2)
    assert outcome == "skipped"


def test_a_kind_already_off_stays_off(app, smtp):
    user = make_user()
    services.set_preferences(user.id, {NotificationKind.ANNOUNCEMENT: Delivery.OFF})
    db.session.commit()
    token = services.unsubscribe_token(user.id, "announcement")
    assert app.test_client().post(f"/unsubscribe/{token}").status_code == 200
    assert _delivery(user.id, "announcement") == Delivery.OFF


def _old_token(app, user_id: int, kind: str, age_days: int) -> str:
    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_days * 86400

    signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=services.UNSUBSCRIBE_SALT, signer=Past)
    return signer.dumps([user_id, kind])


def test_forged_tampered_expired_or_foreign_tokens_get_a_clear_400_and_change_nothing(app, caplog):
    caplog.set_level(logging.INFO)
    user = make_user()
    good = services.unsubscribe_token(user.id, "announcement")
    payload, stamp, signature = good.split(".")
    other_user = services.unsubscribe_token(user.id + 1, "announcement").split(".")[0]
    bad = {
        "forged": URLSafeTimedSerializer("not-our-key", salt=services.UNSUBSCRIBE_SALT).dumps(
            [user.id, "announcement"]
        ),
        "tampered": f"{other_user}.{stamp}.{signature}",
        "truncated": f"{payload}.{stamp}",
        "expired": _old_token(app, user.id, "announcement", 61),
        "another salt": URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps([user.id, "announcement"]),
        "account mail": services.unsubscribe_token(user.id, "password_reset"),
        "unknown kind": services.unsubscribe_token(user.id, "gossip"),
        "no such person": services.unsubscribe_token(user.id + 1000, "announcement"),
    }
    client = app.test_client()
    for name, token in bad.items():
        for response in (client.get(f"/unsubscribe/{token}"), client.post(f"/unsubscribe/{token}", data=ONE_CLICK)):
            assert response.status_code == 400, name
            assert "This link does not work" in response.text and "Nothing was changed." in response.text, name
    assert db.session.query(NotificationPreference).count() == 0
    assert any(r.getMessage().startswith("unsubscribe link refused") for r in caplog.records)
    assert client.post(f"/unsubscribe/{_old_token(app, user.id, 'announcement', 59)}").status_code == 200


def test_account_mail_never_carries_the_header(app, smtp):
    user = make_user()
    for n, kind in enumerate((NotificationKind.PASSWORD_RESET, NotificationKind.EMAIL_VERIFICATION)):
        outcome, message = _mailed(smtp, user, kind, n=n)
        assert outcome == "sent"
        assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
        assert "/unsubscribe/" not in message.get_body(("plain",)).get_content()


def test_one_click_posts_are_rate_limited(make_app):
    app = make_app(UNSUBSCRIBE_RATE_LIMIT="3 per minute")
    with app.app_context():
        token = services.unsubscribe_token(make_user().id, "announcement")
        client = app.test_client()
        codes = [client.post(f"/unsubscribe/{token}", data=ONE_CLICK).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
