"""Audiences: the seam, course files (checked, stored, reported by sync) and the workshop form."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.config import ROOT
from lms.developers.models import Segment, SegmentMember
from lms.developers.services import audiences
from lms.extensions import db
from lms.learning.services import enroll
from lms.recommend.freshness import dashboard_key
from lms.signals import segment_recomputed
from lms.workshops.models import Registration, Workshop, WorkshopSession
from tests.conftest import FIXTURES
from tests.factories import PASSWORD, make_user
from tests.lms.developers.audience_world import build_world

DEMO_WORKSHOPS = ROOT / "courses" / "workshops"


@pytest.fixture
def world(app):
    return build_world()


def test_membership_changes_and_audience_seam(app, world):
    """The seam itself: visible ids, and a segment recompute bumps the changed members' dashboards."""
    people = world["people"]
    basics = db.session.scalar(select(Course).where(Course.slug == "python-basics"))
    assert basics.id not in audiences.visible_course_ids(people["outside"])
    assert basics.id in audiences.visible_course_ids(people["inside"])
    before = dashboard_key(people["outside"].id)[0]
    segment = db.session.scalar(select(Segment).where(Segment.name == "insiders"))
    db.session.add(SegmentMember(segment_id=segment.id, user_id=people["outside"].id))
    segment_recomputed.send(segment, user_ids={people["outside"].id})
    db.session.commit()
    assert dashboard_key(people["outside"].id)[0] != before
    assert audiences.may_see_course(people["outside"], basics)
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == "limited-rag"))
    assert audiences.may_see_workshop(people["outside"], workshop)


def test_course_file_audience_is_checked_stored_and_reported(app, runner, tmp_path):
    """course.yml's audience: a bad value is an error at its line; unknown names are warnings (the
    segment may be made later); sync stores it and says who keeps access outside it."""
    root = tmp_path / "courses"
    shutil.copytree(FIXTURES / "courses", root)
    manifest = root / "python-basics" / "course.yml"
    text = manifest.read_text()
    manifest.write_text(text + "audience: friends\n")
    result = runner.invoke(args=["courses", "validate", str(root)])
    assert result.exit_code == 1 and "course.yml:" in result.output and "audience" in result.output
    runner.invoke(args=["courses", "sync", str(root)])
    learner = make_user()
    basics = db.session.scalar(select(Course).where(Course.slug == "python-basics"))
    assert basics is None  # nothing was loaded from the faulty tree
    manifest.write_text(text)
    assert runner.invoke(args=["courses", "sync", str(root)]).exit_code == 0
    basics = db.session.scalar(select(Course).where(Course.slug == "python-basics"))
    enroll(learner.id, basics)
    db.session.add(Segment(name="insiders", rules=[]))
    db.session.commit()
    manifest.write_text(text + "audience:\n  segments: [insiders, later-ones]\n  teams: [nobody-yet]\n")
    result = runner.invoke(args=["courses", "sync", str(root)])
    assert result.exit_code == 0, result.output
    line = len(text.splitlines()) + 1
    assert f"course.yml:{line}: warning: audience: no segment is called 'later-ones' yet" in result.output
    assert "no team is called 'nobody-yet'" in result.output
    assert "python-basics: 1 enrolled learner(s) are outside the audience and keep their access." in result.output
    db.session.expire_all()
    basics = db.session.scalar(select(Course).where(Course.slug == "python-basics"))
    assert (basics.audience, basics.audience_segments, basics.audience_teams) == (
        "limited",
        ["insiders", "later-ones"],
        ["nobody-yet"],
    )


def test_workshop_form_sets_the_audience_and_says_who_keeps_access(app, world):
    client = app.test_client()
    client.post("/login", data={"email": "teacher@example.com", "password": PASSWORD})
    form = {
        "title": "Workshop limited-rag",
        "description": "Live.",
        "tier": "intermediate",
        "course": "",
        "instructors": "teacher@example.com",
        "audience": "limited",
        "audience_segments": "",
        "audience_teams": "",
    }
    page = client.post("/workshops/limited-rag/edit", data=form).get_data(as_text=True)
    assert "Name at least one segment or team" in page
    form["audience_teams"] = "acme, Later Team"
    page = client.post("/workshops/limited-rag/edit", data=form, follow_redirects=True).get_data(as_text=True)
    assert "No segment or team is called Later Team yet" in page
    assert "1 people already registered are outside this audience" in page
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == "limited-rag"))
    db.session.refresh(workshop)
    assert (workshop.audience, workshop.audience_segments, workshop.audience_teams) == (
        "limited",
        [],
        ["acme", "Later Team"],
    )


def test_workshop_file_audience_is_stored_and_reported(app, runner, client, tmp_path):
    """A workshop file's audience: a bad value fails at its line; sync stores a limit, warns about
    names nobody carries and says how many registered people keep access outside it."""
    folder = tmp_path / "courses" / "workshops"
    shutil.copytree(DEMO_WORKSHOPS, folder)
    for slug in ("prompt-engineering", "retrieval-augmented-generation", "evaluating-llm-applications"):
        (tmp_path / "courses" / slug).mkdir()
        (tmp_path / "courses" / slug / "course.yml").write_text("title: x\n")
    (tmp_path / "courses" / "serving-models-at-scale").mkdir()
    (tmp_path / "courses" / "serving-models-at-scale" / "course.yml").write_text("title: x\n")
    assert runner.invoke(args=["workshops", "sync", str(folder)]).exit_code == 0
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.key == "emea-jan"))
    db.session.add(Registration(session_id=session.id, user_id=make_user().id, status="confirmed"))
    db.session.commit()
    path = folder / f"{session.workshop.slug}.yml"
    text = path.read_text()
    path.write_text(text + "audience: partners\n")
    bad = runner.invoke(args=["workshops", "validate", str(folder)])
    assert bad.exit_code == 1 and f"{path.name}:{len(text.splitlines()) + 1}: audience" in bad.output
    path.write_text(text + "audience:\n  teams: [Partners EMEA]\n")
    result = runner.invoke(args=["workshops", "sync", str(folder)])
    assert result.exit_code == 0, result.output
    slug = session.workshop.slug
    assert f"{slug}: warning: audience: no segment or team is called 'Partners EMEA' yet." in result.output
    assert f"{slug}: 1 registered people are outside the audience and keep their seats and access." in result.output
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == slug))
    db.session.refresh(workshop)
    assert (workshop.audience, workshop.audience_teams) == ("limited", ["Partners EMEA"])
    assert client.get(f"/workshops/{slug}").status_code == 404


def test_demo_team_workshop_loads_once_and_shows_only_to_the_team(app, client):
    from lms.demo.audiences import SLUG, load_audiences
    from lms.demo.services import ensure_demo_accounts

    ensure_demo_accounts()
    assert "added" in load_audiences()
    assert "already" in load_audiences()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Workshop).where(Workshop.slug == SLUG)) == 1
    assert client.get(f"/workshops/{SLUG}").status_code == 404
    learner = db.session.scalar(select(User).where(User.email == "learner@academy.test"))
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == SLUG))
    assert audiences.may_see_workshop(learner, workshop)
    assert not audiences.may_see_workshop(make_user(), workshop)
