"""A notification as an e-mail (text and HTML, in the recipient's language and time zone) and its
delivery: to the SMTP server of MAIL_URL, or as an .eml file in instance/outbox/ without one."""

from __future__ import annotations

import os
import smtplib
import ssl
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from lms.db import utcnow
from lms.localtime import zone_or_default
from lms.notifications import services

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.notifications.models import Notification, NotificationDigest

# Headers holding one URL: folding a line without a space in it turns it into an RFC 2047 encoded
# word, which mail clients do not read as a URL, so these are written on one line (< 998 characters).
UNFOLDED = frozenset({"list-unsubscribe"})


class _MailPolicy(EmailPolicy):
    """SMTP's policy, except that the UNFOLDED headers are never folded."""

    def fold(self, name: str, value: str) -> str:
        if name.lower() in UNFOLDED:
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in UNFOLDED:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


# SMTP's policy (CRLF lines) that also refuses CR or LF inside a header value: no header injection.
MAIL_POLICY = _MailPolicy(linesep="\r\n")


def one_line(text: str) -> str:
    """A header value from people's text (names, titles): line breaks become spaces."""
    return " ".join(str(text).split())


def build_message(notification: Notification, recipient: User) -> EmailMessage:
    """The message for one notification: subject, text and HTML parts from the kind's templates
    (notifications/mail/<kind>.*, else default.*), rendered in the recipient's language and zone."""
    language, base_url, common = _for_recipient(recipient)
    unsubscribe = unsubscribe_url(base_url, recipient.id, notification.kind)
    values = {
        **common,
        "notification": notification,
        "subject": notification.subject,
        "context": _with_times(notification.context),
        "unsubscribe_url": unsubscribe,
    }
    with force_locale(language):
        subject = _render(notification.kind, "subject.txt", values)
        text = _render(notification.kind, "txt", values)
        html = _render(notification.kind, "html", values)
    return _assemble(recipient, language, f"notification-{notification.id}", unsubscribe, (subject, text, html))


def build_digest(digest: NotificationDigest, items: list[Notification], recipient: User) -> EmailMessage:
    """The daily digest: one message listing `items` (title, time in the person's zone, link), in
    their language, with the digest's own one-click unsubscribe link."""
    language, base_url, common = _for_recipient(recipient)
    unsubscribe = _unsubscribe_link(base_url, recipient.id, services.DIGEST)
    with force_locale(language):
        entries = [
            (subject_line(item), _absolute(base_url, item.subject.get("url")), item.created_at) for item in items
        ]
        values = {
            **common,
            "subject": {"title": ""},
            "entries": entries,
            "day": digest.day,
            "unsubscribe_url": unsubscribe,
        }
        subject = render_template("notifications/mail/digest.subject.txt", **values).strip()
        values["subject"]["title"] = subject
        text = render_template("notifications/mail/digest.txt", **values).strip() + "\n"
        html = render_template("notifications/mail/digest.html", **values).strip() + "\n"
    return _assemble(recipient, language, f"digest-{digest.id}", unsubscribe, (subject, text, html))


def _for_recipient(recipient: User) -> tuple[str, str, dict[str, Any]]:
    """The recipient's language (theirs if offered, else the default), the site's address, and the
    template values every mail has (recipient, zone, language, base_url): one place, so a
    notification and a digest to the same person agree on language, zone and links."""
    from flask import current_app

    config = current_app.config
    language = recipient.locale if recipient.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
    base_url = (config["ACADEMY_BASE_URL"] or "http://127.0.0.1:5000").rstrip("/")
    zone = zone_or_default(recipient.timezone)
    return language, base_url, {"recipient": recipient, "zone": zone, "language": language, "base_url": base_url}


def _assemble(
    recipient: User, language: str, id_key: str, unsubscribe: str | None, texts: tuple[str, str, str]
) -> EmailMessage:
    """The headers and parts every mail we send has, notification or digest, written once so both
    keep the same From, one-line Subject, Message-ID form, one-click link and Content-Language.
    `texts`: the rendered subject, text and HTML."""
    from flask import current_app

    subject, text, html = texts
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = one_line(subject)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = Address(display_name=one_line(recipient.display_name), addr_spec=recipient.email)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(id_key)
    if unsubscribe:
        one_click(message, unsubscribe)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after the parts: add_alternative moves Content-* headers into them
    return message


def _absolute(base_url: str, url: object) -> str | None:
    """A notification's link as a full address on this site; None for none (or one elsewhere)."""
    if isinstance(url, str) and url.startswith("/") and not url.startswith(("//", "/\\")):
        return base_url + url
    return None


def unsubscribe_url(base_url: str, user_id: int, kind: str) -> str | None:
    """The one-click unsubscribe link of a mail of `kind` (or services.DIGEST); None for account mail."""
    if kind != services.DIGEST and kind not in services.CONFIGURABLE:
        return None
    return _unsubscribe_link(base_url, user_id, kind)


def _unsubscribe_link(base_url: str, user_id: int, kind: str) -> str:
    return f"{base_url}/unsubscribe/{services.unsubscribe_token(user_id, kind)}"


def one_click(message: EmailMessage, url: str) -> None:
    """RFC 8058: the link mail clients offer as "Unsubscribe", which they POST to without a session."""
    message["List-Unsubscribe"] = f"<{url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def _render(kind: str, extension: str, values: dict[str, Any]) -> str:
    try:
        return render_template(f"notifications/mail/{kind}.{extension}", **values).strip() + "\n"
    except TemplateNotFound:
        return render_template(f"notifications/mail/default.{extension}", **values).strip() + "\n"


def _with_times(context: dict[str, Any]) -> dict[str, Any]:
    """Context values named *_at are stored as ISO strings; templates get them as datetimes for `when`."""
    return {
        name: datetime.fromisoformat(value) if name.endswith("_at") and isinstance(value, str) else value
        for name, value in context.items()
    }


def deliver(message: EmailMessage, config: dict[str, Any] | Any, notification_id: int | str) -> None:
    """Hand one message to MAIL_URL's server, or write it to instance/outbox/ when there is none.
    Raises whatever the server or the disk raised: the caller keeps the message pending."""
    with Transport(config) as transport:
        transport.send(message, notification_id)


class Transport:
    """One SMTP conversation for many messages (a batch): connected at the first message, reused
    for the next, dropped after an error so the next message starts a fresh one. Without a server,
    each message is an .eml file in instance/outbox/. Certificates are verified (MAIL_CA_FILE adds
    a private CA to the system's)."""

    def __init__(self, config: dict[str, Any] | Any) -> None:
        self.config = config
        self.server: dict[str, Any] | None = config["MAIL_SERVER"]
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def send(self, message: EmailMessage, notification_id: int | str) -> None:
        """Send one message; raises what the server (or the disk) raised. A connection a server
        closed between two messages (idle or per-connection limits) is opened again once."""
        if self.server is None:
            _write_outbox(message, Path(self.config["INSTANCE_DIR"]) / "outbox", notification_id)
            return
        reused = self.smtp is not None
        try:
            self._connected().send_message(message)
        except smtplib.SMTPServerDisconnected:
            self.close()
            if not reused:
                raise
            self._connected().send_message(message)  # once more, on a new connection
        except BaseException:
            self.close()
            raise

    def _connected(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = connect(self.server or {}, self.config)
        return self.smtp

    def close(self) -> None:
        """End the conversation politely if it still stands (a dead one is just dropped)."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def connect(server: dict[str, Any], config: dict[str, Any] | Any) -> smtplib.SMTP:
    """A logged-in conversation with MAIL_URL's server: TLS from the start (smtps://) or after
    STARTTLS (?starttls=true), certificates checked against the system's CAs and MAIL_CA_FILE."""
    timeout = float(config["MAIL_TIMEOUT"])
    cafile = config.get("MAIL_CA_FILE") or None
    smtp: smtplib.SMTP
    if server["scheme"] == "smtps":
        smtp = smtplib.SMTP_SSL(server["host"], server["port"], timeout=timeout, context=tls_context(cafile))
    else:
        smtp = smtplib.SMTP(server["host"], server["port"], timeout=timeout)
    try:
        if server["starttls"]:
            smtp.starttls(context=tls_context(cafile))
        if server["username"]:
            smtp.login(server["username"], server["password"])
    except BaseException:
        smtp.close()
        raise
    return smtp


@lru_cache(maxsize=4)
def tls_context(cafile: str | None) -> ssl.SSLContext:
    """Verifying TLS (hostname and chain), trusting the system's CAs plus `cafile` if given. Made
    once per process and file (loading the system's CAs takes ~25 ms) and shared by connections."""
    context = ssl.create_default_context()
    if cafile:
        context.load_verify_locations(cafile=cafile)
    return context


def _write_outbox(message: EmailMessage, outbox: Path, notification_id: int | str) -> None:
    """One .eml file per message, written whole or not at all (a temporary name, then renamed)."""
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S}-{notification_id}.eml"
    temporary = outbox / f".{name}.tmp"
    temporary.write_bytes(message.as_bytes())
    os.replace(temporary, outbox / name)


def subject_line(notification: Notification) -> str:
    """The notification's one-line title in the viewer's language: its mail subject (the inbox's rows)."""
    values = {"subject": notification.subject, "context": _with_times(notification.context)}
    return one_line(_render(notification.kind, "subject.txt", values))
