"""Flags and moderation: one active flag per person and post, never on your own, a flood refused;
flags reaching the course's threshold hide the post (an opening post its thread); each moderator
action needs a reason, resolves the flags and is logged and signalled; a suspended member reads but
neither posts nor flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.community import services
from lms.community.models import CommunityMember, ModerationLog, Post, PostFlag
from lms.community.services import moderation
from lms.extensions import db
from lms.learning.services import enroll
from lms.signals import post_moderated
from tests.factories import make_user
from tests.racing import race_twice

from .conftest import accept_conduct


@pytest.fixture
def moderated():
    """The ModerationLog rows sent as post_moderated during the test."""
    sent: list[ModerationLog] = []

    def receive(row: ModerationLog) -> None:
        sent.append(row)

    post_moderated.connect(receive)
    yield sent
    post_moderated.disconnect(receive)


@pytest.fixture
def thread(asker, basics):
    return services.ask(asker, basics, title="Why is my loop slow?", body="It is slow.")


@pytest.fixture
def flaggers(basics):
    people = []
    for n in range(3):
        user = make_user(name=f"Flagger {n}")
        enroll(user.id, basics)
        people.append(accept_conduct(user))
    return people


def _flags() -> int:
    return db.session.scalar(select(func.count()).select_from(PostFlag))


def test_a_flag_is_one_per_person_never_on_your_own_post_and_only_by_readers(
    thread, asker, answerer, teacher, other_course
):
    opening = thread_post(thread)
    reply = services.reply(answerer, thread, "Use a list comprehension.")
    flag = moderation.flag(asker, reply, "off_topic", "  not about loops ", per_hour=10)
    assert (flag.reason, flag.note, reply.active_flag_count, reply.hidden_at) == (
        "off_topic",
        "not about loops",
        1,
        None,
    )
    with pytest.raises(services.CommunityError, match="already flagged"):
        moderation.flag(asker, reply, "spam", per_hour=10)
    with pytest.raises(services.CommunityError, match="your own post"):
        moderation.flag(asker, opening, "spam", per_hour=10)
    with pytest.raises(services.CommunityError, match="moderate the post directly"):
        moderation.flag(teacher, opening, "spam", per_hour=10)
    outsider = make_user()
    enroll(outsider.id, other_course)
    with pytest.raises(services.CommunityError, match="members can flag"):
        moderation.flag(outsider, opening, "spam", per_hour=10)
    with pytest.raises(services.CommunityError, match="Choose a reason"):
        moderation.flag(answerer, opening, "boring", per_hour=10)
    with pytest.raises(services.CommunityError, match="at most 500"):
        moderation.flag(answerer, opening, "other", "x" * 501, per_hour=10)
    assert _flags() == 1 and reply.active_flag_count == 1  # nothing half-written


def test_two_racing_flags_by_one_person_count_once(app, thread, answerer):
    """Both requests pass the "already flagged?" check before either writes (a barrier in the flush
    holds them there), so the partial unique index decides inside the SAVEPOINT: one flag, the
    counter at 1, a clear refusal for the other."""
    db.session.commit()
    post_id = thread_post(thread).id
    answerer_id = answerer.id

    def flag() -> None:
        moderation.flag(db.session.get(User, answerer_id), db.session.get(Post, post_id), "spam", per_hour=10)

    outcomes = race_twice(app, PostFlag, flag, "flagged", services.CommunityError)
    assert outcomes == ["You already flagged this post; the moderators will review it.", "flagged"]
    db.session.expire_all()
    assert _flags() == 1 and db.session.scalar(select(Post.active_flag_count).where(Post.id == post_id)) == 1


def test_a_flag_flood_by_one_account_is_refused(asker, basics, answerer):
    posts = [thread_post(services.ask(answerer, basics, title=f"Question {n}", body="Body")) for n in range(4)]
    for post in posts[:3]:
        moderation.flag(asker, post, "spam", per_hour=3)
    with pytest.raises(services.CommunityError, match="3 posts in the last hour"):
        moderation.flag(asker, posts[3], "spam", per_hour=3)
    assert _flags() == 3 and posts[3].active_flag_count == 0
    for row in db.session.scalars(select(PostFlag)):
        row.created_at -= timedelta(hours=1, seconds=1)  # an hour later, the window holds none
    moderation.flag(asker, posts[3], "spam", per_hour=3)
    assert _flags() == 4


def test_flags_reaching_the_threshold_hide_the_post_and_an_opening_post_its_thread(
    thread, basics, flaggers, answerer, moderated
):
    basics.community_flag_threshold = 2
    reply = services.reply(answerer, thread, "Buy cheap watches at example.com")
    answer = services.reply(flaggers[2], thread, "Profile it first")
    moderation.flag(flaggers[0], reply, "spam", per_hour=10)
    assert reply.hidden_at is None
    moderation.flag(flaggers[1], reply, "spam", per_hour=10)
    assert reply.hidden_at is not None and thread.hidden_at is None  # a reply: the thread stays
    [log] = moderated
    assert (log.action, log.actor_id, log.post_id, log.target_user_id) == ("hide", None, reply.id, answerer.id)
    with pytest.raises(services.CommunityError, match="already hidden"):
        moderation.flag(flaggers[2], reply, "spam", per_hour=10)

    opening = thread_post(thread)
    moderation.flag(flaggers[0], opening, "abuse", per_hour=10)
    moderation.flag(flaggers[1], opening, "abuse", per_hour=10)
    assert opening.hidden_at is not None and thread.hidden_at is not None
    assert [e.post.id for e in moderation.review_queue([basics.id])] == [reply.id, opening.id]  # oldest first
    with pytest.raises(services.CommunityError, match="already hidden"):  # a reply of the hidden thread
        moderation.flag(flaggers[1], answer, "spam", per_hour=10)


def test_each_action_needs_a_reason_resolves_the_flags_and_is_logged(thread, basics, teacher, flaggers, moderated):
    basics.community_flag_threshold = 2
    opening = thread_post(thread)
    for person in flaggers[:2]:
        moderation.flag(person, opening, "abuse", per_hour=10)
    assert thread.hidden_at is not None
    moderated.clear()
    with pytest.raises(services.CommunityError, match="Give a reason"):
        moderation.moderate_post(teacher, opening, "dismiss_flags", "   ")
    log = moderation.moderate_post(teacher, opening, "dismiss_flags", "Heated, but within the rules")
    assert opening.hidden_at is None and thread.hidden_at is None and opening.active_flag_count == 0
    assert all(f.resolved_by_id == teacher.id for f in db.session.scalars(select(PostFlag)))
    assert (log.actor_id, log.reason, moderated) == (teacher.id, "Heated, but within the rules", [log])
    assert moderation.review_queue([basics.id]) == []
    with pytest.raises(services.CommunityError, match="no flags"):
        moderation.moderate_post(teacher, opening, "dismiss_flags", "again")

    moderation.moderate_post(teacher, opening, "hide", "Off-topic rant")
    assert opening.hidden_at is not None and thread.hidden_at is not None
    assert [e.post.id for e in moderation.review_queue([basics.id])] == [opening.id]  # hidden: unhide from the queue
    moderation.moderate_post(teacher, opening, "unhide", "Edited by the author")
    moderation.moderate_thread(teacher, thread, "lock", "Answered; closing")
    with pytest.raises(services.CommunityError, match="locked"):
        services.reply(flaggers[0], thread, "one more")
    moderation.moderate_thread(teacher, thread, "unlock", "Reopened")
    moderation.moderate_post(teacher, opening, "delete", "Personal data")
    assert opening.deleted_at is not None and thread.deleted_at is not None and opening.deleted_by_id == teacher.id
    actions = [r.action for r in db.session.scalars(select(ModerationLog).order_by(ModerationLog.id))]
    assert actions == ["hide", "dismiss_flags", "hide", "unhide", "lock", "unlock", "delete"]
    assert [r.action for r in moderated] == actions[1:]


def test_only_the_course_staff_moderate(thread, answerer, other_course):
    stranger = accept_conduct(make_user("instructor"))
    for act in (
        lambda: moderation.moderate_post(answerer, thread_post(thread), "hide", "no"),
        lambda: moderation.moderate_thread(stranger, thread, "lock", "no"),
        lambda: moderation.moderate_member(stranger, thread.course, answerer, "suspend", "no"),
    ):
        with pytest.raises(services.CommunityError, match="instructors and admins"):
            act()
    assert db.session.scalar(select(func.count()).select_from(ModerationLog)) == 0


def test_a_suspended_member_reads_but_neither_posts_nor_flags_until_lifted(
    thread, basics, other_course, teacher, answerer, moderated
):
    enroll(answerer.id, other_course)
    admin = make_user("admin")
    enroll(admin.id, basics)
    for target, message in ((teacher, "yourself"), (admin, "Staff are not suspended"), (make_user(), "not a member")):
        with pytest.raises(services.CommunityError, match=message):
            moderation.moderate_member(teacher, basics, target, "suspend", "no")
    moderation.moderate_member(teacher, basics, answerer, "suspend", "Insults in three threads")
    standing = db.session.get(CommunityMember, answerer.id)
    assert (standing.suspended_by_id, standing.suspension_reason) == (teacher.id, "Insults in three threads")
    with pytest.raises(services.CommunityError, match="suspended"):
        services.reply(answerer, thread, "Let me explain")
    with pytest.raises(services.CommunityError, match="suspended"):  # in every course
        services.ask(answerer, other_course, title="Elsewhere", body="Hello")
    with pytest.raises(services.CommunityError, match="suspended"):
        moderation.flag(answerer, thread_post(thread), "spam", per_hour=10)
    assert services.can_read(answerer, basics)
    assert [u.id for u, _ in moderation.suspended_members([basics.id])] == [answerer.id]
    moderation.moderate_member(admin, basics, answerer, "unsuspend", "Apologised")
    services.reply(answerer, thread, "Sorry, everyone")
    assert [(r.action, r.target_user_id) for r in moderated] == [("suspend", answerer.id), ("unsuspend", answerer.id)]


def thread_post(thread):
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.position == 1))
