"""Personal API tokens: created and revoked by their manager, stored as SHA-256, shown once."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import User
from lms.db import utcnow
from lms.errors import UserError
from lms.extensions import db
from lms.reports.models import ApiToken
from lms.reports.scope import can_view_reports

PREFIX = "acad_"
MAX_ACTIVE = 20


class TokenError(UserError):
    """A token request that cannot be honoured; the message is for people."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for a manager or admin; returns it and its secret (never stored, shown once)."""
    if not can_view_reports(user):
        raise TokenError(_l("Only managers and admins can create API tokens."))
    name = name.strip()
    if not name:
        raise TokenError(_l("Give the token a name."))
    if len(list_tokens(user, active_only=True)) >= MAX_ACTIVE:
        raise TokenError(_l("You already have %(n)d active tokens; revoke one first.", n=MAX_ACTIVE))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:100], prefix=secret[:12], token_hash=_digest(secret))
    db.session.add(token)
    db.session.flush()
    return token, secret


def list_tokens(user: User, *, active_only: bool = False) -> list[ApiToken]:
    """The user's own tokens, newest first."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    if active_only:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    return list(db.session.scalars(stmt))


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; None if it is not theirs (the view answers 404)."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


def authenticate_token(secret: str) -> User | None:
    """The active manager or admin behind a live token, else None; notes when it was last used."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    row = db.session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == _digest(secret))
    ).first()
    if row is None or row.ApiToken.revoked_at is not None or not can_view_reports(row.User):
        return None
    now = utcnow()
    if row.ApiToken.last_used_at is None or (now - row.ApiToken.last_used_at).total_seconds() > 300:
        row.ApiToken.last_used_at = now
        db.session.flush()
    return row.User
