"""Yearly targets admins set (e.g. 2,000 certified developers, NPS >= 40) and the progress to each,
platform-wide, from January 1st (UTC) to today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from lms.accounts.models import User
from lms.certification.models import Certificate
from lms.community.services.figures import Period
from lms.extensions import db
from lms.feedback.models import SurveyResponse
from lms.programme.models import ProgrammeDaily, ProgrammeTarget
from lms.programme.services.buckets import COMPLETIONS, ENROLMENTS
from lms.programme.services.figures import nps_of

# metric -> (label, lowest, highest): counts are reached from below; scores are levels to hold
TARGET_METRICS = {
    "certified_developers": (_l("Certified developers"), 1, 10_000_000),
    "new_developers": (_l("New developers"), 1, 10_000_000),
    "enrolments": (_l("Enrolments"), 1, 100_000_000),
    "completions": (_l("Completions"), 1, 100_000_000),
    "nps": (_l("NPS at least"), -100, 100),
    "csat": (_l("CSAT at least (%)"), 0, 100),
}
LEVELS = ("nps", "csat")


class TargetError(ValueError):
    """A target that cannot be saved, worded for the admin."""


@dataclass(frozen=True)
class Progress:
    metric: str
    label: str
    target: int
    actual: float | None

    @property
    def percent(self) -> int | None:
        """Share of a count target reached (capped display is the template's); None for levels."""
        if self.metric in LEVELS or self.actual is None:
            return None
        return round(100 * self.actual / self.target)

    @property
    def met(self) -> bool:
        return self.actual is not None and self.actual >= self.target


def set_target(year: int, metric: str, value: int, by: User | None) -> ProgrammeTarget:
    """Create or change a year's target for one metric; TargetError for an unknown metric or a value
    out of range. Flushes."""
    if metric not in TARGET_METRICS:
        raise TargetError(_l("Choose one of the listed metrics."))
    if not 2000 <= year <= 2100:
        raise TargetError(_l("The year must be between 2000 and 2100."))
    label, lowest, highest = TARGET_METRICS[metric]
    if not lowest <= value <= highest:
        raise TargetError(
            _l("%(metric)s: the target must be between %(low)s and %(high)s.", metric=label, low=lowest, high=highest)
        )
    target = db.session.scalar(
        select(ProgrammeTarget).where(ProgrammeTarget.year == year, ProgrammeTarget.metric == metric)
    )
    if target is None:
        target = ProgrammeTarget(year=year, metric=metric)
        db.session.add(target)
    target.value, target.set_by_id = value, by.id if by is not None else None
    db.session.flush()
    return target


def remove_target(year: int, metric: str) -> bool:
    target = db.session.scalar(
        select(ProgrammeTarget).where(ProgrammeTarget.year == year, ProgrammeTarget.metric == metric)
    )
    if target is None:
        return False
    db.session.delete(target)
    db.session.flush()
    return True


def _find(year: int, metric: str) -> ProgrammeTarget | None:
    return db.session.scalar(
        select(ProgrammeTarget).where(ProgrammeTarget.year == year, ProgrammeTarget.metric == metric)
    )


def targets_of(year: int) -> list[ProgrammeTarget]:
    rows = db.session.scalars(select(ProgrammeTarget).where(ProgrammeTarget.year == year)).all()
    order = list(TARGET_METRICS)
    return sorted(rows, key=lambda t: order.index(t.metric) if t.metric in order else len(order))


def progress(year: int, today: date) -> list[Progress]:
    """Each target of the year with the value reached so far (one query per metric that has a target)."""
    period = Period(date(year, 1, 1), min(today, date(year, 12, 31)))
    return [
        Progress(t.metric, str(TARGET_METRICS[t.metric][0]), t.value, actual(t.metric, period))
        for t in targets_of(year)
        if t.metric in TARGET_METRICS
    ]


def actual(metric: str, period: Period) -> float | None:
    """A target metric's platform-wide value over the period."""
    if metric == "certified_developers":
        return db.session.scalar(
            select(func.count(func.distinct(Certificate.user_id))).where(
                Certificate.issued_at >= period.starts_at,
                Certificate.issued_at < period.ends_at,
                Certificate.revoked_at.is_(None),
            )
        )
    if metric == "new_developers":
        return db.session.scalar(
            select(func.count()).where(User.created_at >= period.starts_at, User.created_at < period.ends_at)
        )
    if metric in (ENROLMENTS, COMPLETIONS):
        total = db.session.scalar(
            select(func.sum(ProgrammeDaily.value)).where(
                ProgrammeDaily.metric == metric, ProgrammeDaily.day.between(period.start, period.end)
            )
        )
        return int(total or 0)
    r = SurveyResponse
    row = db.session.execute(
        select(
            func.count(r.csat),
            func.sum(case((r.csat >= 4, 1), else_=0)),
            func.count(r.nps),
            func.sum(case((r.nps >= 9, 1), else_=0)),
            func.sum(case((r.nps <= 6, 1), else_=0)),
        ).where(r.submitted_at >= period.starts_at, r.submitted_at < period.ends_at)
    ).one()
    if metric == "csat":
        return round(100 * int(row[1] or 0) / row[0]) if row[0] else None
    return nps_of(int(row[3] or 0), int(row[4] or 0), row[2])
