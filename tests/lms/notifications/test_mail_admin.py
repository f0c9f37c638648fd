"""Admins' mail pages: failed and retrying deliveries with their reason and "Try again", and the
development outbox viewer; nobody else sees them, and the outbox viewer never where mail is really sent."""

from __future__ import annotations

import re

import pytest

from lms.extensions import db, queue
from lms.notifications.models import EmailState, Notification, NotificationKind
from lms.notifications.services import notify
from lms.notifications.tasks import send_mail, send_mail_batch
from tests.factories import login, make_user

CONTEXT = {"author": "Ada", "body": "Hello", "sent_at": "2026-12-07T09:00:00+00:00"}


def _announce(user, title: str, key: str) -> int:
    new = notify(user, NotificationKind.ANNOUNCEMENT, {"title": title}, CONTEXT, key=key)
    db.session.commit()
    return new


def _row(new: int) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, new)


@pytest.fixture
def admin_client(app):
    make_user("admin", email="root@example.test")
    client = app.test_client()
    login(client, "root@example.test")
    return client


def test_failed_and_retrying_deliveries_are_listed_with_their_reason(app, smtp, admin_client):
    failed = _announce(make_user(email="gone@example.test", name="Gone Person"), "Lost one", "announcement:1")
    retrying = _announce(make_user(email="later@example.test"), "Later one", "announcement:2")
    sent = _announce(make_user(email="fine@example.test"), "Fine one", "announcement:3")
    assert send_mail(sent) == "sent"
    smtp.sink.refuse = True
    assert send_mail(retrying) == "retry"
    for _try in range(3):  # the app's MAIL_MAX_TRIES
        db.session.get(Notification, failed).next_attempt_at = None  # due now
        db.session.commit()
        send_mail(failed)
    assert _row(failed).email_state == EmailState.FAILED

    page = admin_client.get("/admin/mail/deliveries")
    assert page.status_code == 200
    html = page.text
    assert "Lost one" in html and "Later one" in html and "Fine one" not in html
    assert "To Gone Person (gone@example.test)" in html
    assert "3 tries" in html and "1 try" in html
    assert html.count("SMTPRecipientsRefused") == 2 and html.count("5.7.1 Mailbox unavailable (test refusal)") == 2
    assert html.count(">Try again</button>") == 1  # only the failed one: the other is retried anyway
    assert "Retrying" in html and "Failed" in html


def test_try_again_puts_a_failed_message_back_with_fresh_tries(app, smtp, admin_client):
    new = _announce(make_user(email="again@example.test"), "Again", "announcement:1")
    smtp.sink.refuse = True
    for _try in range(3):
        db.session.get(Notification, new).next_attempt_at = None
        db.session.commit()
        send_mail(new)
    assert _row(new).email_state == EmailState.FAILED
    queue.huey().flush()

    response = admin_client.post(f"/admin/mail/deliveries/{new}/retry")
    assert response.status_code == 302
    row = _row(new)
    assert (row.email_state, row.attempts, row.last_error) == (EmailState.PENDING, 0, None)
    assert queue.waiting(send_mail_batch) == {(new,)}  # enqueued by the commit
    assert "will be sent again" in admin_client.get("/admin/mail/deliveries").text
    smtp.sink.refuse = False
    assert send_mail(new) == "sent"
    assert [e.rcpt_tos for e in smtp.sink.envelopes] == [["again@example.test"]]
    # Only a failed message can be tried again: a sent one (or none) is not found.
    assert admin_client.post(f"/admin/mail/deliveries/{new}/retry").status_code == 404
    assert admin_client.post("/admin/mail/deliveries/999999/retry").status_code == 404


def test_the_deliveries_page_is_paged(app, admin_client):
    user = make_user(email="many@example.test")
    for n in range(53):
        row = db.session.get(Notification, _announce(user, f"Note {n:02d}", f"announcement:{n}"))
        row.email_state, row.attempts, row.last_error = EmailState.FAILED, 6, "SMTPDataError: nope"
        row.next_attempt_at = None
    db.session.commit()
    first = admin_client.get("/admin/mail/deliveries").text
    second = admin_client.get("/admin/mail/deliveries?page=2").text
    assert first.count(">Try again</button>") == 50 and second.count(">Try again</button>") == 3
    assert "Note 52" in first and "Note 00" in second  # newest first
    assert 'deliveries?page=2">Next' in first and ">Next</a>" not in second


@pytest.mark.parametrize("role", ["learner", "instructor", "manager"])
def test_only_admins_reach_the_mail_pages(app, smtp, role):
    new = _announce(make_user(email="x@example.test"), "X", "announcement:1")
    make_user(role, email="someone@example.test")
    client = app.test_client()
    login(client, "someone@example.test")
    assert client.get("/admin/mail/deliveries").status_code == 403
    assert client.post(f"/admin/mail/deliveries/{new}/retry").status_code == 403
    assert client.get("/admin/mail/outbox").status_code in (403, 404)
    assert "/admin/mail" not in client.get("/dashboard").text
    assert app.test_client().get("/admin/mail/deliveries").status_code == 302  # to the login page


@pytest.fixture
def outbox_app(make_app):
    """No MAIL_URL: mail is written to instance/outbox/ (the `make run` default)."""
    app = make_app()
    with app.app_context():
        yield app


def _outbox_names(html: str) -> list[str]:
    return re.findall(r"/admin/mail/outbox/(\d{8}T\d{6}-\d+\.eml)\"", html)


def test_the_outbox_viewer_lists_newest_first_and_shows_one_safely(outbox_app, tmp_path):
    admin = make_user("admin", email="root@example.test")
    first = _announce(admin, "First <b>news</b>", "announcement:1")
    second = _announce(make_user(email="li@example.test"), "Second <script>alert(1)</script>", "announcement:2")
    assert send_mail(first) == "sent" and send_mail(second) == "sent"
    folder = tmp_path / "instance" / "outbox"
    older = sorted(folder.glob(f"*-{first}.eml"))[0]
    stamp = older.stat().st_mtime - 60
    import os

    os.utime(older, (stamp, stamp))  # written a minute before the second
    client = outbox_app.test_client()
    login(client, "root@example.test")

    listing = client.get("/admin/mail/outbox")
    assert listing.status_code == 200
    names = _outbox_names(listing.text)
    assert [name.rsplit("-", 1)[1] for name in names] == [f"{second}.eml", f"{first}.eml"]
    assert "<script>alert(1)</script>" not in listing.text and "&lt;script&gt;" in listing.text
    assert 'href="/admin/mail/outbox"' in client.get("/dashboard").text  # linked from the admin menu

    page = client.get(f"/admin/mail/outbox/{names[0]}")
    assert page.status_code == 200
    assert "li@example.test" in page.text and "Content-Language" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "Hello" in page.text  # the text part, shown as text
    assert f'<iframe class="mail-html" sandbox src="/admin/mail/outbox/{names[0]}/html"' in page.text
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]

    part = client.get(f"/admin/mail/outbox/{names[0]}/html")
    assert part.status_code == 200 and "<h1" in part.text
    assert part.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert "script-src" not in part.headers["Content-Security-Policy"]

    for bad in ("../secret_key", "..%2Fsecret_key", "secret_key", "20261207T090000-1.eml.tmp", "20990101T000000-9.eml"):
        assert client.get(f"/admin/mail/outbox/{bad}").status_code == 404, bad


@pytest.mark.parametrize("setting", [{"MAIL_URL": "smtp://127.0.0.1:2525"}, {"ACADEMY_ENV": "production"}])
def test_no_outbox_viewer_where_mail_is_really_sent_or_in_production(make_app, setting, tmp_path):
    app = make_app(**setting, SESSION_COOKIE_SECURE=False)
    with app.app_context():
        make_user("admin", email="root@example.test")
        client = app.test_client()
        login(client, "root@example.test")
        assert client.get("/admin/mail/deliveries").status_code == 200
        assert client.get("/admin/mail/outbox").status_code == 404
        assert client.get("/admin/mail/outbox/20261207T090000-1.eml").status_code == 404
        assert client.get("/admin/mail/outbox/20261207T090000-1.eml/html").status_code == 404
        assert "/admin/mail/outbox" not in client.get("/admin/mail/deliveries").text
