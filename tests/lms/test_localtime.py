"""Local time everywhere: the one filter (`when`) shows stored UTC in the viewer's zone, labelled, in
one medium format per language; wall-clock input is read in a zone, refused where DST skips it;
no template formats a time any other way."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import render_template_string
from flask_login import login_user

from lms.extensions import db
from lms.localtime import NonexistentLocalTime, show, to_utc, zone_choices, zone_or_default
from tests.factories import make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "lms" / "templates"
NNBSP = "\u202f"  # CLDR puts a narrow no-break space before AM/PM in English
WINTER = datetime(2026, 12, 12, 16, 0, tzinfo=UTC)
SUMMER = datetime(2027, 7, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "locale", "shown"),
    [
        (WINTER, "Europe/Berlin", "en", f"Dec 12, 2026, 5:00{NNBSP}PM CET"),
        (SUMMER, "Europe/Berlin", "en", f"Jul 1, 2027, 6:00{NNBSP}PM CEST"),  # DST: the label and offset change
        (WINTER, "America/New_York", "en", f"Dec 12, 2026, 11:00{NNBSP}AM EST"),
        (SUMMER, "America/New_York", "en", f"Jul 1, 2027, 12:00{NNBSP}PM EDT"),
        (WINTER, "Asia/Shanghai", "en", f"Dec 13, 2026, 12:00{NNBSP}AM CST"),  # the next day there
        (WINTER, "America/Sao_Paulo", "en", f"Dec 12, 2026, 1:00{NNBSP}PM UTC-03"),  # no abbreviation: an offset
        (WINTER, "Europe/Berlin", "zh", "2026年12月12日 17:00 CET"),
        (WINTER, "Asia/Shanghai", "zh", "2026年12月13日 00:00 CST"),
        (WINTER, "UTC", "zh", "2026年12月12日 16:00 UTC"),
        (WINTER, "Mars/Olympus", "en", f"Dec 12, 2026, 4:00{NNBSP}PM UTC"),  # unknown: UTC, and says so
    ],
)
def test_a_moment_is_shown_in_the_zone_with_its_label(moment, zone, locale, shown):
    assert show(moment, locale, zone) == shown


def test_dates_and_times_use_the_same_medium_format():
    assert show(WINTER, "en", "Asia/Shanghai", "date") == "Dec 13, 2026"  # the day in that zone
    assert show(WINTER, "zh", "Asia/Shanghai", "date") == "2026年12月13日"
    assert show(WINTER, "en", "Europe/Berlin", "time") == f"5:00{NNBSP}PM CET"
    assert show(date(2026, 12, 7), "zh", "Asia/Shanghai", "date") == "2026年12月7日"  # a day is not moved
    assert (show(WINTER, "en", "Asia/Tokyo", "month"), show(WINTER, "en", "Asia/Tokyo", "day")) == ("Dec", "13")


def test_chart_axes_take_the_short_day_without_its_year():
    assert show(date(2026, 9, 21), "en", "UTC", "short") == "Sep 21"
    assert show(date(2026, 9, 21), "zh", "UTC", "short") == "9月21日"
    assert show(WINTER, "en", "Asia/Shanghai", "short") == "Dec 13"  # the day in that zone


@pytest.mark.parametrize(
    ("timezone", "locale", "shown"),
    [
        ("America/New_York", "en", f"Dec 12, 2026, 11:00{NNBSP}AM EST"),
        ("Asia/Shanghai", "zh", "2026年12月13日 00:00 CST"),
    ],
)
def test_the_filter_uses_the_signed_in_viewers_zone_and_language(app, timezone, locale, shown):
    user = make_user(email="viewer@example.com")
    user.timezone, user.locale = timezone, locale
    db.session.commit()
    with app.test_request_context("/"):
        login_user(user)
        assert render_template_string("{{ t|when }}", t=WINTER) == shown


def test_anonymous_viewers_get_utc_labelled(app):
    with app.test_request_context("/"):
        assert render_template_string("{{ t|when }}", t=WINTER) == f"Dec 12, 2026, 4:00{NNBSP}PM UTC"
        assert (
            render_template_string("{{ t|when(zone='Europe/Berlin') }}", t=WINTER) == f"Dec 12, 2026, 5:00{NNBSP}PM CET"
        )
        assert render_template_string("{{ none|when }}") == ""


def test_wall_clock_input_is_read_in_its_zone_across_dst():
    berlin = "Europe/Berlin"
    assert to_utc(datetime(2027, 3, 27, 12, 0), berlin) == datetime(2027, 3, 27, 11, 0, tzinfo=UTC)  # CET, +1
    assert to_utc(datetime(2027, 3, 29, 12, 0), berlin) == datetime(2027, 3, 29, 10, 0, tzinfo=UTC)  # CEST, +2
    assert to_utc(datetime(2027, 11, 2, 12, 0), berlin) == datetime(2027, 11, 2, 11, 0, tzinfo=UTC)  # after autumn
    # 02:30 on 31 Oct 2027 happens twice: the first one (still summer time) is taken, as documented.
    assert to_utc(datetime(2027, 10, 31, 2, 30), berlin) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    with pytest.raises(NonexistentLocalTime) as skipped:
        to_utc(datetime(2027, 3, 28, 2, 30), berlin)  # clocks jump from 02:00 to 03:00
    assert str(skipped.value) == "2027-03-28 02:30 does not exist in Europe/Berlin (clocks go forward)"


def test_zone_names_are_checked_and_offered_by_region():
    assert zone_or_default("Asia/Kolkata") == "Asia/Kolkata"
    assert [zone_or_default(z) for z in (None, "", "Mars/Olympus", "localtime", "Factory")] == ["UTC"] * 5
    groups = dict(zone_choices())
    assert next(iter(groups)) == "UTC" and ("Europe/Berlin", "Europe/Berlin") in groups["Europe"]
    assert ("America/New_York", "America/New York") in groups["America"]
    assert "US/Eastern" not in str(groups) and ("US/Eastern", "US/Eastern") in dict(zone_choices("US/Eastern"))["Other"]


def test_no_template_formats_a_time_except_through_the_filter():
    """Flask-Babel's own filters, strftime or a bare isoformat would bring back mixed formats and
    UTC shown unlabelled; isoformat stays allowed inside attributes (machine-readable)."""
    other = re.compile(r"\|\s*(datetimeformat|dateformat|timeformat|local_time)\b|strftime|\.date\(\)")
    bare_iso = re.compile(r"\{\{[^}]*isoformat\(\)[^}]*\}\}(?!\")")
    found = []
    for path in TEMPLATES.rglob("*.html"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if other.search(line) or bare_iso.search(line):
                found.append(f"{path.relative_to(TEMPLATES)}:{n}")
    assert found == []
