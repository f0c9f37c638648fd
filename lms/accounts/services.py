"""Account logic: sign-up, password checks, login sessions, roles and teams."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, Select, bindparam, select, update

from lms.accounts.models import ROLES, LoginSession, SessionUser, Team, User
from lms.db import utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.localtime import DEFAULT_ZONE, ZONES, zone_or_default

log = logging.getLogger(__name__)

# argon2id, 64 MiB, t=3, p=4: above OWASP ASVS 5.0's minimum (19 MiB, t=2, p=1).
# Config PASSWORD_HASH may replace them (the test suite uses cheap ones; production never should).
DEFAULT_HASH_PARAMS = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4}


@cache
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def _hasher() -> PasswordHasher:
    return _hasher_for(**current_app.config["PASSWORD_HASH"] or DEFAULT_HASH_PARAMS)


RESET_MAX_AGE = 3600
MIN_PASSWORD = 10


def _dummy_hash() -> str:
    """A hash to check against when the e-mail is unknown, so timing does not reveal accounts."""
    return _dummy_hash_for(_hasher())


@cache
def _dummy_hash_for(hasher: PasswordHasher) -> str:
    return hasher.hash("not-a-real-password")


class AccountError(UserError):
    """A request about accounts that cannot be honoured; the message is for people."""


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
) -> User:
    """Create an account; refuses duplicate e-mails and unknown roles. `timezone` is the one the
    browser reported at sign-up: an unknown or missing one is UTC (editable in the profile), never
    a refusal, since the person cannot see or fix a hidden field."""
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
    )
    if user.timezone != timezone:
        log.info("sign-up of %s: time zone %r unknown, using %s", email, timezone, user.timezone)
    db.session.add(user)
    db.session.flush()
    log.info("account created: %s (%s)", email, role)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user whose password matches, else None (same work either way).

    A disabled account with the right password raises AccountError: the password proves the
    person owns it, so telling them it is disabled reveals nothing a prober could use, while a
    wrong password still gets None, as for an unknown e-mail."""
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


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="password-reset")


def make_reset_token(user: User, secret_key: str) -> str:
    """A signed, expiring token bound to the current hash: it works once."""
    return _reset_serializer(secret_key).dumps({"id": user.id, "h": user.password_hash[-16:]})


def reset_password(token: str, new_password: str, secret_key: str) -> User:
    """Set a new password from a reset token, then end every session of the user."""
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired as exc:
        raise AccountError(_l("This reset link has expired; ask for a new one.")) from exc
    except BadSignature as exc:
        raise AccountError(_l("This reset link is not valid.")) from exc
    user = db.session.get(User, data.get("id"))
    if user is None or user.password_hash[-16:] != data.get("h"):
        raise AccountError(_l("This reset link was already used."))
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
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
