"""Workshop files: validation at the line, idempotent sync, archive not delete; times across DST; ICS."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lms.config import ROOT
from lms.extensions import db
from lms.workshops import registration
from lms.workshops.calendar import calendar_bytes, check_feed_token, feed_token, reset_feed, session_event
from lms.workshops.cli import sync_from_files
from lms.workshops.content import NonexistentLocalTime, load_workshops, to_utc
from lms.workshops.models import Workshop, WorkshopSession
from tests.factories import login, make_user

DEMO = ROOT / "courses" / "workshops"


@pytest.fixture
def folder(tmp_path) -> Path:
    """A copy of the demo workshops beside an empty course folder tree."""
    target = tmp_path / "courses" / "workshops"
    shutil.copytree(DEMO, target)
    for slug in (
        "prompt-engineering",
        "retrieval-augmented-generation",
        "evaluating-llm-applications",
        "serving-models-at-scale",
    ):
        (tmp_path / "courses" / slug).mkdir()
        (tmp_path / "courses" / slug / "course.yml").write_text("title: x\n")
    return target


def test_demo_workshops_are_valid():
    specs, problems = load_workshops(DEMO)
    assert problems == []
    assert len(specs) >= 4
    zones = {s.timezone for spec in specs for s in spec.sessions}
    assert {"Europe/Berlin", "America/New_York", "Asia/Shanghai"} <= zones
    assert any(s.place for spec in specs for s in spec.sessions) and any(
        s.online_url for spec in specs for s in spec.sessions
    )


def test_problems_point_at_the_line(folder):
    (folder / "broken.yml").write_text(
        "title: Broken\ndescription: x\ntier: expert\ninstructors: [a@b.c]\nsessions:\n"
        "  - key: s1\n    timezone: Mars/Olympus\n    start: 2027-01-01 10:00\n    end: '09:00'\n    capacity: 5\n"
        "    online: https://x.test\n"
    )
    (folder / "gap.yml").write_text(
        "title: Gap\ndescription: x\ntier: beginner\ninstructors: [a@b.c]\ncourse: no-such-course\nsessions:\n"
        "  - key: s1\n    timezone: Europe/Berlin\n    start: 2027-03-28 02:30\n    end: '03:30'\n    capacity: 5\n"
        "    place: Room 1\n"
    )
    _specs, problems = load_workshops(folder)
    text = "\n".join(str(p) for p in problems)
    assert "broken.yml:3: tier:" in text
    assert "broken.yml:7: sessions.0.timezone: unknown time zone 'Mars/Olympus'" in text
    assert "gap.yml:5: unknown course 'no-such-course'" in text
    assert "gap.yml:7: sessions.0: 2027-03-28 02:30 does not exist in Europe/Berlin" in text


def test_sync_is_idempotent_and_archives(app, folder):
    first = sync_from_files(folder)
    db.session.commit()
    assert len(first.created) == 5
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.key == "emea-jan"))
    learner = make_user()
    registration.register(learner, session, now=datetime(2027, 1, 1, tzinfo=UTC))
    db.session.commit()
    again = sync_from_files(folder)
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 5
    (folder / "prompt-clinic-live.yml").unlink()
    gone = sync_from_files(folder)
    db.session.commit()
    assert gone.archived == ["prompt-clinic-live"]
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == "prompt-clinic-live"))
    assert workshop.archived_at is not None and session.confirmed_count == 1  # registrations kept


def test_dst_change_shows_in_each_learners_time_zone(client, folder):
    sync_from_files(folder)
    db.session.commit()
    week1, week2 = db.session.scalars(
        select(WorkshopSession).where(WorkshopSession.key.in_(["week-1", "week-2"])).order_by(WorkshopSession.starts_at)
    ).all()
    # 10:00 in New York is 15:00 UTC before the US change (14 March 2027) and 14:00 UTC after.
    assert (week1.starts_at.hour, week2.starts_at.hour) == (15, 14)
    berlin = make_user(email="berlin@example.com")
    berlin.timezone = "Europe/Berlin"
    db.session.commit()
    login(client, berlin.email)
    page = client.get("/workshops/eval-office-hours").text
    assert "Mar 11, 2027, 4:00\u202fPM CET" in page and "Mar 18, 2027, 3:00\u202fPM CET" in page
    assert "Local to the session: Mar 18, 2027, 10:00\u202fAM EDT" in page
    berlin.timezone = "America/New_York"
    db.session.commit()
    page = client.get("/workshops/eval-office-hours").text
    assert "Mar 11, 2027, 10:00\u202fAM EST" in page and "Mar 18, 2027, 10:00\u202fAM EDT" in page


def test_to_utc_refuses_skipped_times_and_takes_the_first_of_doubled_ones():
    with pytest.raises(NonexistentLocalTime):
        to_utc(datetime(2027, 3, 14, 2, 30), "America/New_York")
    assert to_utc(datetime(2027, 11, 7, 1, 30), "America/New_York") == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)


def test_ics_and_personal_feed_parse_back(app, client, folder):
    sync_from_files(folder)
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.key == "shanghai-feb"))
    body = calendar_bytes("x", [session_event(session, status="confirmed", url="https://academy.test/w")])
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert event.decoded("dtstart") == session.starts_at and event.decoded("dtend") == session.ends_at
    assert str(event["location"]).startswith("Developer Hub") and str(event["status"]) == "CONFIRMED"

    learner = make_user(email="feed@example.com")
    registration.register(learner, session, now=datetime(2027, 1, 1, tzinfo=UTC))
    db.session.commit()
    login(client, learner.email)
    ics = client.get(f"/workshops/sessions/{session.id}.ics")
    assert ics.mimetype == "text/calendar"
    assert Calendar.from_ical(ics.data).walk("VEVENT")[0]["uid"] == f"workshop-session-{session.id}@academy"
    token = feed_token("test-secret", learner.id)
    db.session.commit()
    feed = client.get(f"/workshops/feed/{learner.id}/{token}.ics")
    events = Calendar.from_ical(feed.data).walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [session.starts_at]
    assert client.get(f"/workshops/feed/{learner.id}/{'0' * 40}.ics").status_code == 404
    other = make_user()
    assert client.get(f"/workshops/feed/{other.id}/{token}.ics").status_code == 404
    reset_feed("test-secret", learner.id)
    db.session.commit()
    assert not check_feed_token("test-secret", learner.id, token)
    assert client.get(f"/workshops/feed/{learner.id}/{token}.ics").status_code == 404
