"""A learner finishes a small course with its exam, gets and downloads the certificate; an admin revokes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from certificates import verify_pdf
from lms import create_app
from lms.accounts import services as accounts
from lms.catalog.content import load_courses
from lms.catalog.models import Course, Item
from lms.certification import exams, issuing
from lms.certification.models import ExamAttempt
from lms.extensions import db
from lms.learning import services as learning
from tests.e2e.conftest import shot
from tests.factories import met_profile_step
from tests.lms.certification.conftest import COURSES

PASSWORD = "a very long password"


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """The live server on the small certification fixture courses (one lesson, one assignment, an exam)."""
    from lms.catalog.sync import sync_courses

    instance = tmp_path_factory.mktemp("e2e-cert")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'e2e.db'}",
            "INSTANCE_DIR": instance,
            "SECRET_KEY": "e2e-secret",
            "COURSES_DIR": COURSES,
        }
    )
    with app.app_context():
        db.create_all()
        result = load_courses(COURSES)
        sync_courses(result.courses, archive_missing=True)
        met_profile_step(accounts.create_user("marie@example.com", PASSWORD, "Marie Curie"))
        accounts.create_user("root@example.com", PASSWORD, "Ada Admin", role="admin")
        db.session.commit()
    return app


def log_in(page, base_url, email):
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def grade_assignment(app, email: str) -> None:
    """What the autograder does when the notebook passes: one `assignment_graded` event."""
    with app.app_context():
        user = accounts.find_user(email)
        item = db.session.scalar(select(Item).where(Item.slug == "add"))
        learning.record_event(user.id, item.course_id, "assignment_graded", item_id=item.id, score=5, max_score=5)
        db.session.commit()


def correct_options(app) -> dict[str, list[int]]:
    """The right answers of the open attempt, read on the server (the page never has them)."""
    with app.app_context():
        attempt = db.session.scalar(select(ExamAttempt).where(ExamAttempt.status == "open"))
        return {q["id"]: q["correct"] for q in exams.questions_of(attempt, reveal=True)}


def test_learner_earns_downloads_and_admin_revokes(page, base_url, live_app, browser, tmp_path):
    log_in(page, base_url, "marie@example.com")
    page.goto(base_url + "/profile")
    page.get_by_label("Name on certificates").fill("Maria Skłodowska-Curie")
    page.get_by_role("button", name="Save").click()

    page.goto(base_url + "/courses/cert-basics")
    page.get_by_role("button", name="Enroll for free").click()
    page.get_by_role("link", name=re.compile("^Continue")).click()
    page.get_by_role("button", name="Mark complete and continue").click()
    grade_assignment(live_app, "marie@example.com")

    page.get_by_role("link", name="Certificates", exact=True).click()
    expect(page.get_by_role("heading", name="On the way")).to_be_visible()
    shot(page, "cert-01-on-the-way")
    page.get_by_role("link", name="Certification exam").click()
    expect(page.get_by_text("3, drawn at random from a bank of 4 for each attempt")).to_be_visible()
    shot(page, "cert-01b-exam-overview")
    page.get_by_role("button", name="Start the exam").click()

    expect(page.locator("#exam-timer .timer")).to_have_text(re.compile(r"^(19|20):\d\d$"))
    assert "correct" not in page.content().lower()
    shot(page, "cert-02-exam")
    for qid, options in correct_options(live_app).items():
        for index in options:
            page.locator(f"input[name='q-{qid}'][value='{index}']").check()
    page.get_by_role("button", name="Submit the exam").click()
    expect(page.get_by_text("You passed with 100%.")).to_be_visible()
    page.get_by_role("link", name="See your certificate").click()

    card = page.get_by_role("article", name="Certified basics")
    expect(card).to_be_visible()
    expect(card.get_by_text("Maria Skłodowska-Curie", exact=False)).to_be_visible()
    shot(page, "cert-03-my-certificates")
    with page.expect_download() as download:
        card.get_by_role("link", name="Download PDF").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    with live_app.app_context():
        key = issuing.issuer_keys(issuing.config_from_app()).public_key
    result = verify_pdf(pdf.read_bytes(), key)
    assert result.valid, result.reason
    card.get_by_role("button", name="Copy share link").click()
    expect(card.get_by_role("button", name="Link copied")).to_be_visible()

    card.get_by_role("link", name="View verification page").click()
    expect(page.locator(".verdict-word")).to_have_text("Valid")
    page.get_by_label("Certificate PDF").set_input_files(str(pdf))
    page.get_by_role("button", name="Verify PDF").click()
    expect(page.locator("#upload-result .verdict-word")).to_have_text("Authentic")
    shot(page, "cert-04-verify-valid")
    verify_url = base_url + f"/verify/{result.certificate_id}"

    admin_context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    admin = admin_context.new_page()
    log_in(admin, base_url, "root@example.com")
    admin.goto(base_url + "/certificates/manage")
    admin.get_by_label(f"Reason to revoke {result.certificate_id}").fill("Exam taken by someone else")
    admin.get_by_role("button", name="Revoke").click()
    expect(admin.get_by_text(f"Certificate {result.certificate_id} revoked.")).to_be_visible()
    shot(admin, "cert-05-manage")
    admin_context.close()

    anonymous = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US").new_page()
    anonymous.goto(verify_url)
    expect(anonymous.locator(".verdict-word")).to_have_text("Revoked")
    expect(anonymous.get_by_text("Exam taken by someone else")).to_be_visible()
    shot(anonymous, "cert-06-verify-revoked")
    anonymous.context.close()
    with live_app.app_context():
        assert db.session.scalar(select(Course.slug)) is not None
