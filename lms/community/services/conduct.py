"""The code of conduct: which version a member accepted and when. Sign-up records it; accounts
created before, or who accepted an older version, meet it at their next post (ConductRequired)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from lms.community.models import CONDUCT_VERSION, CommunityMember
from lms.db import utcnow
from lms.extensions import db

if TYPE_CHECKING:
    from lms.accounts.models import User


def has_accepted(user: User) -> bool:
    """Whether the user accepted the code of conduct's current version."""
    if not user.is_authenticated:
        return False
    standing = db.session.get(CommunityMember, user.id)
    return standing is not None and standing.conduct_version == CONDUCT_VERSION


def standing_of(user_id: int) -> CommunityMember:
    """The member's row, created on first need; a racing request creating it too is caught by the
    primary key inside a SAVEPOINT, and its row is used instead. The caller commits."""
    standing = db.session.get(CommunityMember, user_id)
    if standing is not None:
        return standing
    try:
        with db.session.begin_nested():
            standing = CommunityMember(user_id=user_id)
            db.session.add(standing)
    except IntegrityError:
        standing = db.session.get(CommunityMember, user_id, populate_existing=True)
        assert standing is not None
    return standing


def accept(user: User) -> CommunityMember:
    """Record that the user accepted the current version now. The caller commits."""
    standing = standing_of(user.id)
    standing.conduct_version = CONDUCT_VERSION
    standing.conduct_accepted_at = utcnow()
    db.session.flush()
    return standing
