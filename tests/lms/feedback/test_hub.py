"""The feedback hub: filing with similar items, one vote per person (also under a race), triage with
its history and signals, merging duplicates, closing with an outcome, notices to followers, survey
copies (anonymous ones stay anonymous), the report button, the old report URLs and the CLI metric."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.feedback import hub, surveys
from lms.feedback.errors import FeedbackError
from lms.feedback.models import FeedbackChange, FeedbackFollow, FeedbackItem, FeedbackVote
from lms.notifications.models import Notification, NotificationKind
from lms.signals import feedback_filed, feedback_status_changed
from lms.workshops import registration
from tests.factories import item, login, make_user
from tests.lms.workshops.helpers import make_workshop
from tests.racing import race_twice

from .helpers import complete_course, course, courses_with_survey


def _told(kind: NotificationKind) -> list[tuple[int, str]]:
    rows = db.session.execute(select(Notification.user_id, Notification.key).where(Notification.kind == str(kind)))
    return sorted((u, k) for u, k in rows)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_file_find_similar_vote_triage_merge_close_and_tell_followers(app, client, tmp_path):
    courses_with_survey(tmp_path)
    ada, bo, cy = make_user(email="ada@example.com"), make_user(email="bo@example.com"), make_user()
    admin = make_user("admin", email="admin@example.com")
    teacher = make_user("instructor", email="teacher@example.com")  # teaches python-basics
    filed, changed = [], []
    feedback_filed.connect(lambda sender, **kw: filed.append(sender.id), weak=False)
    feedback_status_changed.connect(lambda sender, old, actor: changed.append((sender.id, old, actor.id)), weak=False)

    login(client, ada.email)
    assert "Feedback" in client.get("/feedback/").text  # the hub's home (top bar entry too)
    bad = client.post("/feedback/new", data={"category": "feature_request", "title": "Dark", "body": ""})
    assert bad.status_code == 200 and _count(FeedbackItem) == 0
    unknown = client.post("/feedback/new", data={"category": "wish", "title": "Dark mode for the editor"})
    assert unknown.status_code == 200 and _count(FeedbackItem) == 0
    sent = client.post(
        "/feedback/new",
        data={
            "category": "feature_request",
            "title": "Dark mode for the code editor",
            "body": "Night owls.",
            "course": "python-basics",
        },
    )
    first = db.session.scalar(select(FeedbackItem))
    assert sent.headers["Location"].endswith(f"/feedback/items/{first.id}")
    assert (first.status, first.public, first.course_id, first.reporter_id) == ("new", True, course().id, ada.id)
    assert filed == [first.id] and _count(FeedbackFollow, FeedbackFollow.item_id == first.id) == 1
    client.post("/logout")

    # A second person types a similar title: the open item is offered with a Vote button.
    login(client, bo.email)
    fragment = client.get("/feedback/similar", query_string={"q": "dark mode editor"}).text
    assert "Dark mode for the code editor" in fragment and f"/feedback/items/{first.id}/vote" in fragment
    assert client.get("/feedback/similar", query_string={"q": "certificates pdf"}).text.strip() == ""
    client.post(f"/feedback/items/{first.id}/vote")
    again = client.post(f"/feedback/items/{first.id}/vote", follow_redirects=True)
    assert "You already voted for this item." in again.text
    db.session.expire_all()
    assert db.session.get(FeedbackItem, first.id).vote_count == 1
    assert db.session.get(FeedbackFollow, (first.id, bo.id)) is not None
    client.post("/logout")

    # A private item (the report button) is not offered to others, nor readable, nor votable.
    private = hub.file_report(cy, item("01-hello"), "problem", "Dark mode code editor is broken here")
    db.session.commit()
    login(client, bo.email)
    assert "broken here" not in client.get("/feedback/similar", query_string={"q": "dark mode editor"}).text
    assert client.get(f"/feedback/items/{private.id}").status_code == 404
    assert client.post(f"/feedback/items/{private.id}/vote").status_code == 404
    assert client.post(f"/feedback/items/{first.id}/triage", data={"status": "planned"}).status_code == 404
    assert client.get("/feedback/triage").status_code == 403
    client.post("/logout")

    # Staff triage: the course's instructor; every change is a FeedbackChange row.
    login(client, teacher.email)
    assert "Dark mode for the code editor" in client.get("/feedback/triage").text
    assert "Dark mode for the code editor" in client.get("/feedback/triage?view=board&status=new").text
    closing = client.post(
        f"/feedback/items/{first.id}/triage",
        data={"status": "done", "priority": "", "owner": "", "outcome": ""},
        follow_redirects=True,
    )
    assert "Say what came of it" in closing.text
    client.post(
        f"/feedback/items/{first.id}/triage",
        data={"status": "planned", "priority": "P2", "owner": str(teacher.id), "outcome": "", "public": "y"},
    )
    db.session.expire_all()
    first = db.session.get(FeedbackItem, first.id)
    assert (first.status, first.priority, first.owner_id) == ("planned", "P2", teacher.id)
    assert first.first_response_at is not None and changed == [(first.id, "new", teacher.id)]
    assert {c.field for c in db.session.scalars(select(FeedbackChange))} == {"status", "priority", "owner"}
    assert _told(NotificationKind.FEEDBACK_STATUS) == sorted(
        [(ada.id, f"feedback-status:{first.id}:planned"), (bo.id, f"feedback-status:{first.id}:planned")]
    )

    # Merge: refused into itself, a chain, or a cycle; votes and followers move without doubles.
    dup = hub.file_item(cy, "feature_request", "Editor dark theme please", "", course=course())
    db.session.add(FeedbackVote(item_id=dup.id, user_id=bo.id))  # bo voted for both
    db.session.commit()
    said = client.post(f"/feedback/items/{dup.id}/merge", data={"target": dup.id}, follow_redirects=True).text
    assert "cannot be merged into itself" in said
    client.post(f"/feedback/items/{dup.id}/merge", data={"target": first.id})
    db.session.expire_all()
    dup, first = db.session.get(FeedbackItem, dup.id), db.session.get(FeedbackItem, first.id)
    assert (dup.status, dup.duplicate_of_id, dup.vote_count) == ("duplicate", first.id, 0)
    assert first.vote_count == 2  # bo once, cy (the duplicate's reporter) once
    assert _count(FeedbackVote, FeedbackVote.item_id == first.id, FeedbackVote.user_id == bo.id) == 1
    assert db.session.get(FeedbackFollow, (first.id, cy.id)) is not None
    third = hub.file_item(bo, "feature_request", "Another dark theme wish", "")
    db.session.commit()
    with_admin = db.session.get(User, admin.id)
    for source, target, message in (
        (third, dup, "is itself a duplicate"),
        (dup, third, "already merged"),
    ):
        try:
            hub.merge(source, target, with_admin)
            raise AssertionError("merge accepted")
        except FeedbackError as exc:
            assert message in str(exc)
    db.session.rollback()

    # Closing with the outcome: public "You asked, we did" (no login, no names), followers told.
    client.post(
        f"/feedback/items/{first.id}/triage",
        data={
            "status": "done",
            "priority": "P2",
            "owner": str(teacher.id),
            "outcome": "Shipped in the editor.",
            "public": "y",
        },
    )
    client.post("/logout")
    page = client.get("/feedback/we-did").text
    assert "Dark mode for the code editor" in page and "Shipped in the editor." in page and ada.display_name not in page
    keys = {k for _u, k in _told(NotificationKind.FEEDBACK_STATUS)}
    assert f"feedback-status:{first.id}:done" in keys
    assert {u for u, k in _told(NotificationKind.FEEDBACK_STATUS) if k.endswith(":done")} == {ada.id, bo.id, cy.id}


def test_overdue_filters_we_did_pages_and_response_time_cli(app, client, runner, tmp_path):
    courses_with_survey(tmp_path)
    ada = make_user()
    admin = make_user("admin")
    now = utcnow()
    old = hub.file_item(ada, "technical_problem", "Login page times out", "")
    fresh = hub.file_item(ada, "technical_problem", "Search is slow sometimes", "")
    urgent = hub.file_item(ada, "technical_problem", "Grader is down for everyone", "")
    old.created_at = now - timedelta(days=8)  # past P3's default 7 days (no priority set)
    urgent.created_at, urgent.priority = now - timedelta(days=2), "P1"
    answered = hub.file_item(ada, "usage_suggestion", "More examples please", "")
    answered.created_at, answered.first_response_at = now - timedelta(hours=10), now - timedelta(hours=6)
    db.session.commit()
    assert [hub.is_overdue(i, now) for i in (old, fresh, urgent, answered)] == [True, False, True, False]
    overdue = hub.triage_list(admin, hub.Filters(overdue=True), now)
    assert {i.id for i in overdue} == {old.id, urgent.id}
    assert [i.id for i in hub.triage_list(admin, hub.Filters.parse({"priority": "P1", "status": "open"}))] == [
        urgent.id
    ]
    assert hub.triage_list(admin, hub.Filters.parse({"category": "usage_suggestion"})) == [answered]
    # "You asked, we did": public done items with an outcome, newest first, 20 a page.
    for n in range(hub.PAGE_SIZE + 1):
        done = hub.file_item(ada, "feature_request", f"Wish number {n:02d}", "")
        done.status, done.outcome, done.resolved_at = "done", f"Outcome {n:02d}", now - timedelta(hours=n)
        done.first_response_at = done.created_at  # answered at once: the metric below is unchanged
    db.session.commit()
    first_page = client.get("/feedback/we-did").text
    assert first_page.index("Outcome 00") < first_page.index("Outcome 19") and "Outcome 20" not in first_page
    assert "/feedback/we-did?page=2" in first_page
    assert "Outcome 20" in client.get("/feedback/we-did?page=2").text
    result = runner.invoke(args=["feedback", "response-time"])
    assert result.exit_code == 0
    # 21 answered at once (0 h) and one after 4 h: the median of 22 is 0 h; three open ones wait.
    assert result.output.strip() == "Answered: 22, waiting: 3, median time to first answer: 0.0 h."


def test_two_racing_votes_by_one_person_count_once(app):
    """Both requests pass the "already voted?" check before either writes (a barrier in the flush
    holds them there): the primary key decides, one vote, the counter at 1, a clear refusal."""
    ada, bo = make_user(), make_user()
    target = hub.file_item(ada, "feature_request", "Offline mode for lessons", "")
    db.session.commit()
    voter_id, item_id = bo.id, target.id  # read here: the racers must not touch this thread's session

    def vote() -> None:
        hub.vote(db.session.get(User, voter_id), db.session.get(FeedbackItem, item_id))

    outcomes = race_twice(app, FeedbackVote, vote, "voted", FeedbackError)
    assert outcomes == ["You already voted for this item.", "voted"]
    db.session.expire_all()
    assert _count(FeedbackVote, FeedbackVote.item_id == item_id) == 1
    assert db.session.get(FeedbackItem, item_id).vote_count == 1


def test_survey_comments_get_copies_and_anonymous_ones_stay_anonymous(app, client, tmp_path):
    courses_with_survey(tmp_path, anonymous=True)
    ada = make_user(email="ada@example.com", name="Ada Lovelace")
    teacher = make_user("instructor", email="teacher@example.com")
    complete_course(ada.id)
    survey = surveys.survey_for(course=course())
    response = surveys.submit("s", survey, ada, csat=4, nps=9, comment="Add a lesson on retries", answers={})
    db.session.commit()
    copy = db.session.scalar(select(FeedbackItem).where(FeedbackItem.survey_response_id == response.id))
    assert (copy.reporter_id, copy.anonymous, copy.public, copy.source) == (None, True, False, "survey")
    assert copy.created_at == response.submitted_at and copy.created_at.hour == 0  # the stored day, not now
    assert _count(FeedbackFollow, FeedbackFollow.item_id == copy.id) == 0
    assert surveys.results(survey).count == 1  # the survey's results are unchanged

    login(client, teacher.email)
    page = client.get(f"/feedback/items/{copy.id}").text
    assert "Add a lesson on retries" in page and "Anonymous survey comment" in page and "Ada Lovelace" not in page
    client.post(
        f"/feedback/items/{copy.id}/triage",
        data={"status": "planned", "priority": "P3", "owner": "", "outcome": ""},
    )
    client.post(f"/feedback/items/{copy.id}", data={"body": "Good idea, planned."})
    db.session.expire_all()
    assert db.session.get(FeedbackItem, copy.id).status == "planned"
    feedback_kinds = (str(NotificationKind.FEEDBACK_STATUS), str(NotificationKind.FEEDBACK_REPLY))
    assert _count(Notification, Notification.kind.in_(feedback_kinds)) == 0  # nobody to tell
    client.post("/logout")
    login(client, ada.email)
    assert client.get(f"/feedback/items/{copy.id}").status_code == 404  # not even the respondent is linked

    # A named workshop comment: a linked copy its reporter follows, triaged by the workshop's instructor.
    session = make_workshop(starts_in=-timedelta(hours=3), instructor="host@example.com")
    session.workshop.survey = {"anonymous": False, "questions": []}
    host, other = make_user("instructor", email="host@example.com"), make_user("instructor")
    registration.register(ada, session, now=session.starts_at - timedelta(days=1))
    registration.mark_attendance(session, {r.id for r, _u in registration.attendees(session)})
    said = surveys.submit(
        "s", surveys.survey_for(workshop=session.workshop), ada, csat=5, nps=9, comment="More", answers={}
    )
    db.session.commit()
    named = db.session.scalar(select(FeedbackItem).where(FeedbackItem.survey_response_id == said.id))
    assert (named.reporter_id, named.workshop_id, named.anonymous) == (ada.id, session.workshop.id, False)
    assert db.session.get(FeedbackFollow, (named.id, ada.id)) is not None
    assert hub.may_triage(host, named) and not hub.may_triage(other, named) and not hub.may_triage(teacher, named)
    assert host.id in {u.id for u in hub.owner_choices(named)}


def test_report_button_files_into_the_hub_and_old_report_urls_redirect(app, client, tmp_path):
    courses_with_survey(tmp_path)
    ada, other = make_user(email="ada@example.com"), make_user()
    login(client, ada.email)
    client.post("/courses/python-basics/enroll")
    page = client.get("/courses/python-basics/01-hello").text
    assert 'action="/feedback/report/python-basics/01-hello"' in page
    assert (
        client.post("/feedback/report/python-basics/01-hello", data={"kind": "bug", "body": "Typo"}).status_code == 302
    )
    assert _count(FeedbackItem) == 0
    sent = client.post(
        "/feedback/report/python-basics/01-hello", data={"kind": "problem", "body": "The second example fails."}
    )
    report = db.session.scalar(select(FeedbackItem))
    assert sent.headers["Location"].endswith(f"/feedback/items/{report.id}")
    assert (report.category, report.item_id, report.public, report.source) == (
        "content_error",
        item("01-hello").id,
        False,
        "report",
    )
    assert "The second example fails." in client.get(f"/feedback/items/{report.id}").text
    report.content_report_id = 41  # as migration 0404 links a moved report
    db.session.commit()
    moved = client.get("/feedback/reports/41")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/feedback/items/{report.id}")
    assert client.get("/feedback/reports/42").status_code == 404
    client.post("/logout")
    login(client, other.email)
    assert client.get("/feedback/reports/41", follow_redirects=True).status_code == 404  # still the item's rule


def test_demo_feedback_loads_once(app, client):
    from lms.demo.feedback_hub import load_feedback
    from lms.demo.services import ensure_demo_accounts

    ensure_demo_accounts()
    message = load_feedback()
    db.session.commit()
    assert message.startswith("Demo feedback: 7 items")
    statuses = set(db.session.scalars(select(FeedbackItem.status)))
    assert {"new", "triaged", "planned", "in_progress", "done", "declined", "duplicate"} == statuses
    assert _count(FeedbackVote) > 0
    rows = _count(FeedbackItem), _count(FeedbackVote), _count(FeedbackChange)
    assert (
        "nothing to do" in load_feedback()
        and (_count(FeedbackItem), _count(FeedbackVote), _count(FeedbackChange)) == rows
    )
    db.session.commit()
    page = client.get("/feedback/we-did").text
    assert "Raised the upload limit to 16 MB" in page and "Lee Learner" not in page
