"""The bell and the inbox in Chromium, told by a real event: a learner waitlisted for a full workshop
session is promoted when the seat holder cancels, and sees the bell change on their next page (its
top bar was served from the per-process cache before); the inbox lists the promotion beside the
other kinds, and opening it marks it read and lands on the session."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts.models import User
from lms.assignments import gradebook
from lms.assignments.audit import CLI
from lms.catalog.models import Item
from lms.certification import services as certification
from lms.db import utcnow
from lms.extensions import db
from lms.notifications.models import Notification
from lms.workshops import registration
from lms.workshops.models import WorkshopSession
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, make_user
from tests.lms.workshops.helpers import make_workshop


def test_a_waitlist_promotion_rings_the_bell(page, base_url, live_app):
    with live_app.app_context():
        learner = make_user(email="bell@example.com", name="Bea Bell")
        holder = make_user(email="bell-seat@example.com", name="Sol Seat")
        session = make_workshop("bell-rag", capacity=1, instructor="bell-teacher@example.com")
        session.workshop.title = "Retrieval, live"
        registration.register(holder, session)  # the only seat
        # Two earlier events, so the inbox shows several kinds: a certificate, an extension.
        certification.award_workshop(learner, "intro-evals", "Evaluating LLM apps")
        assignment = db.session.scalars(select(Item).where(Item.kind == "assignment").order_by(Item.id)).first()
        gradebook.grant_extension(assignment, learner, utcnow().replace(microsecond=0), by=CLI)
        db.session.commit()
        learner_id, holder_id, session_id = learner.id, holder.id, session.id

    page.goto(base_url + "/login")
    page.fill("input[name=email]", "bell@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/dashboard**")
    bell = page.locator("a.bell")
    expect(bell).to_have_attribute("aria-label", "Notifications, 2 unread")

    # The session is full: Bea joins the waitlist.
    page.goto(base_url + "/workshops/bell-rag")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("Waitlisted · #1")).to_be_visible()
    expect(bell.locator(".bell-count")).to_have_text("2")

    # Sol cancels (as the cancel button does): the seat is Bea's, and she is told.
    with live_app.app_context():
        registration.cancel(db.session.get(User, holder_id), db.session.get(WorkshopSession, session_id))
        db.session.commit()

    page.goto(base_url + "/")  # the next page: its top bar was cached in this process before
    expect(bell).to_have_attribute("aria-label", "Notifications, 3 unread")
    expect(bell.locator(".bell-count")).to_have_text("3")
    bell.click()
    page.wait_for_url("**/notifications")
    expect(page.locator(".inbox-item.unread")).to_have_count(3)
    promotion = page.get_by_role("button", name="You have a seat: Retrieval, live")
    expect(promotion).to_be_visible()
    expect(page.get_by_role("button", name="Certificate awarded: Evaluating LLM apps")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Extension granted: "))).to_be_visible()
    shot(page, "notifications-inbox")
    page.set_viewport_size({"width": 375, "height": 760})
    expect(page.locator(".menu-count")).to_have_text("3")
    shot(page, "notifications-inbox-375")
    page.set_viewport_size({"width": 1280, "height": 860})

    promotion.click()
    page.wait_for_url(re.compile(rf"/workshops/bell-rag#session-{session_id}$"))
    expect(page.locator(f"#session-{session_id}").locator(".pill-ok", has_text="Confirmed")).to_be_visible()
    expect(bell).to_have_attribute("aria-label", "Notifications, 2 unread")
    with live_app.app_context():
        read = db.session.scalars(
            select(Notification.kind).where(Notification.user_id == learner_id, Notification.read_at.is_not(None))
        )
        assert list(read) == ["waitlist_promoted"]
