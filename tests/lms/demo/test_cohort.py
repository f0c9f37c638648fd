"""`flask demo cohort`: real learners' work through the real services, loaded once, never in production."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.accounts.models import Team, User
from lms.assignments.models import Grade, Submission
from lms.catalog.models import Course
from lms.certification.models import Certificate
from lms.config import ROOT
from lms.demo.models import DemoLoad
from lms.developers.models import DeveloperProfile, Segment
from lms.extensions import db
from lms.feedback.models import FeedbackItem, FeedbackMessage, SurveyResponse
from lms.learning.models import Enrollment, LearningEvent, QuizAttempt
from lms.programme.models import ProgrammeTarget
from lms.reports.models import ReportActivity, ReportProgress
from lms.workshops.models import Registration
from tests.factories import login

COUNTED = (
    DeveloperProfile,
    Segment,
    User,
    Team,
    Enrollment,
    LearningEvent,
    QuizAttempt,
    Submission,
    Grade,
    Certificate,
    Registration,
    SurveyResponse,
    FeedbackItem,
    FeedbackMessage,
    ReportProgress,
    ReportActivity,
    DemoLoad,
)


def _rows() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


def test_cohort_loads_real_graded_work_once_and_fills_the_staff_pages(make_app):
    app = make_app(COURSES_DIR=ROOT / "courses")
    runner = app.test_cli_runner()
    with app.app_context():
        assert runner.invoke(args=["courses", "sync"]).exit_code == 0
        first = runner.invoke(args=["demo", "cohort", "--learners", "6"])
        assert first.exit_code == 0, first.output
        assert "Demo accounts (passwords shown once" in first.output and "Demo cohort loaded" in first.output
        rows = _rows()
        cohort = db.session.scalars(select(User).where(User.email.like("%@cohort.academy.test"))).all()
        assert len(cohort) == 6
        assert [t.name for t in db.session.scalars(select(Team).order_by(Team.name))] == [
            "Applied AI team",
            "Platform team",
        ]
        assert rows["Enrollment"] >= 7 and rows["LearningEvent"] > 40
        # Real notebooks graded in the sandbox: full marks and a partial answer below the pass mark.
        scores = set(db.session.execute(select(Grade.auto_score, Grade.max_score)).all())
        assert (8.0, 8.0) in scores and (5.0, 8.0) in scores
        assert db.session.scalar(select(func.count()).where(Submission.state != "graded")) == 0
        quiz_percents = [100 * s / m for s, m in db.session.execute(select(QuizAttempt.score, QuizAttempt.max_score))]
        assert max(quiz_percents) == 100 and min(quiz_percents) < 70
        kinds = set(db.session.scalars(select(Certificate.kind)))
        assert {"course", "workshop"} <= kinds
        assert db.session.scalar(select(func.count()).where(Registration.attended_at.is_not(None))) >= 1
        assert rows["SurveyResponse"] >= 1
        # The three item reports file into the feedback hub (private, linked to their item); two answered.
        reports = db.session.scalars(select(FeedbackItem).where(FeedbackItem.source == "report")).all()
        assert len(reports) == 3 and all(r.item_id is not None and not r.public for r in reports)
        answered = [r for r in reports if r.first_response_at is not None]
        assert answered and all(len(r.messages) >= 1 for r in answered)
        # Six weeks of activity, not one moment: the weekly read model spans at least four weeks.
        weeks = db.session.scalar(select(func.count(func.distinct(ReportActivity.week_start))))
        assert weeks >= 4
        assert db.session.get(DemoLoad, "cohort").finished_at is not None
        # Developer relations: the learners' profiles, the segments over them, the hub's own items.
        assert rows["DeveloperProfile"] >= 6 and rows["Segment"] >= 2
        assert db.session.scalar(select(func.count()).where(FeedbackItem.source == "hub")) >= 5
        assert "Demo feedback" in first.output and "Audiences" in first.output
        assert db.session.scalar(select(func.count()).select_from(ProgrammeTarget)) == 2

        again = runner.invoke(args=["demo", "cohort", "--learners", "6"])
        assert again.exit_code == 0 and "nothing to do" in again.output
        assert _rows() == rows

        platform_team = db.session.scalar(select(Team.id).where(Team.name == "Platform team"))
        fundamentals = db.session.scalar(select(Course.id).where(Course.slug == "llm-api-fundamentals"))
        enrolled = db.session.scalar(select(func.count()).where(Enrollment.course_id == fundamentals))
    client = app.test_client()
    login(client, "instructor@academy.test", _password(first.output, "instructor"))
    teaching = client.get("/teach/").text
    assert enrolled == 7 and f'<td class="num">{enrolled}</td>' in teaching  # six learners and the demo learner
    client.post("/logout")
    login(client, "manager@academy.test", _password(first.output, "manager"))
    board = client.get(f"/reports/teams/{platform_team}").text
    for empty in ("No data yet", "None yet.", "No registrations yet."):
        assert empty not in board


def _password(output: str, role: str) -> str:
    line = next(line for line in output.splitlines() if line.strip().startswith(role))
    return line.split()[-1]


def test_production_refuses_demo_data_and_writes_nothing(make_app, monkeypatch):
    app = make_app(ACADEMY_ENV="production")
    runner = app.test_cli_runner()
    with app.app_context():
        before = _rows()
        for args in (["demo", "cohort"], ["demo", "accounts"], ["demo", "seed", "--learners", "5"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 1
            assert "refused in production (ACADEMY_ENV=production). Nothing was written." in result.output
        assert _rows() == before


def test_demo_accounts_command_creates_the_four_once(runner, app):
    first = runner.invoke(args=["demo", "accounts"])
    assert first.exit_code == 0 and first.output.count("@academy.test") == 4
    again = runner.invoke(args=["demo", "accounts"])
    assert again.exit_code == 0 and "exist already" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 4


def test_cohort_without_the_demo_catalog_says_so_and_writes_no_marker(runner, app):
    result = runner.invoke(args=["demo", "cohort", "--learners", "2"])
    assert result.exit_code == 1 and "run `flask platform init` first" in result.output
    assert db.session.get(DemoLoad, "cohort") is None
    assert db.session.scalar(select(func.count()).where(User.email.like("%@cohort.academy.test"))) == 0


def test_platform_init_in_production_creates_no_demo_accounts(make_app, tmp_path):
    app = make_app(ACADEMY_ENV="production", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.db'}")
    runner = app.test_cli_runner()
    with app.app_context():
        refused = runner.invoke(args=["platform", "init", "--cohort"])
        assert refused.exit_code == 1 and "refused in production" in refused.output
        assert "Database ready" not in refused.output  # refused before migrating
        result = runner.invoke(args=["platform", "init"])
        assert result.exit_code == 0, result.output
        assert "Database ready" in result.output and "Demo accounts" not in result.output
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
