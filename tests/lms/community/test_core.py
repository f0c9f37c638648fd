"""The community core: asking and replying keep the thread's counters and answer times, and only the
course's members post (not visitors, other courses' learners, leavers or the suspended)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.catalog import services as catalog
from lms.community import services
from lms.community.models import BODY_LIMIT, CommunityMember, Post, Thread, ThreadFollow, ThreadKind
from lms.db import utcnow
from lms.extensions import db
from lms.learning.services import enroll, get_enrollment
from tests.factories import make_user

from .conftest import accept_conduct


def test_a_question_on_a_lesson_remembers_its_permanent_ids_and_content_hash(asker, basics, lesson):
    thread = services.ask(asker, basics, title="  Why   does\tthis fail? ", body="It **fails**.", item=lesson)
    assert (thread.module_slug, thread.item_slug, thread.item_id) == (lesson.module.slug, lesson.slug, lesson.id)
    assert thread.item_sha256 == lesson.content_sha256 is not None
    assert not catalog.item_changed_since(lesson, thread.item_sha256)
    assert thread.title == "Why does this fail?"
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert (opening.position, opening.body_html.strip()) == (1, "<p>It <strong>fails</strong>.</p>")
    assert db.session.get(ThreadFollow, (thread.id, asker.id)) is not None  # the asker follows it


def test_replies_take_the_next_positions_and_set_the_answer_times_once(asker, answerer, teacher, basics):
    thread = services.ask(asker, basics, title="Question", body="Body")
    own = services.reply(asker, thread, "Some more detail")
    assert thread.first_reply_at is None  # the asker's own follow-up is not an answer
    first = services.reply(answerer, thread, "Try this")
    assert thread.first_reply_at == first.created_at and thread.first_staff_answer_at is None
    staff = services.reply(teacher, thread, "The staff answer")
    again = services.reply(answerer, thread, "And again")
    assert [p.position for p in (own, first, staff, again)] == [2, 3, 4, 5]
    assert staff.by_staff and not first.by_staff
    assert thread.reply_count == 4 and thread.first_reply_at == first.created_at
    assert thread.first_staff_answer_at == staff.created_at
    assert thread.last_activity_at == again.created_at


def test_who_may_post(app, asker, teacher, basics, other_course):
    from flask_login import AnonymousUserMixin

    with pytest.raises(services.CommunityError, match="Sign in"):
        services.check_can_post(AnonymousUserMixin(), basics)
    outsider = make_user()
    enroll(outsider.id, other_course)
    with pytest.raises(services.ConductRequired):
        services.check_can_post(outsider, other_course)  # enrolled, but never accepted the code of conduct
    accept_conduct(outsider)
    services.check_can_post(outsider, other_course)
    with pytest.raises(services.CommunityError, match="Enroll"):
        services.ask(outsider, basics, title="Hi", body="Hello")
    services.check_can_post(teacher, basics)  # staff post without enrolling
    with pytest.raises(services.CommunityError, match="Enroll"):
        services.check_can_post(teacher, other_course)  # but only in the courses they teach

    thread = services.ask(asker, basics, title="Before leaving", body="Hello")
    get_enrollment(asker.id, basics.id).left_at = utcnow()
    with pytest.raises(services.CommunityError, match="left this course"):
        services.reply(asker, thread, "after leaving")
    assert services.can_read(asker, basics)  # a leaver still reads
    assert not services.can_read(outsider, basics)

    standing = db.session.get(CommunityMember, teacher.id)
    standing.suspended_at, standing.suspension_reason = utcnow(), "test"
    with pytest.raises(services.CommunityError, match="suspended"):
        services.check_can_post(teacher, basics)
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1  # nothing half-written


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "body", "title"),
        ("t" * 201, "body", "at most 200"),
        ("Fine", "   ", "Write something"),
        ("Fine", "x" * (BODY_LIMIT + 1), "at most 20,000"),
    ],
)
def test_bad_titles_and_bodies_are_refused_and_nothing_is_stored(asker, basics, title, body, message):
    with pytest.raises(services.CommunityError, match=message):
        services.ask(asker, basics, title=title, body=body)
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0


def test_a_lesson_of_another_course_and_bad_tags_are_refused(asker, basics, other_course):
    foreign = next(i for m in other_course.modules for i in m.items)
    with pytest.raises(services.CommunityError, match="not part of this course"):
        services.ask(asker, basics, title="Hi", body="Hello", item=foreign)
    with pytest.raises(services.CommunityError, match="single words"):
        services.ask(asker, basics, title="Hi", body="Hello", tags=["two words"])
    thread = services.ask(
        asker, basics, title="Hi", body="Hello", tags=["#Pandas", "pandas", "io"], kind=ThreadKind.DISCUSSION
    )
    assert [t.tag for t in thread.tags] == ["io", "pandas"]


def test_a_locked_or_hidden_thread_takes_no_reply(asker, answerer, basics):
    thread = services.ask(asker, basics, title="Hi", body="Hello")
    thread.locked_at = utcnow()
    with pytest.raises(services.CommunityError, match="locked"):
        services.reply(answerer, thread, "late")
    assert thread.reply_count == 0
