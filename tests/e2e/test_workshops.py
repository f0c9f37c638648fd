"""A workshop in Chromium: register, waitlisted, promoted after a cancel, attend, rate it, read the reply."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.workshops.models import WorkshopSession
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user


def log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_workshop_journey(page, browser, base_url, live_app):
    with live_app.app_context():
        make_user("instructor", email="ws-teacher@example.com", name="Tess Teacher")
        make_user(email="ws-first@example.com", name="Fay First")
        grace = make_user(email="ws-grace@example.com", name="Grace Waiting")
        grace.timezone = "Asia/Shanghai"
        db.session.commit()

    # The instructor creates a workshop with one seat, in Berlin time.
    teacher = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    log_in(teacher, base_url, "ws-teacher@example.com")
    teacher.goto(base_url + "/workshops/new")
    teacher.get_by_label("Title").fill("Agents in production, live")
    teacher.get_by_label("Description").fill("Tool calling, retries and **evals** for agents, built live.")
    teacher.get_by_label("Tier").select_option("advanced")
    teacher.get_by_label("Tags").fill("agents, evaluation")
    teacher.get_by_label("Materials").fill("Slides | https://academy.example/agents/slides.pdf")
    teacher.get_by_role("button", name="Save workshop").click()
    expect(teacher.get_by_text("Workshop created. Now add a session.")).to_be_visible()
    teacher.get_by_label("Session name").fill("EMEA edition")
    teacher.get_by_label("Time zone").fill("Europe/Berlin")
    day = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d")
    teacher.get_by_label("Starts").fill(f"{day}T16:00")
    teacher.get_by_label("Ends").fill(f"{day}T18:00")
    teacher.get_by_label("Online link").fill("https://meet.academy.example/agents")
    teacher.get_by_label("Seats").fill("1")
    shot(teacher, "ws-01-new-session")
    teacher.get_by_role("button", name="Save session").click()
    expect(teacher.get_by_text("Session saved.")).to_be_visible()

    # Fay takes the only seat.
    first = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    log_in(first, base_url, "ws-first@example.com")
    first.get_by_role("link", name="Workshops", exact=True).first.click()
    shot(first, "ws-02-catalog")
    first.get_by_role("link", name="Agents in production, live").click()
    first.get_by_role("button", name="Register").click()
    expect(first.get_by_text("You have a seat.")).to_be_visible()

    # Grace is waitlisted, and sees the time in Shanghai.
    log_in(page, base_url, "ws-grace@example.com")
    page.goto(base_url + "/workshops/")
    page.get_by_role("link", name="Agents in production, live").click()
    expect(page.get_by_text("Times are shown in your time zone, Asia/Shanghai")).to_be_visible()
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("you are on the waitlist")).to_be_visible()
    expect(page.get_by_text("Waitlisted · #1")).to_be_visible()
    shot(page, "ws-03-waitlisted")

    # Fay cancels: Grace is promoted.
    first.get_by_role("button", name="Cancel registration").click()
    expect(first.get_by_text("Your registration is cancelled.")).to_be_visible()
    page.reload()
    expect(page.locator(".pill-ok", has_text="Confirmed")).to_be_visible()
    expect(page.get_by_role("link", name="Join link")).to_be_visible()
    page.get_by_role("link", name="Add to calendar (.ics)").is_visible()
    shot(page, "ws-04-promoted")

    # The session takes place (its times moved into the past), the instructor takes attendance.
    with live_app.app_context():
        session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.title == "EMEA edition"))
        session.starts_at, session.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
        session.registration_deadline = session.starts_at
        db.session.commit()
        session_id = session.id
    teacher.goto(f"{base_url}/workshops/sessions/{session_id}/attendees")
    teacher.get_by_label("Grace Waiting attended").check()
    shot(teacher, "ws-05-attendance")
    teacher.get_by_role("button", name="Save attendance").click()
    expect(teacher.get_by_text("Attendance saved (1 changed).")).to_be_visible()

    # Grace gets the materials and rates the workshop.
    page.reload()
    expect(page.get_by_role("link", name="Slides")).to_be_visible()
    page.get_by_role("link", name="Rate this workshop").click()
    page.locator("fieldset", has_text="How satisfied").get_by_text("5", exact=True).click()
    page.locator("fieldset", has_text="recommend").get_by_text("9", exact=True).click()
    page.get_by_label("Anything you want to tell the instructors?").fill("Great pace; please add a part on tracing.")
    shot(page, "ws-06-survey")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you! Your answers reach the instructors.")).to_be_visible()

    # The instructor sees the results and replies.
    teacher.goto(base_url + "/feedback/teach")
    row = teacher.locator("tr", has_text="Agents in production, live")
    expect(row).to_contain_text("100%")
    row.get_by_role("link", name="Details").click()
    expect(teacher.get_by_text("Great pace; please add a part on tracing.")).to_be_visible()
    teacher.get_by_placeholder("Reply to this comment; the learner sees it").fill("Tracing is on the agenda next time!")
    teacher.get_by_role("button", name="Send reply").click()
    expect(teacher.get_by_text("Reply sent; the learner sees it with their answers.")).to_be_visible()
    shot(teacher, "ws-07-results")

    # Grace reads the reply.
    page.reload()
    expect(page.get_by_text("Tracing is on the agenda next time!")).to_be_visible()
    shot(page, "ws-08-reply")
    teacher.context.close()
    first.context.close()
