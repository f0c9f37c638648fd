"""The learner's time zone in one place: stored UTC moments shown in it, wall-clock times read in it.

Times are stored in UTC (`lms.db.UTCDateTime`). People see and type them in the zone of their
profile (`users.timezone`: the browser's at sign-up, editable in the profile); visitors who are
not signed in see UTC. Shown times use one medium format per language, Babel's (CLDR) medium date
with its short time, labelled with the zone's abbreviation ("Dec 12, 2026, 5:00 PM CET",
"2026年12月12日 17:00 CET"). Journeys owns this module (DECISIONS.md); notifications and
workshops use it rather than formatting times themselves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l

from lms.errors import UserError

DEFAULT_ZONE = "UTC"
# "localtime" is whatever the server's /etc/localtime is, and "Factory" is no place: neither is a choice.
ZONES = frozenset(available_timezones()) - {"localtime", "Factory"}
REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")

Style = Literal["datetime", "date", "short", "time", "month", "day"]


class NonexistentLocalTime(UserError):
    """A wall-clock time that a daylight-saving change skips (02:30 on the night clocks go forward)."""

    def __init__(self, local: datetime, zone: str) -> None:
        self.local, self.zone = local, zone
        when = f"{local:%Y-%m-%d %H:%M}"
        super().__init__(_l("%(time)s does not exist in %(zone)s (clocks go forward)", time=when, zone=zone))


def zone_or_default(name: str | None) -> str:
    """`name` if it is a known IANA zone, else UTC (a browser that reports nothing, or nonsense)."""
    return name if name in ZONES else DEFAULT_ZONE


def zone_choices(current: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The zones a person picks from, grouped by region (UTC first); `current` is always offered."""
    groups: dict[str, list[tuple[str, str]]] = {DEFAULT_ZONE: [(DEFAULT_ZONE, DEFAULT_ZONE)]}
    names = {z for z in ZONES if z.split("/")[0] in REGIONS} | ({current} & ZONES)
    for name in sorted(names - {DEFAULT_ZONE}):
        region = name.split("/")[0] if name.split("/")[0] in REGIONS else "Other"
        groups.setdefault(region, []).append((name, name.replace("_", " ")))
    return list(groups.items())


def in_zone(moment: datetime, zone: str | None) -> datetime:
    """A UTC moment as wall-clock time in `zone` (UTC when the name is unknown)."""
    return moment.astimezone(ZoneInfo(zone_or_default(zone)))


def to_utc(local: datetime, zone: str) -> datetime:
    """A naive wall-clock time in `zone`, as an aware UTC moment.

    A time the spring change skips raises NonexistentLocalTime (never shifted silently); a time
    the autumn change repeats is its first occurrence (fold 0, still summer time)."""
    tz = ZoneInfo(zone)
    aware = local.replace(tzinfo=tz, fold=0)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(fold=0):
        raise NonexistentLocalTime(local, zone)
    return aware.astimezone(UTC)


def zone_label(local: datetime) -> str:
    """The abbreviation people know (CET, EDT, IST); zones without one get UTC-03 rather than -03."""
    name = local.tzname() or DEFAULT_ZONE
    return f"UTC{name}" if name[0] in "+-" else name


@cache
def _pattern(locale: str, style: Style) -> str:
    """Babel's medium date and short time of `locale`, joined as the locale joins them."""
    loc = Locale.parse(locale)
    date_medium, time_short = loc.date_formats["medium"].pattern, loc.time_formats["short"].pattern
    if style == "date":
        return date_medium
    if style == "time":
        return time_short
    return loc.datetime_formats["medium"].format(time_short, date_medium)


def show(moment: datetime | date, locale: str, zone: str | None, style: Style = "datetime") -> str:
    """A stored UTC moment for people: in `zone` (UTC if unknown), in `locale`'s medium format.

    "datetime" and "time" end with the zone's label; "date" is the day in that zone; "short" is
    that day without its year, for chart axes (Sep 21, 9月21日); "month" and "day" are the parts of
    a calendar leaf. A `date` (a day, not a moment) is shown as its day."""
    if not isinstance(moment, datetime):
        if style == "short":
            return format_skeleton("MMMd", datetime(moment.year, moment.month, moment.day), locale=locale)
        return format_date(moment, _pattern(locale, "date"), locale=locale)
    local = in_zone(moment, zone)
    if style == "short":
        return format_skeleton("MMMd", local, tzinfo=local.tzinfo, locale=locale)
    if style in ("month", "day"):
        return format_datetime(local, "MMM" if style == "month" else "d", tzinfo=local.tzinfo, locale=locale)
    text = format_datetime(local, _pattern(locale, style), tzinfo=local.tzinfo, locale=locale)
    return text if style == "date" else f"{text} {zone_label(local)}"


def viewer_zone() -> str:
    """The zone Flask-Babel chose for this request (the profile's; UTC for visitors and outside requests)."""
    return zone_or_default(str(get_timezone() or DEFAULT_ZONE))


def when(moment: datetime | date | None, style: Style = "datetime", zone: str | None = None) -> str:
    """The one way a page shows a time: `show` in the viewer's language and zone (or `zone`)."""
    if moment is None:
        return ""
    return show(moment, str(get_locale() or "en"), zone or viewer_zone(), style)


class Moment:
    """A time that formats itself when shown: for lazily translated messages (`_l(..., when=Moment(t))`)
    raised by services, so the reader's zone and language apply, not those of whoever raised it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __str__(self) -> str:
        return when(self.moment)
