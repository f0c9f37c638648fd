"""Queue task of the recommend domain: refit the mastery model off the request path."""

from __future__ import annotations

from lms.extensions import db, queue
from lms.recommend.fitting import fit_all


@queue.task
def fit_mastery_model(forgetting: bool = False) -> str:
    """Fit BKT parameters per skill and recompute every mastery (what `flask recommend fit` does)."""
    report = fit_all(forgetting=forgetting)
    db.session.commit()
    return report.summary()
