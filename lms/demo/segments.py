"""Demo segments for `flask demo cohort`: three rules an admin would write first. Their sizes
follow whatever profiles, placements and activity the demo has (0 without profiles)."""

from __future__ import annotations

from sqlalchemy import select

from lms.developers.models import Segment
from lms.developers.services import segments
from lms.extensions import db

DEMO_SEGMENTS = (
    ("Partners", "Developers at partner companies.", [[{"field": "developer_type", "op": "eq", "value": "partner"}]]),
    (
        "Students active in the last 30 days",
        "Students and academics who learned something this month.",
        [
            [{"field": "developer_type", "op": "in", "value": ["student", "academic"]}],
            [{"field": "active_days", "op": "eq", "value": 30}],
        ],
    ),
    (
        "Experienced Python developers",
        "Five years or more, Python as main language or placed at the advanced tier.",
        [
            [{"field": "years_experience", "op": "range", "value": {"min": 5, "max": None}}],
            [
                {"field": "main_language", "op": "eq", "value": "Python"},
                {"field": "placement_level", "op": "eq", "value": "advanced"},
            ],
        ],
    ),
)


def load_segments() -> str:
    """Create the demo segments that are missing and recompute every one; a second run adds nothing."""
    existing = set(db.session.scalars(select(Segment.name)))
    created = 0
    for name, description, rules in DEMO_SEGMENTS:
        if name in existing:
            continue
        _segment, problems = segments.save(None, name, description, rules, None)
        if problems:  # the demo's own rules: a failure here is a bug in this file
            raise ValueError(f"{name}: {problems}")
        created += 1
    segments.recompute_all()
    db.session.commit()
    sizes = ", ".join(f"{s.name} {s.member_count}" for s in segments.all_segments())
    return f"Segments: {created} created ({sizes})."
