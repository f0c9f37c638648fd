"""Developer profiles for the demo cohort (issue 18): varied answers, enough of each developer type
for a segment of MIN_SEGMENT_SIZE or more, so the developers overview and segments have figures."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import User
from lms.demo.cohort import EMAIL_DOMAIN
from lms.developers.models import DEVELOPER_TYPES, DeveloperProfile
from lms.developers.services.profiles import ProfileInput, save_profile, tag_names
from lms.extensions import db

# One of each type first, then mostly external developers and partners: with the cohort's default
# 36 learners every type has at least MIN_SEGMENT_SIZE (tests/lms/demo/test_profiles.py).
TYPES = ("external", "partner", "internal", "external", "academic", "student", "partner")
ORGANISATIONS = {
    "internal": ("Academy", "Academy Labs"),
    "partner": ("Northwind Systems", "Contoso AI"),
    "external": ("", "Freelance", "Fabrikam"),
    "academic": ("TU Delft", "Tsinghua University"),
    "student": ("ETH Zürich", "University of Nairobi"),
}
ROLES = ("Backend engineer", "Data scientist", "ML engineer", "Full-stack developer", "Researcher", "")
LANGUAGES = ("Python", "Python", "TypeScript", "Go", "Java", "Rust", "Python", "")
STACKS = ("FastAPI, PostgreSQL", "Django, React", "PyTorch, Kubernetes", "Node.js, Next.js", "Spark, Airflow", "")
COUNTRIES = ("DE", "US", "CN", "IN", "BR", "FR", "KE", "NL", "GB", "CN", "US", "")


def load_profiles() -> str:
    """Profiles for the cohort's learners that have none yet (a second run adds nothing). The caller commits."""
    learners = db.session.scalars(
        select(User)
        .outerjoin(DeveloperProfile, DeveloperProfile.user_id == User.id)
        .where(User.email.like(f"%@{EMAIL_DOMAIN}"), DeveloperProfile.user_id.is_(None))
        .order_by(User.id)
    ).all()
    tags = tag_names()
    for n, user in enumerate(learners):
        kind = TYPES[n % len(TYPES)] if n >= len(DEVELOPER_TYPES) else DEVELOPER_TYPES[n]
        organisations = ORGANISATIONS[kind]
        interests = tuple(tags[(n * 3 + k * 5) % len(tags)] for k in range(1 + n % 3)) if tags else ()
        save_profile(
            user,
            ProfileInput(
                developer_type=kind,
                organisation=organisations[n % len(organisations)],
                job_role="Student" if kind == "student" else ROLES[n % len(ROLES)],
                interests=interests,
                main_language=LANGUAGES[n % len(LANGUAGES)],
                stack=STACKS[n % len(STACKS)],
                years_experience=0 if kind == "student" else (n * 7) % 25,
                country=COUNTRIES[n % len(COUNTRIES)] or None,
            ),
        )
    return f"Developer profiles: {len(learners)} added." if learners else "Developer profiles: already loaded."
