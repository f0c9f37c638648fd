"""Queue tasks of the developers domain: segments recomputed every night (activity, teams and
placements change without a profile being saved)."""

from __future__ import annotations

from lms.developers.services.segments import recompute_all
from lms.extensions import db, queue


@queue.periodic(minute="15", hour="2")
def nightly_segments() -> str:
    """Recompute every segment at 02:15 UTC on a worker."""
    done = recompute_all()
    db.session.commit()
    return f"{done} segment(s) recomputed"
