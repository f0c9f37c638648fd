"""Developer profiles: validated saves, the once-only step after sign-up, and the flag the dashboard reads."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from babel import Locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.accounts.services import read_with_login
from lms.catalog.models import Tag
from lms.db import utcnow
from lms.developers.models import DEVELOPER_TYPES, DeveloperInterest, DeveloperProfile
from lms.extensions import db
from lms.signals import profile_saved

log = logging.getLogger(__name__)

ASKED = "developer_profile_asked"  # SessionUser.also key: the step was answered or skipped
MAX_YEARS = 60  # the table's years_range check
LIMITS = {"organisation": 200, "job_role": 100, "main_language": 50, "stack": 200}
# CLDR territories that are not countries (EU, UN, "unknown region", pseudo-regions).
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}

TYPE_LABELS = {
    "internal": _l("Internal (our own staff)"),
    "partner": _l("Partner"),
    "external": _l("External developer"),
    "academic": _l("Academic"),
    "student": _l("Student"),
}


class ProfileError(ValueError):
    """A field the profile cannot take; `field` names it so the form shows the message beside it."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(str(message))
        self.field = field


@dataclass(frozen=True)
class ProfileInput:
    """What a person may fill in; every field may stay empty."""

    developer_type: str | None = None
    organisation: str = ""
    job_role: str = ""
    interests: tuple[str, ...] = ()
    main_language: str = ""
    stack: str = ""
    years_experience: int | None = None
    country: str | None = None


@cache
def _country_codes() -> frozenset[str]:
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)


def country_name(code: str | None, locale: str | None) -> str:
    """The country's name in the reader's language (CLDR, through babel); the code if unknown."""
    if not code:
        return ""
    try:
        return Locale.parse(locale or "en").territories.get(code, code)
    except (ValueError, TypeError):
        return code


def country_choices(locale: str | None) -> list[tuple[str, str]]:
    """Every country, named and sorted in the reader's language."""
    names = Locale.parse(locale or "en").territories
    return sorted(((code, names.get(code, code)) for code in _country_codes()), key=lambda c: c[1])


def tag_names() -> list[str]:
    """The interests one may choose: the catalog's tags."""
    return list(db.session.scalars(select(Tag.name).order_by(Tag.name)))


def profile_of(user_id: int) -> DeveloperProfile | None:
    return db.session.get(DeveloperProfile, user_id)


def _clean(data: ProfileInput) -> ProfileInput:
    """The input checked field by field; ProfileError names the first wrong one."""
    if data.developer_type and data.developer_type not in DEVELOPER_TYPES:
        raise ProfileError("developer_type", _l("Unknown developer type %(value)s.", value=data.developer_type))
    country = (data.country or "").strip().upper() or None
    if country and country not in _country_codes():
        raise ProfileError("country", _l("Unknown country code %(value)s.", value=data.country))
    years = data.years_experience
    if years is not None and not 0 <= years <= MAX_YEARS:
        raise ProfileError("years_experience", _l("Years of experience must be between 0 and %(max)d.", max=MAX_YEARS))
    texts = {}
    for name, limit in LIMITS.items():
        value = (getattr(data, name) or "").strip()
        if len(value) > limit:
            raise ProfileError(name, _l("At most %(limit)d characters, please.", limit=limit))
        texts[name] = value
    interests = tuple(sorted({t.strip() for t in data.interests if t and t.strip()}))
    unknown = set(interests) - set(tag_names())
    if unknown:
        raise ProfileError("interests", _l("Unknown interest %(value)s.", value=", ".join(sorted(unknown))))
    return ProfileInput(
        data.developer_type or None, interests=interests, years_experience=years, country=country, **texts
    )


def save_profile(user: User, data: ProfileInput) -> DeveloperProfile:
    """Validate and store the profile (nothing is stored when a field is wrong); marks the step asked."""
    clean = _clean(data)
    profile = profile_of(user.id) or DeveloperProfile(user_id=user.id)
    db.session.add(profile)
    profile.developer_type = clean.developer_type
    profile.organisation = clean.organisation
    profile.job_role = clean.job_role
    profile.main_language = clean.main_language
    profile.stack = clean.stack
    profile.years_experience = clean.years_experience
    profile.country = clean.country
    profile.asked_at = profile.asked_at or utcnow()
    profile.updated_at = utcnow()
    kept = {i.tag: i for i in profile.interests}
    profile.interests = [kept.get(tag) or DeveloperInterest(user_id=user.id, tag=tag) for tag in clean.interests]
    db.session.flush()
    profile_saved.send(profile)
    log.info("developer profile of user %s saved", user.id)
    return profile


def skip_step(user: User) -> None:
    """The person chose not to answer now: the step is not shown again (the profile page still offers it)."""
    profile = profile_of(user.id) or DeveloperProfile(user_id=user.id)
    db.session.add(profile)
    profile.asked_at = profile.asked_at or utcnow()
    db.session.flush()


def needs_step(user: Any) -> bool:
    """Should this learner meet the profile step now? Staff and analysts are not asked. Reads what
    the login check read (SessionUser.also), so the dashboard pays no query of its own."""
    if user.role != "learner":
        return False
    also = getattr(user, "also", None)
    if also is not None and ASKED in also:
        return not also[ASKED]
    return not db.session.scalar(select(_asked(user.id)))


def _asked(user_id: Any):
    profiles = DeveloperProfile.__table__
    return exists().where(profiles.c.user_id == user_id, profiles.c.asked_at.is_not(None))


read_with_login(ASKED, lambda: _asked(User.__table__.c.id))


def profiles_for(user_ids: list[int]) -> dict[int, DeveloperProfile]:
    """The profiles of a page of users (the admin's list), in one query."""
    stmt = (
        select(DeveloperProfile)
        .where(DeveloperProfile.user_id.in_(user_ids))
        .options(selectinload(DeveloperProfile.interests))
    )
    return {p.user_id: p for p in db.session.scalars(stmt)}
