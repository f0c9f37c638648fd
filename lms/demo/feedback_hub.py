"""The demo's feedback hub: a few items filed, voted on and triaged through the real services, in
several statuses (new, under review, planned, in progress, done with its outcome, not planned, a
merged duplicate), so the hub, the triage board and "You asked, we did" have something true to show.
Needs the demo accounts; the cohort's learners vote when they exist. Its marker makes a second run
add nothing. (The cohort's three item reports file into the hub through lms.demo.cohort.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from lms.accounts.models import User
from lms.db import clock_at, utcnow
from lms.demo.cohort import EMAIL_DOMAIN
from lms.demo.services import demo_load, demo_user, finish_load, start_load
from lms.extensions import db
from lms.feedback import hub

MARKER = "feedback_hub"


@dataclass(frozen=True)
class DemoItem:
    category: str
    title: str
    body: str
    days_ago: float
    voters: int  # how many of the other people vote
    status: str = "new"
    priority: str | None = None
    outcome: str = ""


ITEMS = (
    DemoItem(
        "feature_request",
        "Dark mode for the code workspace",
        "Long evening sessions in the notebook workspace are hard on the eyes.",
        24,
        4,
        "planned",
        "P2",
    ),
    DemoItem(
        "technical_problem",
        "Notebook upload fails for files over 10 MB",
        "Uploading a notebook with embedded plots stops with an error page.",
        30,
        3,
        "done",
        "P1",
        "Raised the upload limit to 16 MB; the upload form now says the limit.",
    ),
    DemoItem(
        "course_request",
        "A course on evaluating RAG pipelines",
        "Retrieval metrics, golden sets and regression tests for answers.",
        12,
        3,
        "in_progress",
        "P2",
    ),
    DemoItem(
        "usage_suggestion",
        "Show keyboard shortcuts on the quiz page",
        "Answering with the keyboard would be faster.",
        5,
        1,
        "triaged",
        "P4",
    ),
    DemoItem(
        "feature_request",
        "Export all my certificates as one PDF",
        "For a job application.",
        18,
        0,
        "declined",
        "P4",
        "Each certificate has its own PDF and a public link; one file of all of them is not planned.",
    ),
    DemoItem("technical_problem", "Video captions lag behind the audio", "In the second workshop recording.", 1, 0),
)
DUPLICATE = ("feature_request", "Dark theme for notebooks", "Please add a dark theme.", 20)


def _people() -> list[User]:
    """Who files and votes: the demo learner and manager, then the cohort's learners."""
    cohort = db.session.scalars(select(User).where(User.email.like(f"%@{EMAIL_DOMAIN}")).order_by(User.id)).all()
    return [demo_user("learner"), demo_user("manager"), *cohort]


def load_feedback() -> str:
    """File, vote and triage ITEMS once (admins triage platform items); a one-line summary. The caller commits."""
    if demo_load(MARKER) is not None:
        return "Demo feedback: already loaded, nothing to do."
    load = start_load(MARKER)
    admin, people = demo_user("admin"), _people()
    counts = {"items": 0, "votes": 0}
    filed = {}
    for n, spec in enumerate(ITEMS):
        reporter = people[n % len(people)]
        at = utcnow() - timedelta(days=spec.days_ago)
        with clock_at(at):
            item = hub.file_item(reporter, spec.category, spec.title, spec.body)
        counts["items"] += 1
        for voter in [p for p in people if p.id != reporter.id][: spec.voters]:
            with clock_at(at + timedelta(hours=6)):
                hub.vote(voter, item)
            counts["votes"] += 1
        if spec.status != "new" or spec.priority:
            steps = ["triaged"] if spec.status == "triaged" else [spec.status]
            for day, status in enumerate(steps, start=1):
                with clock_at(min(at + timedelta(days=day), utcnow())):
                    hub.triage(
                        item,
                        admin,
                        status=status,
                        priority=spec.priority,
                        owner_id=admin.id,
                        outcome=spec.outcome,
                        public=True,
                    )
        filed[spec.title] = item
    category, title, body, days_ago = DUPLICATE
    with clock_at(utcnow() - timedelta(days=days_ago)):
        duplicate = hub.file_item(people[-1], category, title, body)
    counts["items"] += 1
    with clock_at(utcnow() - timedelta(days=days_ago - 1)):
        hub.merge(duplicate, filed[ITEMS[0].title], admin)
    finish_load(load, counts)
    return f"Demo feedback: {counts['items']} items, {counts['votes']} votes, one done with its outcome, one merged."
