"""Granting an extension from the gradebook page, posted exactly as the browser posts the form; each
bad input refused with its own message and nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from lms.assignments.models import ChangeKind, Extension, GradeChange
from lms.extensions import db
from tests.factories import PASSWORD, make_user
from tests.html_forms import browser_post_data, form_controls
from tests.lms.assignments.helpers import grading_app, teacher_and_learners

BOOK = "/teach/assignments/python-basics/squares"
ACTION = f"{BOOK}/extensions"


@pytest.fixture
def app(make_app, courses_dir):
    """CSRF on, as in production: the form's token is part of what the browser posts."""
    with grading_app(make_app, courses_dir, WTF_CSRF_ENABLED=True) as app:
        yield app


def _login(client, email: str) -> None:
    controls = form_controls(client.get("/login").text, "")
    data = browser_post_data(controls, email=email, password=PASSWORD)
    assert client.post("/login", data=data).status_code == 302


def _grant(client, **chosen: str):
    """Open the gradebook, set the extension form's visible fields, submit it; the page shown after."""
    controls = form_controls(client.get(BOOK).text, ACTION)
    response = client.post(ACTION, data=browser_post_data(controls, **chosen))
    assert response.status_code == 302
    return client.get(response.location).text


def _stored() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Extension)),
        db.session.scalar(select(func.count()).where(GradeChange.kind == ChangeKind.EXTENSION_GRANTED)),
    )


def test_the_form_posts_one_learner_id_from_the_dropdown(app, client):
    teacher, learner, other = teacher_and_learners()
    _login(client, teacher.email)
    controls = form_controls(client.get(BOOK).text, ACTION)
    [learner_field] = [c for c in controls if c.name == "learner_id"]
    assert learner_field.kind == "select" and set(learner_field.options) == {str(learner.id), str(other.id)}
    assert [c.name for c in controls if c.kind == "hidden"] == ["csrf_token"]


def test_an_instructor_grants_an_extension_from_the_gradebook(app, client):
    teacher, learner, other = teacher_and_learners()
    _login(client, teacher.email)
    controls = form_controls(client.get(BOOK).text, ACTION)
    [learner_field] = [c for c in controls if c.name == "learner_id" and c.kind == "select"]
    chosen = other if learner_field.value == str(learner.id) else learner  # not the preselected one
    page = _grant(client, learner_id=str(chosen.id), due_at="2030-01-15T09:30", reason="Medical note")

    assert f"{chosen.display_name} may now submit until Jan 15, 2030, 9:30\u202fAM UTC." in page
    ext = db.session.scalars(select(Extension)).one()
    assert (ext.user_id, ext.due_at.replace(tzinfo=UTC)) == (chosen.id, datetime(2030, 1, 15, 9, 30, tzinfo=UTC))
    change = db.session.scalars(select(GradeChange)).one()
    assert (change.kind, change.learner_id, change.actor_id) == (ChangeKind.EXTENSION_GRANTED, chosen.id, teacher.id)
    assert change.new_value == "2030-01-15T09:30:00+00:00" and change.reason == "Medical note"
    assert "extended to" in page


@pytest.mark.parametrize(
    ("learner", "due_at", "message"),
    [
        ("unknown", "2030-01-15T09:30", "There is no such learner; choose one from the list."),
        ("not-enrolled", "2030-01-15T09:30", "That learner is not enrolled in this course; choose one from the list."),
        ("enrolled", "2030-02-30T09:30", "Enter the new due date as a date and a time."),
        ("enrolled", "next tuesday", "Enter the new due date as a date and a time."),
        ("enrolled", "", "Enter the new due date as a date and a time."),
        ("", "2030-01-15T09:30", "Choose a learner."),
    ],
)
def test_bad_input_is_refused_with_its_own_message_and_nothing_stored(app, client, learner, due_at, message):
    teacher, enrolled, _other = teacher_and_learners()
    stranger = make_user(name="Stranger")
    db.session.commit()
    ids = {"unknown": "999999", "not-enrolled": str(stranger.id), "enrolled": str(enrolled.id), "": ""}
    _login(client, teacher.email)
    controls = form_controls(client.get(BOOK).text, ACTION)
    data = browser_post_data(controls, due_at=due_at)
    data.setlist("learner_id", [ids[learner]])  # a tampered or stale page: not one of the dropdown's options
    response = client.post(ACTION, data=data)
    assert response.status_code == 302
    page = client.get(response.location).text
    assert message in page and "may now submit" not in page and "Stranger" not in page
    assert _stored() == (0, 0)


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("2027-03-27T12:00", datetime(2027, 3, 27, 11, 0, tzinfo=UTC), "Mar 27, 2027, 12:00\u202fPM CET"),  # winter, +1
        ("2027-07-01T12:00", datetime(2027, 7, 1, 10, 0, tzinfo=UTC), "Jul 1, 2027, 12:00\u202fPM CEST"),  # summer, +2
        ("2027-11-02T12:00", datetime(2027, 11, 2, 11, 0, tzinfo=UTC), "Nov 2, 2027, 12:00\u202fPM CET"),  # autumn
    ],
)
def test_the_due_date_is_read_in_the_instructors_zone_and_stored_utc(app, client, typed, stored, shown):
    teacher, learner, _other = teacher_and_learners()
    teacher.timezone = "Europe/Berlin"
    db.session.commit()
    _login(client, teacher.email)
    assert "New due date (Europe/Berlin) <input" in client.get(BOOK).text
    page = _grant(client, learner_id=str(learner.id), due_at=typed)
    assert f"{learner.display_name} may now submit until {shown}." in page
    assert f"extended to {shown}" in page  # the gradebook shows it back in the instructor's zone
    assert db.session.scalars(select(Extension)).one().due_at == stored


def test_a_time_the_spring_change_skips_is_refused_with_a_message(app, client):
    teacher, learner, _other = teacher_and_learners()
    teacher.timezone = "Europe/Berlin"
    db.session.commit()
    _login(client, teacher.email)
    page = _grant(client, learner_id=str(learner.id), due_at="2027-03-28T02:30")  # 02:00 -> 03:00 that night
    assert "2027-03-28 02:30 does not exist in Europe/Berlin (clocks go forward)" in page
    assert "may now submit" not in page
    assert _stored() == (0, 0)
