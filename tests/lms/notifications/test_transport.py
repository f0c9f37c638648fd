"""MAIL_URL's transports against a real aiosmtpd: STARTTLS and TLS from the start, certificates
verified (a private CA trusted through MAIL_CA_FILE), the URL's credentials logged in with."""

from __future__ import annotations

import email
from email import policy

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from lms.config import ConfigError
from lms.extensions import db
from lms.notifications.models import EmailState, Notification, NotificationKind
from lms.notifications.services import notify
from lms.notifications.tasks import send_mail
from tests.factories import make_user
from tests.lms.notifications.private_ca import PrivateCA
from tests.mailsink import Sink, SmtpServer

CONTEXT = {"author": "Ada", "body": "Hello", "sent_at": "2026-12-07T09:00:00+00:00"}


class Recording(Sink):
    """Also keeps, per accepted message, whether the conversation was encrypted and who logged in."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[tuple[bool, bytes | None]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        ok = (auth_data.login, auth_data.password) == (b"ann", b"p@ss w0rd")
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login)

    async def handle_DATA(self, server, session, envelope):
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.sessions.append((encrypted, session.auth_data if session.authenticated else None))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return PrivateCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture(params=["starttls", "smtps"])
def tls_server(request, ca):
    """A server that takes mail only over TLS and after logging in: STARTTLS required, or TLS from the start."""
    sink = Recording()
    options = {"authenticator": sink.authenticate, "auth_required": True}
    if request.param == "starttls":
        server = SmtpServer(sink, tls_context=ca.server_context(), require_starttls=True, **options)
        server.url_for = lambda creds: f"smtp://{creds}@127.0.0.1:{server.port}?starttls=true"
    else:
        # aiosmtpd offers AUTH only after its own STARTTLS unless told the connection is already TLS.
        server = SmtpServer(sink, ssl_context=ca.server_context(), auth_require_tls=False, **options)
        server.url_for = lambda creds: f"smtps://{creds}@127.0.0.1:{server.port}"
    yield server
    server.stop()


def _announce(email_address: str) -> int:
    user = make_user(email=email_address)
    new = notify(user, NotificationKind.ANNOUNCEMENT, {"title": "Over TLS"}, CONTEXT, key="announcement:tls")
    db.session.commit()
    return new


def _row(new: int) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, new)


def test_mail_goes_over_verified_tls_with_the_urls_credentials(make_app, tls_server, ca):
    app = make_app(MAIL_URL=tls_server.url_for("ann:p%40ss%20w0rd"), MAIL_CA_FILE=str(ca.ca_file))
    with app.app_context():
        new = _announce("tls@example.test")
        assert send_mail(new) == "sent", _row(new).last_error
    sink = tls_server.sink
    assert sink.logins == [(b"ann", b"p@ss w0rd")]
    assert sink.sessions == [(True, b"ann")]
    message = email.message_from_bytes(sink.envelopes[0].content, policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "tls@example.test"


def test_a_wrong_password_fails_the_attempt_with_the_servers_reason(make_app, tls_server, ca):
    app = make_app(MAIL_URL=tls_server.url_for("ann:guess"), MAIL_CA_FILE=str(ca.ca_file), MAIL_MAX_TRIES=2)
    with app.app_context():
        new = _announce("wrong@example.test")
        assert send_mail(new) == "retry"
        row = _row(new)
        assert row.email_state == EmailState.PENDING and row.attempts == 1
        assert row.last_error.startswith("SMTPAuthenticationError") and "535" in row.last_error
        assert "guess" not in row.last_error
    assert set(tls_server.sink.logins) == {(b"ann", b"guess")}  # smtplib tries PLAIN, then LOGIN
    assert tls_server.sink.envelopes == []


def test_a_certificate_no_trusted_ca_signed_is_refused(make_app, tls_server):
    """Without MAIL_CA_FILE the private CA is unknown: the client refuses rather than send in the clear."""
    app = make_app(MAIL_URL=tls_server.url_for("ann:p%40ss%20w0rd"))
    with app.app_context():
        new = _announce("untrusted@example.test")
        assert send_mail(new) == "retry"
        assert "CERTIFICATE_VERIFY_FAILED" in _row(new).last_error
    assert tls_server.sink.logins == [] and tls_server.sink.envelopes == []


def test_a_server_requiring_starttls_refuses_plain_mail_and_the_reason_is_kept(make_app, ca):
    sink = Recording()
    server = SmtpServer(sink, tls_context=ca.server_context(), require_starttls=True)
    try:
        app = make_app(MAIL_URL=server.url, MAIL_CA_FILE=str(ca.ca_file))
        with app.app_context():
            new = _announce("plain@example.test")
            assert send_mail(new) == "retry"
            assert "STARTTLS" in _row(new).last_error
    finally:
        server.stop()
    assert sink.envelopes == []


def test_an_unreadable_ca_file_is_refused_at_start(make_app, tmp_path):
    (tmp_path / "not-a-cert.pem").write_text("hello")
    with pytest.raises(ConfigError, match="MAIL_CA_FILE"):
        make_app(MAIL_CA_FILE=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="MAIL_CA_FILE"):
        make_app(MAIL_CA_FILE=str(tmp_path / "not-a-cert.pem"))
