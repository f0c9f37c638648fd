"""Strict parsing of the API's query parameters into a ReportFilter (400 with details otherwise)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from werkzeug.datastructures import MultiDict

from lms.catalog.models import TIERS
from lms.community.services.figures import MAX_DAYS, Period, default_period
from lms.programme.services.periods import MAX_DAYS as PROGRAMME_MAX_DAYS
from lms.programme.services.periods import PERIOD_NAMES, Window, window
from lms.reports.query import STATUSES, ReportFilter

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
MAX_PER_PAGE = 500
KNOWN = {"team_id", "course_id", "tier", "status", "enrolled_from", "enrolled_to", "page", "per_page"}
COMMUNITY_KNOWN = {"course", "from", "to"}
PROGRAMME_KNOWN = {"period", "start", "end", "segment"}
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


class ParamError(ValueError):
    """Bad query parameters; `problems` maps each parameter to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("invalid query parameters")
        self.problems = problems


def _int(args: MultiDict, name: str, low: int, high: int, problems: dict, default: int | None = None) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        problems[name] = f"an integer from {low} to {high}"
        return default
    return int(raw)


def _date(args: MultiDict, name: str, problems: dict) -> date | None:
    raw = args.get(name)
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        problems[name] = "a date as YYYY-MM-DD"
        return None


def _known(args: MultiDict, known: set[str], problems: dict[str, str]) -> None:
    for name in args:
        if name not in known:
            problems[name] = "unknown parameter"
        elif len(args.getlist(name)) > 1:
            problems[name] = "give it once"


def parse_community_params(args: MultiDict, now: datetime) -> tuple[str | None, Period]:
    """(course slug or None, period) for the community figures; ParamError lists every problem at
    once. Every well-formed period is answered, as the completion filters are: `to` defaults to
    today and stops there (no later day has anything to count), `from` defaults to 12 weeks back
    and is moved up to MAX_DAYS before `to`; a `to` before `from` matches nothing. The answer's
    `period` says which days were counted."""
    problems: dict[str, str] = {}
    _known(args, COMMUNITY_KNOWN, problems)
    slug = args.get("course") or None
    if slug is not None and not SLUG.fullmatch(slug):
        problems["course"] = "a course slug: lowercase letters, digits and hyphens"
    start, end = _date(args, "from", problems), _date(args, "to", problems)
    if problems:
        raise ParamError(problems)
    today = now.astimezone(UTC).date()
    end = min(end or today, today)
    earliest = end - timedelta(days=MAX_DAYS - 1) if end > date.min + timedelta(days=MAX_DAYS) else date.min
    start = max(start or default_period(now).start, earliest)
    return slug, Period(start, end)


def parse_completion_params(args: MultiDict) -> tuple[ReportFilter, int, int]:
    """(filter, page, per_page) from the query string; ParamError lists every problem at once."""
    problems: dict[str, str] = {}
    _known(args, KNOWN, problems)
    tier, status = args.get("tier") or None, args.get("status") or None
    if tier is not None and tier not in TIERS:
        problems["tier"] = "one of " + ", ".join(TIERS)
    if status is not None and status not in STATUSES:
        problems["status"] = "one of " + ", ".join(STATUSES)
    values = {
        "team_id": _int(args, "team_id", 1, MAX_ID, problems),
        "course_id": _int(args, "course_id", 1, MAX_ID, problems),
        "enrolled_from": _date(args, "enrolled_from", problems),
        "enrolled_to": _date(args, "enrolled_to", problems),
    }
    page = _int(args, "page", 1, MAX_PAGE, problems, default=1)
    per_page = _int(args, "per_page", 1, MAX_PER_PAGE, problems, default=100)
    if problems:
        raise ParamError(problems)
    flt = ReportFilter(tier=tier, status=status, **values)
    return flt, page, per_page


def parse_programme_params(args: MultiDict, today: date) -> tuple[Window, int | None]:
    """(window, segment id or None) for /programme/...; ParamError lists every malformed parameter.
    Every well-formed query is answered, as the community figures are: `start`/`end` only count with
    period=custom (or without a period); a custom end stops at today, a start defaults to 29 days
    before the end, a start after the end becomes the end, and a period is at most MAX_DAYS long.
    The answer's `period` says which days were counted."""
    problems: dict[str, str] = {}
    _known(args, PROGRAMME_KNOWN, problems)
    name = args.get("period") or None
    if name is not None and name not in PERIOD_NAMES:
        problems["period"] = "one of " + ", ".join(PERIOD_NAMES)
    segment_id = _int(args, "segment", 1, MAX_ID, problems)
    start, end = _date(args, "start", problems), _date(args, "end", problems)
    if problems:
        raise ParamError(problems)
    if name == "custom" or (name is None and (start or end)):
        end = min(end or today, today)
        earliest = (
            end - timedelta(days=PROGRAMME_MAX_DAYS - 1)
            if end > date.min + timedelta(days=PROGRAMME_MAX_DAYS)
            else date.min
        )
        start = min(max(start or end - timedelta(days=29), earliest), end)
        return window("custom", start.isoformat(), end.isoformat(), today), segment_id
    return window(name, None, None, today), segment_id
