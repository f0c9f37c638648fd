"""Queue task of the recommend domain: refit the mastery model off the request path."""

from __future__ import annotations

from lms.extensions import db, queue


@queue.task
def fit_mastery_model(forgetting: bool = False) -> str:
    """Fit BKT parameters per skill and recompute every mastery (what `flask recommend fit` does)."""
    from lms.recommend.fitting import fit_all  # numpy: loaded by the fit, not by every `flask` command

    report = fit_all(forgetting=forgetting)
    db.session.commit()
    return report.summary()


@queue.periodic(minute="30", hour="3")
def nightly_fit() -> str:
    """Refit the mastery model every night at 03:30 UTC on a grading worker."""
    return fit_mastery_model()
