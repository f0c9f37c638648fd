"""The bell (unread count in the top bar, fresh on every page) and the inbox: mark-read, mark-all-read,
access to one's own notifications only."""

from __future__ import annotations

import re

from lms.extensions import db
from lms.notifications.models import Notification, NotificationKind
from lms.notifications.services import notify
from tests.factories import login, make_user


def _note(user, n: int, url: str | None = "/dashboard") -> int:
    subject = {"title": f"Note {n}", **({"url": url} if url else {})}
    new = notify(user, NotificationKind.ANNOUNCEMENT, subject, {}, key=f"announcement:{n}")
    db.session.commit()
    return new


def _bell(html: str) -> str | None:
    match = re.search(r'<a class="bell"[^>]*aria-label="([^"]*)"', html)
    return match.group(1) if match else None


def test_the_bell_counts_unread_on_the_next_page_even_from_a_cached_frame(app, client):
    user = make_user()
    login(client, user.email)
    assert _bell(client.get("/").get_data(as_text=True)) == "Notifications"
    assert _bell(client.get("/").get_data(as_text=True)) == "Notifications"  # now cached per process
    _note(user, 1)
    _note(user, 2)
    page = client.get("/").get_data(as_text=True)
    assert _bell(page) == "Notifications, 2 unread"
    assert '<span class="bell-count" aria-hidden="true">2</span>' in page
    assert '<span class="bell-count menu-count" aria-hidden="true">2</span>' in page  # on the folded menu's button
    other = app.test_client()  # another person's pages never show this count
    login(other, make_user().email)
    assert _bell(other.get("/").get_data(as_text=True)) == "Notifications"


def test_visitors_have_no_bell(client):
    assert _bell(client.get("/").get_data(as_text=True)) is None


def test_inbox_lists_own_notifications_newest_first_and_marks_them_read(app, client):
    user, other = make_user(), make_user()
    first, second = _note(user, 1), _note(user, 2, url=None)
    theirs = _note(other, 3)
    login(client, user.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("Note 2") < page.index("Note 1") and "Note 3" not in page

    response = client.post(f"/notifications/{second}/read")
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    assert db.session.get(Notification, second).read_at is not None
    assert _bell(client.get("/notifications").get_data(as_text=True)) == "Notifications, 1 unread"

    opened = client.post(f"/notifications/{first}/read", data={"open": "1"})  # the title: read, then the thing
    assert opened.headers["Location"].endswith("/dashboard")
    db.session.expire_all()
    assert db.session.get(Notification, first).read_at is not None
    assert db.session.get(Notification, theirs).read_at is None


def test_mark_all_read_touches_only_ones_own(app, client):
    user, other = make_user(), make_user()
    for n in range(3):
        _note(user, n)
    theirs = _note(other, 9)
    login(client, user.email)
    assert client.post("/notifications/read-all").status_code == 302
    db.session.expire_all()
    assert all(row.read_at for row in db.session.query(Notification).filter_by(user_id=user.id))
    assert db.session.get(Notification, theirs).read_at is None
    assert _bell(client.get("/").get_data(as_text=True)) == "Notifications"


def test_another_persons_notification_is_not_found(app, client):
    owner, intruder = make_user(), make_user()
    theirs = _note(owner, 1)
    login(client, intruder.email)
    assert client.post(f"/notifications/{theirs}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs).read_at is None


def test_a_link_elsewhere_is_never_followed(app, client):
    user = make_user()
    new = _note(user, 1, url="//evil.example/phish")
    login(client, user.email)
    response = client.post(f"/notifications/{new}/read", data={"open": "1"})
    assert response.headers["Location"].endswith("/notifications")


def test_signed_out_inbox_asks_to_log_in(client):
    assert client.get("/notifications").status_code == 302
    assert client.post("/notifications/read-all").status_code == 302


def test_account_mail_is_never_in_the_inbox_or_the_bell(app, client):
    user = make_user()
    reset = notify(user, NotificationKind.PASSWORD_RESET, {"title": "Reset"}, {}, key="reset:1")
    db.session.commit()
    login(client, user.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert _bell(page) == "Notifications" and "Reset" not in page
    assert client.post(f"/notifications/{reset}/read").status_code == 404
    client.post("/notifications/read-all")
    assert db.session.get(Notification, reset).read_at is None
