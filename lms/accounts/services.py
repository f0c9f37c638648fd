"""Account logic: sign-up, password checks, login sessions, roles and teams."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, CursorResult, Select, bindparam, select, update

from lms.accounts.models import ROLES, TOKEN_PURPOSES, AccountToken, LoginSession, SessionUser, Team, User
from lms.db import utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.localtime import DEFAULT_ZONE, ZONES, zone_or_default
from lms.notifications.models import NotificationKind
from lms.notifications.services import notify

log = logging.getLogger(__name__)

# argon2id, 64 MiB, t=3, p=4: above OWASP ASVS 5.0's minimum (19 MiB, t=2, p=1).
# Config PASSWORD_HASH may replace them (the test suite uses cheap ones; production never should).
DEFAULT_HASH_PARAMS = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4}


@cache
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def _hasher() -> PasswordHasher:
    return _hasher_for(**current_app.config["PASSWORD_HASH"] or DEFAULT_HASH_PARAMS)


MIN_PASSWORD = 10
RESET, VERIFY = TOKEN_PURPOSES


def _dummy_hash() -> str:
    """A hash to check against when the e-mail is unknown, so timing does not reveal accounts."""
    return _dummy_hash_for(_hasher())


@cache
def _dummy_hash_for(hasher: PasswordHasher) -> str:
    return hasher.hash("not-a-real-password")


class AccountError(UserError):
    """A request about accounts that cannot be honoured; the message is for people."""


class LinkError(AccountError):
    """A mailed or printed link that does not work (unknown or altered, used or replaced, expired,
    or its account disabled): `status` is the HTTP answer of the page that says so."""

    def __init__(self, message: Any, status: int) -> None:
        super().__init__(message)
        self.status = status


class EmailNotVerified(AccountError):
    """The right password, for a sign-up whose address is not confirmed yet (EMAIL_VERIFICATION on)."""


def normalize_email(email: str) -> str:
    """E-mails are compared case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """Hash with argon2id; refuses passwords too short to be worth hashing."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(_l("Passwords need at least %(n)d characters.", n=MIN_PASSWORD))
    return _hasher().hash(password)


def find_user(email: str) -> User | None:
    """The user with this e-mail, if any."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    email: str,
    password: str,
    display_name: str,
    *,
    role: str = "learner",
    password_hash: str | None = None,
    timezone: str | None = DEFAULT_ZONE,
    verified: bool = True,
) -> User:
    """Create an account; refuses duplicate e-mails and unknown roles. `timezone` is the one the
    browser reported at sign-up: an unknown or missing one is UTC (editable in the profile), never
    a refusal, since the person cannot see or fix a hidden field. `verified=False` (a sign-up with
    EMAIL_VERIFICATION on) leaves the address to be confirmed before the first login."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role %(role)s; choose one of %(roles)s.", role=role, roles=", ".join(ROLES)))
    email = normalize_email(email)
    if find_user(email) is not None:
        raise AccountError(_l("An account with this e-mail already exists."))
    user = User(
        email=email,
        password_hash=password_hash or hash_password(password),
        display_name=display_name.strip() or email.split("@")[0],
        role=role,
        timezone=zone_or_default(timezone),
        email_verified_at=utcnow() if verified else None,
    )
    if user.timezone != timezone:
        log.info("sign-up of %s: time zone %r unknown, using %s", email, timezone, user.timezone)
    db.session.add(user)
    db.session.flush()
    log.info("account created: %s (%s)", email, role)
    return user


def authenticate(email: str, password: str, *, require_verified: bool = False) -> User | None:
    """The active user whose password matches, else None (same work either way).

    A disabled account with the right password raises AccountError: the password proves the
    person owns it, so telling them it is disabled reveals nothing a prober could use, while a
    wrong password still gets None, as for an unknown e-mail. So does EmailNotVerified, for a
    sign-up whose address is unconfirmed while `require_verified` (EMAIL_VERIFICATION) is on."""
    user = find_user(email)
    try:
        _hasher().verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if not user.active:
        log.info("login refused: account %s is disabled", user.email)
        raise AccountError(_l("This account is disabled. Contact an administrator."))
    if require_verified and user.email_verified_at is None:
        log.info("login refused: %s has not confirmed the address yet", user.email)
        raise EmailNotVerified(
            _l("Confirm your e-mail address first: open the link we mailed to %(email)s.", email=user.email)
        )
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return user


def start_session(user: User) -> str:
    """Record a login and return its token (what the session cookie carries)."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token=token, user_id=user.id))
    db.session.flush()
    user.session_token = token
    return token


_read_with_login: dict[str, Callable[[], ColumnElement]] = {}


def read_with_login(name: str, column: Callable[[], ColumnElement]) -> None:
    """Have every login check also read `column()`, a scalar subquery that may refer to
    `users.c.id`, into `SessionUser.also[name]`: data a page needs on every visit comes with the
    check every signed-in request makes anyway, in the same statement. Register at import."""
    _read_with_login[name] = column
    _session_user_statement.cache_clear()


@cache
def _session_user_statement() -> Select[*tuple[Any, ...]]:
    """Built once: it runs on every request. Core columns, not the ORM entity (see SessionUser)."""
    users, sessions = User.__table__, LoginSession.__table__
    return (
        select(
            *(column for column in users.c if column.key != "password_hash"),
            sessions.c.revoked_at,
            *(column().label(name) for name, column in _read_with_login.items()),
        )
        .select_from(users.join(sessions, sessions.c.user_id == users.c.id))
        .where(sessions.c.token == bindparam("token"))
    )


def load_session_user(token: str) -> SessionUser | None:
    """The user of a live login session; None once it is revoked or the user disabled.

    On a pooled connection of its own, not the ORM session's: a page served from the caches (the
    dashboard) then never builds an ORM session, a third of its cost. A page that does use the
    ORM checks out a second connection: lost in the noise on SQLite, ~0.1 ms on PostgreSQL (the
    pool's pre-ping and one more rollback, measured on a local server)."""
    with db.engine.connect() as conn:
        row = conn.execute(_session_user_statement(), {"token": token}).first()
    if row is None or row.revoked_at is not None or not row.active:
        return None
    columns = row._asdict()
    del columns["revoked_at"]
    also = {name: columns.pop(name) for name in _read_with_login}
    return SessionUser(columns, token, also)


def end_session(token: str) -> None:
    """Revoke one login session (logout)."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token == token, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all_sessions(user: User) -> None:
    """Revoke every login session of a user (disable, password change)."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def set_active(user: User, active: bool, by: User | None = None) -> None:
    """Enable or disable an account; disabling ends its sessions at once. `by` is the admin
    acting (None for the CLI), who may not disable their own account, and goes in the log."""
    if by is not None and by.id == user.id and not active:
        raise AccountError(_l("You cannot remove your own admin access."))
    user.active = active
    if not active:
        end_all_sessions(user)
    log.info("account %s %s by %s", user.email, "enabled" if active else "disabled", by.email if by else "the CLI")


def set_role(user: User, role: str) -> None:
    """Change a user's role."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role %(role)s; choose one of %(roles)s.", role=role, roles=", ".join(ROLES)))
    user.role = role
    log.info("role of %s set to %s", user.email, role)


def update_profile(user: User, *, display_name: str, certificate_name: str, locale: str | None, timezone: str) -> None:
    """Save profile fields (validated by the form; checked again here)."""
    if timezone not in ZONES:
        raise AccountError(_l("Unknown time zone %(tz)s.", tz=timezone))
    user.display_name = display_name.strip()
    user.certificate_name = certificate_name.strip()
    user.locale = locale or None
    user.timezone = timezone


# How long a mailed link works: a reset briefly (the mailbox may be read by others later), an
# address confirmation long enough for a person who signs up in the evening.
TOKEN_LIFETIMES = {RESET: timedelta(hours=1), VERIFY: timedelta(hours=48)}


def link_hours(purpose: str) -> int:
    """How many hours a mailed link of `purpose` works (what the mail and the pages say)."""
    return int(TOKEN_LIFETIMES[purpose].total_seconds() // 3600)


def _digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (the token is 256 random bits, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, purpose: str) -> tuple[AccountToken, str]:
    """A new one-time token for `purpose`; every earlier one of this user and purpose stops
    working. Returns the row and the raw token, which exists only in the link. Flushes."""
    now = utcnow()
    _end_tokens(user, purpose, now)
    token = secrets.token_urlsafe(32)
    row = AccountToken(
        user_id=user.id,
        purpose=purpose,
        token_hash=_digest(token),
        created_at=now,
        expires_at=now + TOKEN_LIFETIMES[purpose],
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def _end_tokens(user: User, purpose: str, now: datetime) -> None:
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.ended_at.is_(None))
        .values(ended_at=now)
    )


_TOKEN_PROBLEMS = {
    RESET: {
        "unknown": _l("This reset link is not valid. Check that you opened the whole link, or ask for a new one."),
        "ended": _l("This reset link was already used, or a newer one was sent. Ask for a new one if you need it."),
        "expired": _l("This reset link has expired. Ask for a new one."),
    },
    VERIFY: {
        "unknown": _l("This confirmation link is not valid. Check that you opened the whole link."),
        "ended": _l("This confirmation link was already used, or a newer one was sent."),
        "expired": _l("This confirmation link has expired. Log in to have a new one sent."),
    },
}


def check_token(token: str, purpose: str) -> AccountToken:
    """The live token row, or LinkError saying what is wrong (unknown or altered, used or
    replaced, expired, or its account disabled). Changes nothing."""
    row = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _digest(token), AccountToken.purpose == purpose)
    )
    if row is None:
        log.info("%s refused: unknown token", purpose)
        raise LinkError(_TOKEN_PROBLEMS[purpose]["unknown"], 404)
    if row.ended_at is not None:
        log.info("%s refused for %s: link %d already used or replaced", purpose, row.user.email, row.id)
        raise LinkError(_TOKEN_PROBLEMS[purpose]["ended"], 410)
    if row.expires_at <= utcnow():
        log.info("%s refused for %s: link %d expired", purpose, row.user.email, row.id)
        raise LinkError(_TOKEN_PROBLEMS[purpose]["expired"], 410)
    if not row.user.active:
        log.info("%s refused for %s: the account is disabled", purpose, row.user.email)
        raise LinkError(_l("This account is disabled. Contact an administrator."), 403)
    return row


def _use_token(token: str, purpose: str) -> User:
    """Check the token and end it, once: of two requests racing with one link, one wins. Flushes."""
    row = check_token(token, purpose)
    used = db.session.execute(
        update(AccountToken).where(AccountToken.id == row.id, AccountToken.ended_at.is_(None)).values(ended_at=utcnow())
    )
    if cast("CursorResult[Any]", used).rowcount != 1:
        raise LinkError(_TOKEN_PROBLEMS[purpose]["ended"], 410)
    return row.user


def request_password_reset(email: str, link: Callable[[str], str]) -> User | None:
    """Mail a one-time reset link (`link(token)`, a path on this site) to the active account with
    this e-mail, in the caller's transaction; None, and nothing recorded, for an unknown or
    disabled address (the page answers the same either way). Flushes."""
    user = find_user(email)
    if user is None or not user.active:
        reason = "no account" if user is None else "the account is disabled"
        log.info("password reset asked for %s: %s, nothing mailed", normalize_email(email), reason)
        return None
    row, token = issue_token(user, RESET)
    _mail_link(user, row, NotificationKind.PASSWORD_RESET, link(token))
    log.info("password reset link %d for %s recorded; the worker mails it", row.id, user.email)
    return user


# The notification's own title (an account mail is never listed in the inbox; its subject line is a template).
_MAIL_TITLES = {
    NotificationKind.PASSWORD_RESET: "Password reset",
    NotificationKind.EMAIL_VERIFICATION: "Confirm your e-mail address",
}


def _mail_link(user: User, row: AccountToken, kind: NotificationKind, path: str) -> None:
    """The link goes in the notification's `secret_path`, which notifications drops once the mail
    is sent, skipped or given up; the row's id keys the notification (one mail per link)."""
    hours = link_hours(row.purpose)
    subject = {"title": _MAIL_TITLES[kind]}
    notify(user, kind, subject, {"secret_path": path, "hours": hours}, f"token:{row.id}")


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a mailed (or printed) reset link, once; ends every login session
    and every other reset link of the account. The link also proves the address. Flushes."""
    password_hash = hash_password(new_password)  # a refused password leaves the link usable
    user = _use_token(token, RESET)
    user.password_hash = password_hash
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    _end_tokens(user, RESET, utcnow())
    end_all_sessions(user)
    db.session.flush()
    log.info("password of %s reset by link; every login session ended", user.email)
    return user


def start_verification(user: User, link: Callable[[str], str]) -> None:
    """Mail a one-time link that confirms the address (sign-up with EMAIL_VERIFICATION on). Flushes."""
    row, token = issue_token(user, VERIFY)
    _mail_link(user, row, NotificationKind.EMAIL_VERIFICATION, link(token))
    log.info("address confirmation link %d for %s recorded; the worker mails it", row.id, user.email)


def resend_verification(email: str, link: Callable[[str], str]) -> bool:
    """A new confirmation link for an active account still waiting for one; False (nothing sent)
    for any other address, which the page does not reveal. Flushes."""
    user = find_user(email)
    if user is None or not user.active or user.email_verified_at is not None:
        log.info("confirmation link asked again for %s: nothing waits for one", normalize_email(email))
        return False
    start_verification(user, link)
    return True


def verify_email(token: str) -> User:
    """Confirm the address from its mailed link, once. Flushes."""
    user = _use_token(token, VERIFY)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    log.info("address of %s confirmed", user.email)
    return user


def get_or_create_team(name: str) -> Team:
    """The team with this name, created if new."""
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError(_l("A team name needs 1 to 100 characters."))
    team = db.session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
    return team


def find_team(name: str) -> Team:
    """The named team, or a clear error."""
    team = db.session.scalar(select(Team).where(Team.name == name.strip()))
    if team is None:
        raise AccountError(_l("No team named %(name)s.", name=name))
    return team


def add_manager(team: Team, user: User) -> None:
    """Make a user a manager of a team (and give them the manager role if a learner)."""
    if user.role == "learner":
        user.role = "manager"
    if user not in team.managers:
        team.managers.append(user)


def add_members(team: Team, users: list[User]) -> None:
    """Add users to a team; adding someone already in it is harmless."""
    for user in users:
        if user not in team.members:
            team.members.append(user)
