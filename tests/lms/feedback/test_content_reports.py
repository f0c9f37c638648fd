"""Report a problem or suggest: routed to the course's instructors, status, time to first answer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.extensions import db
from lms.feedback.content_reports import inbox, response_time
from lms.feedback.models import ContentReport
from tests.conftest import FIXTURES
from tests.factories import load_fixture_courses, login, make_user


def test_report_flow_and_time_to_first_answer(client):
    load_fixture_courses(FIXTURES / "courses")
    learner, nosy = make_user(email="learner@example.com"), make_user(email="nosy@example.com")
    teacher = make_user("instructor", email="teacher@example.com")  # python-basics
    other_teacher = make_user("instructor", email="other@example.com")
    login(client, learner.email)
    client.post("/courses/python-basics/enroll")
    for slug in ("01-hello", "basics", "add"):  # lesson, quiz, assignment: the button is on each
        page = client.get(f"/courses/python-basics/{slug}").text
        assert "Report a problem or suggest an improvement" in page
        assert f'action="/feedback/report/python-basics/{slug}"' in page
    empty = client.post(
        "/feedback/report/python-basics/01-hello", data={"kind": "problem", "body": ""}, follow_redirects=True
    )
    assert "Describe the problem" in empty.text
    assert (
        client.post("/feedback/report/python-basics/01-hello", data={"kind": "bug", "body": "Typo here"}).status_code
        == 302
    )
    assert db.session.scalar(select(func.count()).select_from(ContentReport)) == 0
    sent = client.post(
        "/feedback/report/python-basics/01-hello", data={"kind": "problem", "body": "The second example fails."},
        follow_redirects=True,
    )  # fmt: skip
    assert "instructors will answer on your feedback page" in sent.text
    report = db.session.scalar(select(ContentReport))
    assert (report.status, report.first_answered_at) == ("open", None)
    client.post("/logout")

    login(client, nosy.email)
    assert client.get(f"/feedback/reports/{report.id}").status_code == 404
    assert client.post(f"/feedback/reports/{report.id}/close").status_code == 404
    client.post("/logout")
    login(client, other_teacher.email)
    assert "The second example fails." not in client.get("/feedback/reports").text
    assert client.get(f"/feedback/reports/{report.id}").status_code == 404
    client.post("/logout")

    login(client, teacher.email)
    assert "Python basics" in client.get("/feedback/reports").text
    client.post(f"/feedback/reports/{report.id}", data={"body": "Fixed in the next sync, thanks!"})
    db.session.expire_all()
    report = db.session.get(ContentReport, report.id)
    assert report.status == "answered" and report.first_answered_at is not None
    first = report.first_answered_at
    client.post(f"/feedback/reports/{report.id}", data={"body": "And one more note."})
    db.session.expire_all()
    assert db.session.get(ContentReport, report.id).first_answered_at == first  # only the first answer counts
    client.post("/logout")

    login(client, learner.email)
    thread = client.get(f"/feedback/reports/{report.id}").text
    assert "Fixed in the next sync, thanks!" in thread
    client.post(f"/feedback/reports/{report.id}/close")
    db.session.expire_all()
    assert db.session.get(ContentReport, report.id).status == "closed"
    assert "This report is closed." in client.post(f"/feedback/reports/{report.id}", data={"body": "again"}).text


def test_response_time_is_the_median_of_first_answers(app):
    load_fixture_courses(FIXTURES / "courses")
    teacher = make_user("instructor", email="teacher@example.com")
    learner = make_user()
    from lms.catalog.models import Item
    from lms.feedback.content_reports import create_report

    item = db.session.scalar(select(Item).where(Item.slug == "01-hello"))
    reports = [create_report(learner, item, "problem", f"Problem number {n}") for n in range(4)]
    for report, hours in zip(reports, (1, 3, 10), strict=False):
        report.first_answered_at = report.created_at + timedelta(hours=hours)
    db.session.flush()
    stats = response_time(inbox(teacher))
    assert (stats.answered, stats.waiting, stats.median_hours) == (3, 1, 3.0)
