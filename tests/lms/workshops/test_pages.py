"""Workshop pages: the catalog tab, register and cancel, instructor tools and who may use them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.extensions import db
from lms.workshops.models import Registration, Workshop, WorkshopSession
from tests.factories import login, make_user
from tests.lms.workshops.helpers import make_workshop


def test_catalog_tab_lists_upcoming_and_past_with_filters(client):
    make_workshop("soon-rag", tags=("rag",), tier="intermediate")
    make_workshop("soon-gpu", tags=("gpus",), tier="advanced")
    make_workshop("last-month", starts_in=-timedelta(days=30), tags=("rag",))
    assert 'href="/workshops/"' in client.get("/").text  # the tab in the course catalog
    upcoming = client.get("/workshops/").text
    assert "/workshops/soon-rag" in upcoming and "/workshops/soon-gpu" in upcoming and "last-month" not in upcoming
    past = client.get("/workshops/?when=past").text
    assert "/workshops/last-month" in past and "soon-rag" not in past
    assert "soon-gpu" not in client.get("/workshops/?tier=intermediate").text
    assert "soon-rag" not in client.get("/workshops/?tag=gpus").text
    assert "No upcoming workshop matches" in client.get("/workshops/?tag=nothing").text


def test_register_waitlist_and_cancel_through_the_web(client):
    session = make_workshop(capacity=1)
    first, second = make_user(email="first@example.com"), make_user(email="second@example.com")
    login(client, first.email)
    page = client.post(f"/workshops/sessions/{session.id}/register", follow_redirects=True).text
    assert "You have a seat." in page and "Join link" in page
    client.post("/logout")
    login(client, second.email)
    page = client.post(f"/workshops/sessions/{session.id}/register", follow_redirects=True).text
    assert "you are on the waitlist" in page and "Waitlisted · #1" in page
    assert "Join link" not in page
    client.post("/logout")
    login(client, first.email)
    page = client.post(f"/workshops/sessions/{session.id}/cancel", follow_redirects=True).text
    assert "Your registration is cancelled." in page
    promoted = db.session.scalar(select(Registration).where(Registration.user_id == second.id))
    assert promoted.status == "confirmed" and promoted.promoted_at is not None
    mine = client.get("/workshops/mine").text
    assert "/workshops/feed/" in mine and "You have not registered" in mine
    assert client.post("/workshops/sessions/999/register").status_code == 404


def test_csrf_is_required(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        session = make_workshop()
        learner = make_user()
        client = app.test_client()
        token_page = client.get("/login").text
        token = token_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"email": learner.email, "password": "correct horse battery", "csrf_token": token})
        assert client.post(f"/workshops/sessions/{session.id}/register").status_code == 400
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_instructor_tools_are_for_the_workshops_instructors(client):
    session = make_workshop(starts_in=-timedelta(hours=1))
    learner = make_user(email="learner@example.com")
    stranger = make_user("instructor", email="stranger@example.com")
    db.session.add(Registration(session_id=session.id, user_id=learner.id, status="confirmed"))
    session.confirmed_count = 1
    db.session.commit()
    for who in (learner, stranger):
        login(client, who.email)
        assert client.get(f"/workshops/sessions/{session.id}/attendees").status_code == 403
        assert client.get(f"/workshops/sessions/{session.id}/attendees.csv").status_code == 403
        assert client.post(f"/workshops/sessions/{session.id}/attendance", data={"present": "1"}).status_code == 403
        assert client.get("/workshops/live-rag/edit").status_code == 403
        client.post("/logout")
    teacher = make_user("instructor", email="teacher@example.com")
    login(client, teacher.email)
    page = client.get(f"/workshops/sessions/{session.id}/attendees").text
    assert "learner@example.com" in page
    reg = db.session.scalar(select(Registration))
    saved = client.post(
        f"/workshops/sessions/{session.id}/attendance", data={"present": [str(reg.id)]}, follow_redirects=True
    )
    assert "Attendance saved (1 changed)." in saved.text
    csv = client.get(f"/workshops/sessions/{session.id}/attendees.csv")
    assert (
        csv.mimetype == "text/csv" and "learner@example.com,confirmed" in csv.text and csv.text.strip().endswith("yes")
    )
    # Materials: the attendee sees them once the session has ended.
    client.post("/logout")
    login(client, learner.email)
    assert "https://x.test/s" not in client.get("/workshops/live-rag").text
    db.session.get(WorkshopSession, session.id).ends_at = session.starts_at + timedelta(minutes=30)
    db.session.commit()
    page = client.get("/workshops/live-rag").text
    assert "https://x.test/s" in page and "Rate this workshop" in page


def test_instructor_creates_a_workshop_and_a_session(client):
    teacher = make_user("instructor", email="teacher@example.com")
    login(client, teacher.email)
    bad = client.post("/workshops/new", data={"title": "", "description": "", "tier": "beginner", "tags": "Not OK"})
    assert bad.status_code == 200 and "Tags are lowercase words" in bad.text
    assert db.session.scalar(select(func.count()).select_from(Workshop)) == 0
    made = client.post(
        "/workshops/new",
        data={
            "title": "Agents, live",
            "description": "Build **agents**.",
            "tier": "advanced",
            "tags": "agents, tools",
            "course": "",
            "instructors": "",
            "materials": "Slides | https://x.test/slides",
        },
    )
    assert made.headers["Location"] == "/workshops/agents-live/sessions/new"
    form = {
        "timezone": "Europe/Berlin",
        "start": "2030-03-31T02:30",
        "end": "2030-03-31T04:00",
        "online_url": "https://meet.test/a",
        "place": "",
        "capacity": "3",
    }
    gap = client.post("/workshops/agents-live/sessions/new", data=form)
    assert "does not exist in Europe/Berlin" in gap.text
    neither = client.post(
        "/workshops/agents-live/sessions/new",
        data={**form, "start": "2030-04-01T10:00", "end": "2030-04-01T12:00", "online_url": ""},
    )
    assert "Give either an online link or a place." in neither.text
    assert db.session.scalar(select(func.count()).select_from(WorkshopSession)) == 0
    ok = client.post(
        "/workshops/agents-live/sessions/new", data={**form, "start": "2030-04-01T10:00", "end": "2030-04-01T12:00"}
    )
    assert ok.headers["Location"] == "/workshops/agents-live"
    session = db.session.scalar(select(WorkshopSession))
    assert session.starts_at.hour == 8 and session.capacity == 3  # 10:00 CEST is 08:00 UTC
    workshop = db.session.scalar(select(Workshop))
    assert workshop.instructor_emails == ["teacher@example.com"] and workshop.source == "ui"
    assert "<strong>agents</strong>" in client.get("/workshops/agents-live").text


def test_instructor_creates_a_workshop_tied_to_a_course(client, catalog):
    """Choosing a course used to flush the new workshop before its title was set (a 500)."""
    teacher = make_user("instructor", email="teacher@example.com")
    login(client, teacher.email)
    form = {"title": "Basics clinic", "description": "Ask away.", "tier": "beginner", "tags": "python"}
    made = client.post("/workshops/new", data={**form, "course": "python-basics", "instructors": "", "materials": ""})
    assert made.headers["Location"] == "/workshops/basics-clinic/sessions/new"
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == "basics-clinic"))
    assert workshop.course_id == catalog["python-basics"].id
