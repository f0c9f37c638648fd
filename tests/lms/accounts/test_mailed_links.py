"""Password reset and address confirmation by mailed one-time links, through the views, the queue
worked as `flask worker run` works it, and a real SMTP server (aiosmtpd): what was mailed is
followed like a person would."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from lms.accounts import services
from lms.accounts.models import AccountToken, LoginSession, User
from lms.accounts.tasks import mail_account_link
from lms.db import clock_at, utcnow
from lms.extensions import db, queue
from lms.notifications.models import EmailState, Notification, NotificationKind
from lms.notifications.tasks import send_mail
from tests.factories import PASSWORD, login, make_user
from tests.postgres import free_port

BASE = "https://academy.example.test"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def app(make_app, smtp):
    app = make_app(MAIL_URL=smtp.url, ACADEMY_BASE_URL=BASE, MAIL_MAX_TRIES=2)
    with app.app_context():
        yield app


def _notification(user_id: int, kind: NotificationKind) -> Notification:
    db.session.expire_all()
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user_id, Notification.kind == kind).order_by(Notification.id)
    ).all()[-1]


def _work_queue() -> list[str]:
    """Run every task the queue holds, in order, as the worker's consumer does (the app's own
    Huey: a task enqueued meanwhile, the mail after the link's commit, runs too)."""
    huey, ran = queue.huey(), []
    while (task := huey.dequeue()) is not None:
        ran.append(task.name)
        huey.execute(task)
    return ran


def _mail_link(smtp) -> tuple[object, str]:
    """Work the queue (the link recorded, then mailed), then read the link (a path) out of the
    message the SMTP server received; both parts carry the same one."""
    assert _work_queue()[-1] == "send_mail_batch"
    message = message_from_bytes(smtp.sink.envelopes[-1].content, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    links = set(re.findall(re.escape(BASE) + r"(/(?:reset|confirm)/[\w-]+)", text + html))
    assert len(links) == 1, (text, html)
    return message, links.pop()


def _forgot(client, email: str, **kwargs):
    return client.post("/forgot", data={"email": email}, **kwargs)


def _new_password(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password, "conduct": "y"})


def test_the_mailed_reset_link_sets_a_new_password_and_ends_every_session(app, smtp, caplog):
    user = make_user(email="ada@example.test", name="Ada")
    signed_in = app.test_client()
    assert login(signed_in, "ada@example.test").status_code == 302
    client = app.test_client()
    assert 'href="/forgot">Forgot password?</a>' in client.get("/login").text

    caplog.set_level("INFO", logger="lms.accounts")
    answer = _forgot(client, " ADA@example.test ")
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert queue.waiting(mail_account_link) == {("password_reset", "ada@example.test")}  # the worker's part
    message, path = _mail_link(smtp)  # the link recorded, then mailed after that commit
    assert path.removeprefix("/reset/") not in db.session.scalar(select(AccountToken.token_hash))  # a hash only
    assert message["To"] == "Ada <ada@example.test>" and message["Subject"] == "Reset your Academy password"
    assert "works once, for 1 hour" in message.get_body(("plain",)).get_content()
    assert "secret_path" not in _notification(user.id, NotificationKind.PASSWORD_RESET).context  # forgotten once sent

    page = client.get(path)
    assert page.status_code == 200 and "Choose a new password" in page.text
    short = _new_password(client, path, "short")
    assert short.status_code == 200 and "between 10 and 200 characters" in short.text  # the link still works after that
    done = _new_password(client, path)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Password changed. Log in with the new one." in client.get("/login").text

    assert signed_in.get("/dashboard").status_code == 302  # the old login session is refused
    assert db.session.scalar(select(func.count()).where(LoginSession.revoked_at.is_(None))) == 0
    assert "Wrong e-mail or password." in login(app.test_client(), "ada@example.test", PASSWORD).text
    assert login(app.test_client(), "ada@example.test", NEW_PASSWORD).status_code == 302

    again = _new_password(client, path, "yet another passphrase")
    assert again.status_code == 410 and "already used" in again.text
    assert login(app.test_client(), "ada@example.test", NEW_PASSWORD).status_code == 302
    token = path.removeprefix("/reset/")
    assert token not in caplog.text and "password of ada@example.test reset by link" in caplog.text


def test_the_reset_mail_is_in_the_persons_language(app, smtp):
    user = make_user(email="li@example.test", name="Li Wei")
    user.locale = "zh"
    db.session.commit()
    _forgot(app.test_client(), "li@example.test")
    message, _path = _mail_link(smtp)
    assert message["Subject"] == "重置您的 Academy 密码"
    assert "链接只能使用一次，有效期 1 小时。" in message.get_body(("plain",)).get_content()


def _issue_reset(user: User) -> str:
    _row, token = services.issue_token(user, services.RESET)
    db.session.commit()
    return f"/reset/{token}"


def test_unknown_tampered_used_replaced_expired_and_disabled_links_change_nothing(app):
    user = make_user(email="bo@example.test")
    signed_in = app.test_client()
    login(signed_in, "bo@example.test")
    hash_before = user.password_hash
    client = app.test_client()

    valid = _issue_reset(user)
    tampered = valid[:-3] + ("AAA" if not valid.endswith("AAA") else "BBB")
    with clock_at(utcnow() - timedelta(hours=1, minutes=1)):
        expired = _issue_reset(user)
    replaced = _issue_reset(user)
    current = _issue_reset(user)  # a newer request ends `replaced` (and every earlier one)
    cases = {
        "/reset/not-a-token": (404, "This reset link is not valid."),
        tampered: (404, "This reset link is not valid."),
        expired: (410, "already used, or a newer one was sent"),  # replaced as well as expired
        replaced: (410, "already used, or a newer one was sent"),
    }
    for path, (status, words) in cases.items():
        for response in (client.get(path), _new_password(client, path)):
            assert response.status_code == status, path
            assert words in response.text and "Nothing was changed." in response.text
            assert 'href="/forgot">Send me a new link</a>' in response.text

    db.session.execute(db.update(AccountToken).values(ended_at=None))  # only the expiry is left on `expired`
    db.session.commit()
    response = _new_password(client, expired)
    assert response.status_code == 410 and "This reset link has expired. Ask for a new one." in response.text

    services.set_active(user, False)
    db.session.commit()
    response = _new_password(client, current)
    assert response.status_code == 403 and "This account is disabled." in response.text

    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == hash_before
    services.set_active(db.session.get(User, user.id), True)
    db.session.commit()
    assert login(app.test_client(), "bo@example.test").status_code == 302
    assert _new_password(client, current).status_code == 302  # the one live link still works, once


def test_forgot_answers_the_same_for_any_address(app):
    make_user(email="known@example.test")
    disabled = make_user(email="off@example.test")
    services.set_active(disabled, False)
    db.session.commit()
    answers = []
    for email in ("known@example.test", "nobody@example.test", "off@example.test"):
        response = _forgot(app.test_client(), email)
        page = re.sub(r'name="csrf_token" value="[^"]+"', "", response.text)  # each visitor's own
        answers.append((response.status_code, page.replace(email, "EMAIL")))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200
    assert _work_queue().count("mail_account_link") == 3  # the lookup is the worker's, for each
    kinds = db.session.scalars(select(Notification.kind)).all()
    assert kinds == [NotificationKind.PASSWORD_RESET]  # the known, active address only
    empty = _forgot(app.test_client(), "  ")
    assert empty.status_code == 200 and "This field is required." in empty.text


def test_forgot_is_rate_limited_per_ip_and_per_address(app):
    make_user(email="me@example.test")
    client = app.test_client()
    for n in range(5):
        assert _forgot(client, f"someone{n}@example.test").status_code == 200
    assert _forgot(client, "someone5@example.test").status_code == 429  # per IP address

    for n in range(5):
        _forgot(client, "Me@example.test", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
    response = _forgot(client, "me@example.test", environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert response.status_code == 429  # per address, whatever the IP
    _work_queue()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 5


def test_the_link_is_forgotten_when_its_mail_is_given_up(app, smtp):
    user = make_user(email="gone@example.test")
    _forgot(app.test_client(), "gone@example.test")
    smtp.stop()
    assert _work_queue() == ["mail_account_link", "send_mail_batch"]  # refused: due again after the backoff
    new = _notification(user.id, NotificationKind.PASSWORD_RESET).id
    assert _notification(user.id, NotificationKind.PASSWORD_RESET).attempts == 1
    assert "secret_path" in _notification(user.id, NotificationKind.PASSWORD_RESET).context  # kept for the retry
    db.session.execute(db.update(Notification).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert send_mail(new) == "failed"
    row = _notification(user.id, NotificationKind.PASSWORD_RESET)
    assert row.email_state == EmailState.FAILED and "secret_path" not in row.context


def _register(client, email="new@example.com", password="a long password 1"):
    data = {"email": email, "display_name": "New Person", "password": password, "confirm": password, "conduct": "y"}
    return client.post("/register", data=data)


def test_with_verification_on_a_sign_up_confirms_its_address_before_the_first_login(make_app, smtp):
    app = make_app(MAIL_URL=smtp.url, ACADEMY_BASE_URL=BASE, EMAIL_VERIFICATION=True)
    with app.app_context():
        before = make_user(email="old@example.test")  # made before (or by the CLI): counts as verified
        client = app.test_client()
        response = _register(client)
        assert response.status_code == 200 and "We have mailed a link to new@example.com" in response.text
        assert client.get("/dashboard").status_code == 302  # not signed in
        user = services.find_user("new@example.com")
        assert user.email_verified_at is None and before.email_verified_at is not None
        message, first = _mail_link(smtp)
        assert message["Subject"] == "Confirm your e-mail address for Academy" and first.startswith("/confirm/")

        refused = login(client, "new@example.com", "a long password 1")
        assert refused.status_code == 200 and "Confirm your e-mail address first" in refused.text
        assert 'action="/confirm/resend"' in refused.text and "Send the link again" in refused.text
        wrong = login(client, "new@example.com", "not the password")
        assert "Wrong e-mail or password." in wrong.text and "Confirm your" not in wrong.text
        assert login(app.test_client(), "old@example.test").status_code == 302

        again = client.post("/confirm/resend", data={"email": "new@example.com"}, follow_redirects=True)
        assert "a new link is on its way" in again.text
        _message, second = _mail_link(smtp)
        assert client.get(first).status_code == 410  # replaced by the new one

        page = client.get(second)
        assert page.status_code == 200 and "Confirm my address" in page.text
        db.session.expire_all()
        assert db.session.get(User, user.id).email_verified_at is None  # opening the link changes nothing
        confirmed = client.post(second)
        assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/login"
        assert login(client, "new@example.com", "a long password 1").status_code == 302
        assert client.post(second).status_code == 410

        for n in range(4):  # 1 above + 4 here: per IP address (and per address)
            client.post("/confirm/resend", data={"email": f"x{n}@example.test"})
        assert client.post("/confirm/resend", data={"email": "new@example.com"}).status_code == 429
        _work_queue()  # no account waits for confirmation: nothing mailed
        assert len(smtp.sink.envelopes) == 2


def test_with_verification_off_a_sign_up_is_signed_in_at_once(app):
    response = _register(app.test_client())
    assert response.status_code == 302 and response.headers["Location"] == "/welcome/profile?next=/dashboard"
    assert services.find_user("new@example.com").email_verified_at is not None
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_with_the_queue_down_the_request_records_the_link_itself(make_app, smtp, caplog):
    """Nothing listens on the queue's port: the reset is recorded in the request (logged), and its
    mail stays pending for the workers' sweep, rather than being lost."""
    app = make_app(MAIL_URL=smtp.url, QUEUE_URL=f"redis://127.0.0.1:{free_port()}/0")
    with app.app_context():
        user = make_user(email="patient@example.test")
        response = _forgot(app.test_client(), "patient@example.test")
        assert response.status_code == 200 and "Check your inbox" in response.text
        assert "the password_reset link is made in the request" in caplog.text
        row = _notification(user.id, NotificationKind.PASSWORD_RESET)
        assert row.email_state == EmailState.PENDING and "secret_path" in row.context
        assert send_mail(row.id) == "sent"  # what the sweep enqueues once the queue is back
        assert smtp.sink.envelopes[-1].rcpt_tos == ["patient@example.test"]
