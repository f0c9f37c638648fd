"""The reports say what the learner's own pages say (issue 15): learning's Progress.status, in SQL over
reports' read model, for the completions filter, the team grid and table, the exports and the API."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.certification import exams
from lms.certification import services as certification
from lms.extensions import db
from lms.learning import services as learning
from lms.reports.models import ReportProgress
from lms.reports.query import ReportFilter, completion_rows
from lms.reports.services import course_stats, tier_stats
from tests.factories import load_fixture_courses, make_user
from tests.lms.certification.conftest import COURSES, graded, item, right_answers
from tests.lms.reports.helpers import login_as, token_for


def _steps_passed(user, course) -> None:
    learning.enroll(user.id, course)
    learning.complete_lesson(user.id, item(course, "01-hello"))
    graded(user, course, user.id * 10, 4)  # 80 %, pass mark 70 %


def _pass_exam(user, course) -> None:
    attempt = exams.start(user.id, course)
    exams.submit(attempt, right_answers(attempt))


@pytest.fixture
def team(app):
    """cert-basics (a lesson, an assignment, an exam): one learner at each status, through the real
    services and receivers; hana holds a certificate awarded by hand without the exam."""
    course = load_fixture_courses(COURSES)["cert-basics"]
    manager, admin = make_user("manager", "mia@example.com", "Mia Manager"), make_user("admin")
    people = {
        name: make_user("learner", f"{name}@example.com", name.capitalize())
        for name in ("carl", "eve", "fay", "hana", "nora")
    }
    squad = accounts.get_or_create_team("Squad")
    accounts.add_manager(squad, manager)
    accounts.add_members(squad, list(people.values()))
    learning.enroll(people["nora"].id, course)  # enrolled only
    learning.enroll(people["fay"].id, course)
    graded(people["fay"], course, 1, 3.1)  # 62 %: a failed attempt, no step passed
    _steps_passed(people["eve"], course)  # the exam remains
    _steps_passed(people["carl"], course)
    _pass_exam(people["carl"], course)
    _steps_passed(people["hana"], course)
    certification.award_by_hand(admin, people["hana"], course=course, track=None, reason="Exam on paper")
    db.session.commit()
    return course, manager, squad, people


EXPECTED = {
    "carl": "completed",
    "eve": "exam_remaining",
    "fay": "in_progress",
    "hana": "completed",
    "nora": "not_started",
}


def _statuses(manager) -> dict[str, str]:
    return {r.learner.lower(): r.status for r in completion_rows(manager, ReportFilter())}


def _cells(page: str) -> dict[str, tuple[str, str]]:
    """The team grid: learner -> (status title, text) of their one course cell."""
    rows = re.findall(r'<tr><th scope="row">(\w+)</th>\s*<td class="cell [^"]*" title="([^"]+)">([^<]+)</td>', page)
    return {name.lower(): (title, text) for name, title, text in rows}


def test_statuses_agree_with_the_learners_pages_everywhere(team, client):
    course, manager, squad, people = team
    assert _statuses(manager) == EXPECTED
    mine = {name: learning.progress_for(u.id, [course.id])[course.id].status for name, u in people.items()}
    assert mine == EXPECTED  # the learner's own label, decided by Progress.status

    for status in ("completed", "exam_remaining", "in_progress", "not_started"):
        rows = completion_rows(manager, ReportFilter(status=status))
        assert {r.learner.lower() for r in rows} == {n for n, s in EXPECTED.items() if s == status}

    [stat] = course_stats(manager, ReportFilter(team_id=squad.id))
    assert (stat.enrolled, stat.completed, stat.exam_remaining, stat.in_progress) == (5, 2, 1, 1)
    assert stat.rate == 40.0 and tier_stats([stat])[0].exam_remaining == 1  # exam remaining is not completed

    login_as(client, manager)
    page = client.get(f"/reports/teams/{squad.id}").get_data(as_text=True)
    assert _cells(page) == {
        "carl": ("Completed", "100%"),
        "eve": ("Exam remaining", "Exam"),
        "fay": ("In progress", "0%"),
        "hana": ("Completed", "100%"),
        "nora": ("Not started", "0%"),
    }
    table = re.search(r"<tr><td>Certified basics</td>.*?</tr>", page, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]+)</td>', table)[:5] == ["5", "1", "1", "2", "40%"]

    listing = client.get("/reports/completions", query_string={"status": "exam_remaining"}).get_data(as_text=True)
    assert "Eve" in listing and "Exam remaining" in listing and "Carl" not in listing
    assert '<option selected value="exam_remaining">Exam remaining</option>' in listing

    exported = client.get("/reports/completions.csv").get_data(as_text=True)
    assert {r["Learner"].lower(): r["Status"] for r in csv.DictReader(io.StringIO(exported))} == EXPECTED

    headers = {"Authorization": f"Bearer {token_for(manager)}"}
    api = client.get("/api/v1/reports/completions", headers=headers).json
    assert {r["learner"].lower(): r["status"] for r in api["items"]} == EXPECTED
    only = client.get("/api/v1/reports/completions?status=exam_remaining", headers=headers).json
    assert [r["learner"] for r in only["items"]] == ["Eve"]
    spec = client.get("/api/v1/openapi.json", headers=headers).json
    row = spec["components"]["schemas"]["Completion"]["properties"]["status"]
    assert row["enum"] == ["not_started", "in_progress", "exam_remaining", "completed"]
    assert "exam_remaining" in row["description"]


def test_the_exam_pass_completes_and_recompute_agrees_with_the_receivers(team, runner):
    course, manager, _squad, people = team
    _pass_exam(people["eve"], course)
    db.session.commit()
    assert _statuses(manager) == {**EXPECTED, "eve": "completed"}

    def snapshot():
        return sorted(
            (p.user_id, p.done, p.started, p.exam_pending) for p in db.session.scalars(select(ReportProgress))
        )

    live, statuses = snapshot(), _statuses(manager)
    result = runner.invoke(args=["reports", "recompute"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert snapshot() == live and _statuses(manager) == statuses
    pending = {uid for uid, _done, _started, exam_pending in live if exam_pending}
    assert pending == {people[n].id for n in ("fay", "hana", "nora")}  # hana's certificate is joined live

    # A rebuild from the log alone must find the same statuses before the exam pass too.
    other = make_user("learner", "ivy@example.com", "Ivy")
    accounts.add_members(accounts.get_or_create_team("Squad"), [other])
    _steps_passed(other, course)
    db.session.commit()
    before = snapshot()
    assert runner.invoke(args=["reports", "recompute"]).exit_code == 0
    db.session.expire_all()
    assert snapshot() == before and _statuses(manager)["ivy"] == "exam_remaining"
