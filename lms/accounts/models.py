"""Users, their login sessions, and teams."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

# An analyst reads the programme's figures and changes nothing (lms.developers.readonly).
ROLES = ("learner", "instructor", "manager", "admin", "analyst")

team_members = Table(
    "team_members",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)
team_managers = Table(
    "team_managers",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    certificate_name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    role: Mapped[str] = mapped_column(String(20), default="learner")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the person proved the address is theirs; None only for a sign-up waiting for that proof
    # (EMAIL_VERIFICATION on). Accounts never asked for it (made by the CLI or an admin, signed up
    # with the setting off or before it existed) count as verified from their creation.
    email_verified_at: Mapped[datetime | None]

    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members")
    managed_teams: Mapped[list[Team]] = relationship(secondary=team_managers, back_populates="managers")

    # Flask-Login identifies the *login session*, so that logout can revoke it server-side.
    # Set per request by the user loader; not a column (an annotation would make it one: cast instead).
    session_token = cast("str | None", None)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    # UserMixin compares users by get_id(); rows must compare by identity instead.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def get_id(self) -> str:
        return self.session_token or ""

    def has_role(self, *roles: str) -> bool:
        """Admins pass every role check."""
        return self.role == "admin" or self.role in roles

    @property
    def printed_name(self) -> str:
        return self.certificate_name or self.display_name


class SessionUser:
    """The signed-in user of one request: one Core row of `User`'s columns (no password hash).

    Every request loads its user, and most read only these columns (id, name, role, language,
    time zone); building the ORM `User` cost a quarter of a cached dashboard page. Anything else
    (relationships, a change, handing it to the ORM) goes to the ORM `User`, loaded on first need
    and used from then on, so views and services treat `current_user` as the `User` it stands for.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = User.is_active
    get_id = User.get_id
    has_role = User.has_role
    printed_name = User.printed_name

    def __init__(self, columns: dict[str, Any], session_token: str, also: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_columns", columns)
        object.__setattr__(self, "_account", None)
        object.__setattr__(self, "session_token", session_token)
        object.__setattr__(self, "also", also or {})  # read with the login check for other packages

    @property
    def account(self) -> User:
        """The ORM `User`, loaded once per request when something needs more than the columns."""
        if self._account is None:
            from lms.extensions import db

            account = db.session.get(User, self._columns["id"])
            account.session_token = self.session_token
            object.__setattr__(self, "_account", account)
        return self._account

    def __getattr__(self, name: str) -> Any:  # only names the class and instance lack
        if name.startswith("__"):
            raise AttributeError(name)
        if self._account is None and name in self._columns:
            return self._columns[name]
        return getattr(self.account, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.account, name, value)


class LoginSession(Base):
    """A server-side record of a login: revoking it ends the session even if the cookie is replayed."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


TOKEN_PURPOSES = ("password_reset", "email_verification")


class AccountToken(Base):
    """A one-time link mailed to a person (a password reset, an address to confirm). Only the
    SHA-256 of its random token is stored: a database dump holds no link that works. It ends
    (`ended_at`) when used or when a newer one of the same purpose is issued, and by `expires_at`."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(f"purpose IN {TOKEN_PURPOSES}", name="purpose_known"),
        Index("ix_account_tokens_user_purpose", "user_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(secondary=team_members, back_populates="teams")
    managers: Mapped[list[User]] = relationship(secondary=team_managers, back_populates="managed_teams")
