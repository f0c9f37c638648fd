"""The demo cohort's developer profiles (issue 18): varied, enough per type for a segment, loaded once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from lms.demo.cohort import EMAIL_DOMAIN
from lms.demo.profiles import load_profiles
from lms.developers.models import DEVELOPER_TYPES, MIN_SEGMENT_SIZE, DeveloperInterest, DeveloperProfile
from lms.extensions import db
from tests.factories import make_user


def test_the_cohort_gets_varied_profiles_once(app, catalog):
    cohort = [make_user(email=f"learner{n}@{EMAIL_DOMAIN}", profile_asked=False) for n in range(36)]
    outsider = make_user(email="someone@example.com", profile_asked=False)
    assert load_profiles() == "Developer profiles: 36 added."
    db.session.commit()
    types = Counter(db.session.scalars(select(DeveloperProfile.developer_type)))
    assert set(types) == set(DEVELOPER_TYPES) and min(types.values()) >= MIN_SEGMENT_SIZE, types
    assert db.session.get(DeveloperProfile, outsider.id) is None
    assert len(set(db.session.scalars(select(DeveloperProfile.country)))) > 5
    assert db.session.scalar(select(func.count()).select_from(DeveloperInterest)) >= len(cohort)
    assert load_profiles() == "Developer profiles: already loaded."
    assert db.session.scalar(select(func.count()).select_from(DeveloperProfile)) == 36
