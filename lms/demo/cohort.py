"""`flask demo cohort`: the plan of `lms.demo.plan` replayed through the real services.

Each step runs at its own moment (`lms.db.clock_at`), so events, read models, reports,
mastery, certificates and audit rows are stamped over six weeks as if people had done it.
Notebooks are real submissions graded in the sandbox by the worker's own task body
(`worker.grade_now`), which commits after each grade, as on the worker.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import Team, User
from lms.assignments import services as assignments
from lms.assignments import worker
from lms.catalog import services as catalog
from lms.catalog.models import Course, Item
from lms.certification import exams
from lms.db import clock_at, utcnow
from lms.demo.plan import NAMES, CoursePath, Planner, Step
from lms.demo.services import DEMO_TEAM, demo_user
from lms.extensions import db
from lms.feedback import hub, surveys
from lms.feedback.models import FeedbackItem, SurveyResponse
from lms.learning import services as learning
from lms.workshops import editing, registration
from lms.workshops.models import Registration, Workshop, WorkshopSession

COURSE = "llm-api-fundamentals"
SECOND_COURSE = "prompt-engineering"
TEAMS = (DEMO_TEAM, "Applied AI team")
EMAIL_DOMAIN = "cohort.academy.test"


class CohortError(RuntimeError):
    """The cohort cannot be loaded into this database (said to the person running the command)."""


@dataclass
class Replay:
    """What replaying needs and what it made: accounts, items, the workshop session, counts."""

    secret: str
    max_bytes: int
    courses_dir: Path
    learners: dict[int | str, User] = field(default_factory=dict)
    teams: list[Team] = field(default_factory=list)
    items: dict[tuple[str, str], Item] = field(default_factory=dict)
    session: WorkshopSession | None = None
    reports: dict[int, FeedbackItem] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    password_hash: str = ""


def load_cohort(learners: int, *, secret: str, max_bytes: int, courses_dir: Path) -> dict[str, int]:
    """Create `learners` learners in two teams and replay six weeks of their work; returns counts.

    Needs the demo catalog and the demo accounts. Commits (each graded notebook, as the worker does)."""
    replay = Replay(secret=secret, max_bytes=max_bytes, courses_dir=courses_dir)
    paths = [_course_path(replay, slug) for slug in (COURSE, SECOND_COURSE)]
    staff = {role: demo_user(role) for role in ("instructor", "manager", "learner")}
    replay.learners.update({"staff": staff["instructor"], "learner": staff["learner"]})
    replay.teams = [accounts.get_or_create_team(name) for name in TEAMS]
    for team in replay.teams:
        accounts.add_manager(team, staff["manager"])
    replay.password_hash = accounts.hash_password(secrets.token_urlsafe(12))
    for step in Planner(learners, utcnow(), *paths).steps():
        with clock_at(step.at):
            _ACTIONS[step.action](replay, step)
    replay.counts["survey replies"] = reply_to_comments(staff["instructor"])
    db.session.flush()
    return dict(sorted(replay.counts.items()))


def check_ready() -> None:
    """Refuse (CohortError) before anything is written when the demo courses are not loaded."""
    for slug in (COURSE, SECOND_COURSE):
        if catalog.get_course(slug) is None:
            raise CohortError(f"The demo course {slug} is not loaded: run `flask platform init` first.")


def _course_path(replay: Replay, slug: str) -> CoursePath:
    course = catalog.get_course(slug)
    if course is None:
        raise CohortError(f"The demo course {slug} is not loaded: run `flask platform init` first.")
    items = []
    for _module, module_items in catalog.syllabus(course):
        for item in module_items:
            replay.items[(slug, item.slug)] = item
            items.append((item.slug, item.kind))
    return CoursePath(slug, items)


def _sign_up(replay: Replay, step: Step) -> None:
    number = int(step.who)
    first, last = NAMES[number % len(NAMES)]
    suffix = "" if number < len(NAMES) else str(number // len(NAMES) + 1)
    email = f"{first}.{last}{suffix}@{EMAIL_DOMAIN}".lower().replace("'", "")
    user = accounts.create_user(email, "", f"{first} {last}", password_hash=replay.password_hash)
    accounts.add_members(replay.teams[step.args["team"]], [user])
    replay.learners[number] = user
    replay.counts["learners"] += 1


def _item(replay: Replay, step: Step) -> Item:
    return replay.items[(step.args["course"], step.args["item"])]


def _enroll(replay: Replay, step: Step) -> None:
    course = db.session.scalar(select(Course).where(Course.slug == step.args["course"]))
    learning.enroll(replay.learners[step.who].id, course)
    replay.counts["enrolments"] += 1


def _lesson(replay: Replay, step: Step) -> None:
    if learning.complete_lesson(replay.learners[step.who].id, _item(replay, step)):
        replay.counts["lessons read"] += 1


def _answers(questions: list[dict[str, Any]], right: bool) -> dict[str, list[int]]:
    """All correct, or the first half correct and the rest a wrong option (a score of about 50%)."""
    answers = {}
    for n, q in enumerate(questions):
        if right or n < len(questions) // 2:
            answers[q["id"]] = list(q["correct"])
        else:
            answers[q["id"]] = [next(i for i in range(len(q["options"])) if i not in q["correct"])]
    return answers


def _quiz(replay: Replay, step: Step) -> None:
    item = _item(replay, step)
    learning.submit_quiz(replay.learners[step.who].id, item, _answers(item.data["questions"], step.args["passed"]))
    replay.counts["quiz attempts"] += 1


def _notebook(replay: Replay, item: Item, answer: str) -> bytes:
    """The release with the instructor's answers typed in: all of them ("right"), all but the
    last ("partial": below the pass mark), or only the first ("broken"); the others stay as released."""
    release = assignments.engine_release(assignments.current_release(item.id))
    source = json.loads((replay.courses_dir / item.course.slug / item.source_path).read_text())
    solutions = {
        c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
        for c in source["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution") and c["cell_type"] == "code"
    }
    typed = list(solutions)
    typed = typed if answer == "right" else typed[:-1] if answer == "partial" else typed[:1]
    notebook = json.loads(release.notebook)
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in typed:
            cell["source"] = solutions[grade_id]
    return json.dumps(notebook, indent=1).encode()


def _submit(replay: Replay, step: Step) -> None:
    """Upload through the intake, then grade it as the worker's task does, a minute later."""
    item = _item(replay, step)
    data = _notebook(replay, item, step.args["answer"])
    submission, created = assignments.submit(replay.learners[step.who], item, data, max_bytes=replay.max_bytes)
    if not created:
        return
    replay.counts["notebooks submitted"] += 1
    with clock_at(step.at + timedelta(seconds=50)):
        outcome = worker.grade_now(submission.id, submission.run)
    replay.counts[f"notebooks {outcome}"] += 1


def _exam(replay: Replay, step: Step) -> None:
    course = db.session.scalar(select(Course).where(Course.slug == step.args["course"]))
    user_id = replay.learners[step.who].id
    attempt = exams.start(user_id, course)
    questions = exams.questions_of(attempt, reveal=True)
    with clock_at(step.at + timedelta(minutes=12)):
        exams.submit(attempt, _answers(questions, step.args["passed"]))
    replay.counts["exam attempts"] += 1


def _survey(replay: Replay, step: Step, *, course: Course | None = None, workshop: Workshop | None = None) -> None:
    user = replay.learners[step.who]
    if not surveys.may_answer(user, course=course, workshop=workshop):
        return
    survey = surveys.survey_for(course=course, workshop=workshop)
    raw = {q["id"]: _default_answer(q) for q in survey.questions if q.get("required")}
    args = step.args
    surveys.submit(
        replay.secret,
        survey,
        user,
        csat=args["csat"],
        nps=args["nps"],
        comment=args["comment"],
        answers=surveys.clean_answers(survey, raw),
    )
    replay.counts["survey answers"] += 1


def _default_answer(question: dict[str, Any]) -> str:
    return {"scale": "4", "choice": (question.get("options") or [""])[0]}.get(question["type"], "Useful.")


def _course_survey(replay: Replay, step: Step) -> None:
    _survey(replay, step, course=db.session.scalar(select(Course).where(Course.slug == step.args["course"])))


def _workshop_survey(replay: Replay, step: Step) -> None:
    assert replay.session is not None  # the workshop step comes first
    _survey(replay, step, workshop=replay.session.workshop)


def _workshop(replay: Replay, step: Step) -> None:
    """The instructor announces a live clinic tied to the course, as on the teaching page."""
    starts: datetime = step.args["starts_at"]
    workshop = editing.save_workshop(
        replay.learners["staff"],
        {
            "title": "Token counting clinic, live",
            "description": "Bring your tokenizer: we count tokens, read BPE merges and estimate a bill together.",
            "tier": "beginner",
            "tags": ["tokens", "api"],
            "course": COURSE,
            "materials": [],
            "instructors": [],
        },
    )
    replay.session = editing.save_session(
        workshop,
        {
            "title": "",
            "timezone": "UTC",
            "start": starts.replace(tzinfo=None),
            "end": (starts + timedelta(minutes=90)).replace(tzinfo=None),
            "registration_closes": None,
            "online_url": "https://meet.academy.example/token-clinic",
            "place": "",
            "capacity": 30,
        },
    )
    replay.counts["workshops"] += 1


def _register(replay: Replay, step: Step) -> None:
    assert replay.session is not None
    registration.register(replay.learners[step.who], replay.session)
    replay.counts["workshop registrations"] += 1


def _attendance(replay: Replay, step: Step) -> None:
    assert replay.session is not None
    present = {replay.learners[n].id for n in step.args["present"]}
    ids = set(
        db.session.scalars(
            select(Registration.id).where(
                Registration.session_id == replay.session.id, Registration.user_id.in_(present)
            )
        )
    )
    replay.counts["workshop attended"] += registration.mark_attendance(replay.session, ids)


def _report(replay: Replay, step: Step) -> None:
    report = hub.file_report(replay.learners[step.who], _item(replay, step), step.args["kind"], step.args["body"])
    replay.reports[step.args["key"]] = report
    replay.counts["problem reports"] += 1


def _reply(replay: Replay, step: Step) -> None:
    report = replay.reports.get(step.args["key"])
    if report is not None:
        hub.add_message(report, replay.learners["staff"], step.args["body"])
        replay.counts["report replies"] += 1


def _close_report(replay: Replay, step: Step) -> None:
    report = replay.reports.get(step.args["key"])
    if report is not None:
        # The learner said it is fixed: staff close it with that outcome (reporters do not close items).
        hub.triage(
            report,
            replay.learners["staff"],
            status="done",
            priority=report.priority,
            owner_id=report.owner_id,
            outcome="Fixed in the course; the reporter confirmed it.",
            public=report.public,
        )


def reply_to_comments(instructor: User) -> int:
    """The instructor answers the first two survey comments (what the results page offers)."""
    rows = db.session.scalars(
        select(SurveyResponse).where(SurveyResponse.comment != "").order_by(SurveyResponse.submitted_at).limit(2)
    )
    count = 0
    for response in rows:
        with clock_at(min(response.submitted_at + timedelta(hours=6), utcnow())):
            surveys.reply(response, instructor, "Thank you for taking the time; we read every comment.")
        count += 1
    return count


_ACTIONS = {
    "sign_up": _sign_up,
    "enroll": _enroll,
    "lesson": _lesson,
    "quiz": _quiz,
    "submit": _submit,
    "exam": _exam,
    "course_survey": _course_survey,
    "workshop_survey": _workshop_survey,
    "workshop": _workshop,
    "register": _register,
    "attendance": _attendance,
    "report": _report,
    "reply": _reply,
    "close_report": _close_report,
}
