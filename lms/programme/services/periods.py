"""The dashboard's periods: a preset ending today (week, month, quarter, year) or a custom range of
UTC days, each compared with the period of equal length just before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from lms.community.services.figures import Period

PRESETS = {"week": 7, "month": 30, "quarter": 91, "year": 365}
PERIOD_NAMES = (*PRESETS, "custom")
DEFAULT = "month"
MAX_DAYS = 731  # a custom range: at most two years (its previous period doubles what is read)


class PeriodError(ValueError):
    """A period that cannot be read, worded for the person who typed it."""


@dataclass(frozen=True)
class Window:
    """The period asked for and the one before it (same number of days)."""

    name: str
    current: Period
    previous: Period

    @property
    def days(self) -> int:
        return (self.current.end - self.current.start).days + 1

    @property
    def span(self) -> Period:
        """Both periods: what the queries read."""
        return Period(self.previous.start, self.current.end)


def window(name: str | None, start: str | None, end: str | None, today: date) -> Window:
    """The window for the query arguments; PeriodError for an unknown name or a bad custom range."""
    name = name or DEFAULT
    if name in PRESETS:
        current = Period(today - timedelta(days=PRESETS[name] - 1), today)
    elif name == "custom":
        first, last = _day(start, _l("start")), _day(end, _l("end"))
        if first > last:
            raise PeriodError(_l("The period starts after it ends."))
        if last > today:
            raise PeriodError(_l("The period cannot end after today."))
        if (last - first).days >= MAX_DAYS:
            raise PeriodError(_l("A period covers at most %(days)s days.", days=MAX_DAYS))
        current = Period(first, last)
    else:
        raise PeriodError(_l("Choose a week, a month, a quarter, a year or a custom range."))
    length = timedelta(days=(current.end - current.start).days + 1)
    return Window(name, current, Period(current.start - length, current.end - length))


def _day(text: str | None, which: Any) -> date:
    if not text:
        raise PeriodError(_l("A custom range needs a %(which)s date.", which=which))
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(_l("“%(value)s” is not a date (YYYY-MM-DD).", value=text[:20])) from None
