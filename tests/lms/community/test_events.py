"""The community's entries in the learning-event log (asked, answered, accepted), and that no reader
of the log lets them touch progress: completion, "last activity", reports' read model and weekly
activity, certificates, mastery, dashboard freshness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.certification.models import Certificate
from lms.community import services
from lms.community.models import ThreadKind
from lms.db import clock_at, utcnow
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import PROGRESS_KINDS, LearningEvent, LearningEventKind
from lms.recommend.models import DashboardEpoch, DashboardVersion, SkillMastery
from lms.reports.models import ReportActivity, ReportProgress
from lms.reports.progress import rebuild_activity, rebuild_progress
from lms.signals import answer_accepted
from tests.factories import make_user

from .conftest import accept_conduct

COMMUNITY_KINDS = {LearningEventKind.THREAD_ASKED, LearningEventKind.ANSWER_POSTED, LearningEventKind.ANSWER_ACCEPTED}
EARLIER = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, weeks before the community events


def _community_events() -> list[tuple[int, str, int | None, dict]]:
    rows = db.session.execute(
        select(LearningEvent.user_id, LearningEvent.kind, LearningEvent.item_id, LearningEvent.data)
        .where(LearningEvent.kind.in_(sorted(COMMUNITY_KINDS)))
        .order_by(LearningEvent.id)
    )
    return [tuple(row) for row in rows]


def _accept(thread, post, by) -> None:
    """What accepting does (answers.py, another slice): the thread's columns, then the signal."""
    thread.accepted_post_id, thread.accepted_by_id, thread.accepted_at = post.id, by.id, utcnow()
    db.session.flush()
    answer_accepted.send(thread, accepted_by=by)


def test_community_kinds_are_not_progress_kinds():
    assert not COMMUNITY_KINDS & PROGRESS_KINDS


def test_asking_answering_and_an_accepted_answer_are_logged_for_who_did_them(asker, answerer, teacher, basics, lesson):
    thread = services.ask(asker, basics, title="Why?", body="It fails.", item=lesson)
    opening = db.session.scalar(select(LearningEvent.data).where(LearningEvent.kind == LearningEventKind.THREAD_ASKED))
    follow_up = services.reply(asker, thread, "More detail")  # the asker's own: not an answer
    answer = services.reply(answerer, thread, "Try this")
    staff = services.reply(teacher, thread, "Staff answer")
    _accept(thread, answer, asker)
    _accept(thread, staff, asker)  # another answer accepted instead
    _accept(thread, answer, teacher)  # and the first again (staff for the asker): logged once
    assert follow_up.position == 2
    assert _community_events() == [
        (
            asker.id,
            "thread_asked",
            lesson.id,
            {"thread": thread.id, "post": opening["post"], "thread_kind": "question"},
        ),
        (answerer.id, "answer_posted", lesson.id, {"thread": thread.id, "post": answer.id}),
        (teacher.id, "answer_posted", lesson.id, {"thread": thread.id, "post": staff.id}),
        (answerer.id, "answer_accepted", lesson.id, {"thread": thread.id, "post": answer.id, "accepted_by": asker.id}),
        (teacher.id, "answer_accepted", lesson.id, {"thread": thread.id, "post": staff.id, "accepted_by": asker.id}),
    ]
    assert opening["post"] is not None
    course_events = db.session.scalars(select(LearningEvent.course_id).where(LearningEvent.kind.in_(COMMUNITY_KINDS)))
    assert set(course_events) == {basics.id}


def test_a_discussion_is_logged_when_started_but_its_replies_are_not_answers(asker, answerer, basics):
    thread = services.ask(asker, basics, title="Show your projects", body="Mine first", kind=ThreadKind.DISCUSSION)
    services.reply(answerer, thread, "Here is mine")
    assert _community_events() == [
        (
            asker.id,
            "thread_asked",
            None,
            {"thread": thread.id, "post": _community_events()[0][3]["post"], "thread_kind": "discussion"},
        )
    ]


def test_a_rolled_back_question_leaves_no_event(asker, basics):
    db.session.commit()
    with db.session.begin_nested():
        services.ask(asker, basics, title="Never mind", body="Gone")
        db.session.rollback()
    assert _community_events() == []


def _learner_with_earlier_progress(basics, lesson):
    """A learner who enrolled and read a lesson weeks ago."""
    learner = accept_conduct(make_user(name="Earl Early"))
    with clock_at(EARLIER):
        learning.enroll(learner.id, basics)
        learning.complete_lesson(learner.id, lesson)
    return learner


def _community_activity(learner, answerer, teacher, basics, lesson) -> None:
    """Now: the learner asks, is answered by a learner and staff, accepts; answers someone else."""
    thread = services.ask(learner, basics, title="Why?", body="It fails.", item=lesson)
    answer = services.reply(answerer, thread, "Try this")
    services.reply(teacher, thread, "Staff answer")
    _accept(thread, answer, learner)
    other = services.ask(answerer, basics, title="And this?", body="Hmm")
    services.reply(learner, other, "Like so")
    db.session.flush()


def test_community_events_leave_the_learners_last_activity_and_dashboard_order(
    basics, other_course, lesson, answerer, teacher
):
    learner = _learner_with_earlier_progress(basics, lesson)
    with clock_at(EARLIER + timedelta(days=1)):
        learning.enroll(learner.id, other_course)  # a day later: the dashboard lists it first
    before = learning.progress_for(learner.id, [basics.id])[basics.id]
    assert before.last_activity == EARLIER and before.done == 1
    order = [row.slug for row in learning.dashboard(learner.id)]
    assert order == ["python-next", "python-basics"]

    _community_activity(learner, answerer, teacher, basics, lesson)

    assert learning.progress_for(learner.id, [basics.id])[basics.id] == before
    assert [row.slug for row in learning.dashboard(learner.id)] == order


def test_community_events_change_nothing_in_the_rebuilt_reports(basics, lesson, answerer, teacher):
    learner = _learner_with_earlier_progress(basics, lesson)
    rebuild_progress(), rebuild_activity()

    def figures():
        progress = db.session.scalars(select(ReportProgress).order_by(ReportProgress.user_id, ReportProgress.course_id))
        columns = ("user_id", "course_id", "done", "last_activity_at", "started", "exam_best", "assignments_graded")
        activity = db.session.execute(select(ReportActivity.user_id, ReportActivity.week_start)).all()
        return [tuple(getattr(row, c) for c in columns) for row in progress], sorted(activity)

    before = figures()
    assert (learner.id, basics.id, 1, EARLIER, True, None, 0) in before[0]
    _community_activity(learner, answerer, teacher, basics, lesson)
    rebuild_progress(), rebuild_activity()
    assert figures() == before  # no row for the instructor, no new week, no later "last activity"


def test_community_events_touch_no_certificate_mastery_or_dashboard_freshness(basics, lesson, answerer, teacher):
    learner = _learner_with_earlier_progress(basics, lesson)
    db.session.flush()

    def state():
        versions = db.session.execute(select(DashboardVersion.user_id, DashboardVersion.version)).all()
        versions += db.session.execute(select(DashboardEpoch.id, DashboardEpoch.version)).all()
        mastery = db.session.execute(select(SkillMastery.user_id, SkillMastery.skill, SkillMastery.p_known)).all()
        certificates = db.session.scalars(select(Certificate.id)).all()
        return sorted(versions), sorted(mastery), certificates, db.session.get(ReportProgress, (learner.id, basics.id))

    versions, mastery, certificates, progress = state()
    progress_before = (progress.done, progress.last_activity_at, progress.started)
    _community_activity(learner, answerer, teacher, basics, lesson)
    after = state()
    assert after[:3] == (versions, mastery, certificates)
    assert (after[3].done, after[3].last_activity_at, after[3].started) == progress_before
