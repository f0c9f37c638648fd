"""Posting services: the course's thread list (filters, pinned first, paging), the limits against spam
(a new account's hourly rate and links, counted in the database), @mentions, editing with history,
the author's delete, follows and duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.community import services as core
from lms.community.models import ModerationLog, Post, PostRevision, Thread, ThreadFollow, ThreadKind
from lms.community.services import posting
from lms.db import utcnow
from lms.extensions import db
from lms.learning.services import enroll, get_enrollment
from lms.signals import members_mentioned, post_moderated
from tests.factories import make_user

from .conftest import accept_conduct


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _titles(listing) -> list[str]:
    return [row.thread.title for row in listing.rows]


@pytest.fixture
def mentioned():
    """The users each members_mentioned signal named, in order."""
    seen: list[list[str]] = []

    def receiver(post, users):
        seen.append(sorted(u.display_name for u in users))

    members_mentioned.connect(receiver)
    yield seen
    members_mentioned.disconnect(receiver)


def test_the_list_filters_and_puts_pinned_threads_first(asker, answerer, teacher, basics, lesson):
    about_lesson = posting.ask(asker, basics, title="On the lesson", body="b", item=lesson, tags=["loops"])
    discussion = posting.ask(answerer, basics, title="A discussion", body="b", kind=ThreadKind.DISCUSSION)
    answered = posting.ask(asker, basics, title="Answered", body="b", module_slug=lesson.module.slug)
    posting.reply(answerer, answered, "the answer")
    own_follow_up = posting.ask(answerer, basics, title="Only the asker replied", body="b")
    posting.reply(answerer, own_follow_up, "more detail")
    pinned = posting.ask(teacher, basics, title="Read me first", body="b")
    pinned.pinned_at = utcnow() - timedelta(days=30)
    db.session.flush()

    everything = posting.list_threads(asker, basics)
    assert _titles(everything)[0] == "Read me first"  # pinned, though its activity is the oldest
    assert set(_titles(everything)) == {
        "Read me first",
        "Only the asker replied",
        "Answered",
        "A discussion",
        "On the lesson",
    }
    row = next(r for r in everything.rows if r.thread.id == about_lesson.id)
    assert (row.item_title, row.author_name, row.answered, row.accepted) == (lesson.title, "Ada Asker", False, False)

    unanswered = _titles(posting.list_threads(asker, basics, thread_filter="unanswered"))
    assert set(unanswered) == {"On the lesson", "Only the asker replied", "Read me first"}  # not the discussion
    assert set(_titles(posting.list_threads(answerer, basics, thread_filter="mine"))) == {
        "A discussion",
        "Answered",  # replied to
        "Only the asker replied",
    }
    assert set(_titles(posting.list_threads(asker, basics, thread_filter="followed"))) == {"On the lesson", "Answered"}
    assert _titles(posting.list_threads(asker, basics, item_slug=lesson.slug)) == ["On the lesson"]
    assert set(_titles(posting.list_threads(asker, basics, module_slug=lesson.module.slug))) == {
        "On the lesson",
        "Answered",
    }
    assert _titles(posting.list_threads(asker, basics, tag="Loops")) == ["On the lesson"]
    discussion.hidden_at = utcnow()
    db.session.flush()
    assert "A discussion" not in _titles(posting.list_threads(asker, basics))  # hidden: staff only
    assert "A discussion" in _titles(posting.list_threads(teacher, basics))


def test_the_list_pages_by_twenty_with_pinned_threads_counted_once(app, asker, basics):
    now = utcnow()
    threads = [
        Thread(course_id=basics.id, title=f"T{n:02}", author_id=asker.id, last_activity_at=now - timedelta(minutes=n))
        for n in range(45)
    ]
    threads[30].pinned_at = now
    db.session.add_all(threads)
    db.session.flush()
    pages = [posting.list_threads(asker, basics, page=n) for n in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [20, 20, 5]
    assert [p.has_next for p in pages] == [True, True, False]
    order = [t for p in pages for t in _titles(p)]
    assert order[0] == "T30" and order.count("T30") == 1
    assert order[1:] == [f"T{n:02}" for n in range(45) if n != 30]


def test_new_accounts_post_at_most_five_times_an_hour_counted_in_the_database(app, asker, basics):
    thread = posting.ask(asker, basics, title="First", body="one")
    for n in range(4):
        posting.reply(asker, thread, f"reply {n}")
    with pytest.raises(core.CommunityError, match="at most 5 an hour"):
        posting.reply(asker, thread, "one too many")
    with pytest.raises(core.CommunityError, match="at most 5 an hour"):
        posting.ask(asker, basics, title="Another", body="too soon")
    assert _count(Post) == 5 and _count(Thread) == 1  # nothing of the refused posts stored
    db.session.execute(db.update(Post).values(created_at=utcnow() - timedelta(minutes=61)))
    posting.reply(asker, thread, "an hour later")  # the hour has passed


def test_older_accounts_and_staff_have_no_hourly_limit(app, asker, teacher, basics):
    asker.created_at = utcnow() - timedelta(days=8)
    db.session.flush()
    thread = posting.ask(asker, basics, title="First", body="one")
    for n in range(6):
        posting.reply(asker, thread, f"reply {n}")
        posting.reply(teacher, thread, f"staff {n}")


def test_links_are_counted_against_the_limits(app, asker, teacher, basics):
    thread = posting.ask(asker, basics, title="Links", body="[docs](https://docs.python.org) and www.python.org")
    with pytest.raises(core.CommunityError, match="New accounts may put at most 2 links"):
        posting.reply(asker, thread, "https://a.example https://b.example [c](http://c.example)")
    asker.created_at = utcnow() - timedelta(days=30)
    db.session.flush()
    posting.reply(asker, thread, " ".join(f"https://{n}.example" for n in range(5)))
    with pytest.raises(core.CommunityError, match="at most 5 links"):
        posting.reply(asker, thread, " ".join(f"https://{n}.example" for n in range(6)))
    posting.reply(teacher, thread, " ".join(f"https://{n}.example" for n in range(9)))  # staff are trusted
    assert _count(Post) == 3


def test_links_are_marked_nofollow_and_scripts_are_gone(asker, basics):
    thread = posting.ask(
        asker,
        basics,
        title="<script>alert(1)</script>",
        body='[x](https://example.org) <img src=x onerror="alert(1)"> <a href="javascript:alert(1)">y</a>',
    )
    html = db.session.scalar(select(Post.body_html).where(Post.thread_id == thread.id))
    assert 'href="https://example.org" rel="nofollow ugc noopener"' in html
    assert "onerror" not in html and "javascript:" not in html
    assert thread.title == "<script>alert(1)</script>"  # stored as written, escaped where shown


def test_mentions_of_course_members_are_marked_and_told_once(
    app, asker, answerer, teacher, basics, other_course, mentioned
):
    stranger = accept_conduct(make_user(name="Sam Stranger"))
    enroll(stranger.id, other_course)
    thread = posting.ask(
        asker,
        basics,
        title="Mentions",
        body="Thanks @benanswerer and @TessTeacher, not @SamStranger.\n\n"
        "`@BenAnswerer` in code\n\n```\n@BenAnswerer\n```",
    )
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert '<span class="mention">@benanswerer</span>' in opening.body_html
    assert '<span class="mention">@TessTeacher</span>,' in opening.body_html
    assert "@SamStranger" in opening.body_html and 'mention">@SamStranger' not in opening.body_html
    assert opening.body_html.count('class="mention"') == 2  # not inside code
    assert mentioned == [["Ben Answerer", "Tess Teacher"]]

    posting.edit(asker, opening, opening.body + "\n\nAnd @AdaAsker (me) and @BenAnswerer again.")
    assert mentioned == [["Ben Answerer", "Tess Teacher"]]  # no one new (the author is not told)
    reply = posting.reply(answerer, thread, "cc @AdaAsker")
    assert mentioned[-1] == ["Ada Asker"] and 'mention">@AdaAsker' in reply.body_html
    get_enrollment(asker.id, basics.id).left_at = utcnow()
    posting.reply(answerer, thread, "again @AdaAsker")  # a leaver is no longer a member to mention
    assert len(mentioned) == 2


def test_edits_keep_the_previous_version_and_title(asker, answerer, basics):
    thread = posting.ask(asker, basics, title="Old title", body="old body")
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    posting.edit(asker, opening, "new body", "New title")
    assert (thread.title, opening.body, opening.edited_at is not None) == ("New title", "new body", True)
    assert "new body" in opening.body_html
    reply = posting.reply(answerer, thread, "first reply")
    posting.edit(answerer, reply, "second reply")
    posting.edit(answerer, reply, "second reply")  # unchanged: no revision
    assert [(r.body, r.title) for r in posting.revisions(opening)] == [("old body", "Old title")]
    assert [(r.body, r.title) for r in posting.revisions(reply)] == [("first reply", None)]
    with pytest.raises(core.CommunityError, match="Only the author"):
        posting.edit(asker, reply, "not mine")
    with pytest.raises(core.CommunityError, match="title"):
        posting.edit(asker, opening, "body", "   ")
    thread.locked_at = utcnow()
    with pytest.raises(core.CommunityError, match="locked"):
        posting.edit(answerer, reply, "after the lock")
    assert reply.body == "second reply" and _count(PostRevision) == 2


def test_the_author_deletes_a_post_or_the_whole_thread(asker, answerer, basics):
    thread = posting.ask(asker, basics, title="To delete", body="body")
    reply = posting.reply(answerer, thread, "reply")
    with pytest.raises(core.CommunityError, match="Only the author"):
        posting.delete_own(asker, reply)
    posting.delete_own(answerer, reply)
    assert reply.deleted_at is not None and reply.deleted_by_id == answerer.id and thread.deleted_at is None
    with pytest.raises(core.CommunityError, match="already deleted"):
        posting.delete_own(answerer, reply)
    with pytest.raises(core.CommunityError, match="deleted post"):
        posting.edit(answerer, reply, "edit a tombstone")
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.position == 1))
    posting.delete_own(asker, opening)
    assert thread.deleted_at is not None
    assert _titles(posting.list_threads(answerer, basics)) == []
    with pytest.raises(core.CommunityError, match="no longer open"):
        posting.reply(answerer, thread, "too late")
    assert _count(Post) == 2  # tombstones keep their rows


def test_follow_and_unfollow(asker, answerer, basics):
    thread = posting.ask(asker, basics, title="Follow me", body="b")
    posting.follow(answerer, thread)
    posting.follow(answerer, thread)
    assert posting.is_following(answerer, thread)
    posting.unfollow(answerer, thread)
    assert not posting.is_following(answerer, thread) and _count(ThreadFollow) == 1  # the asker's


def test_duplicates_point_to_a_thread_of_the_same_course(asker, answerer, teacher, basics, other_course):
    moderated = []
    post_moderated.connect(receiver := lambda entry: moderated.append(entry.action))
    try:
        first = posting.ask(asker, basics, title="The first", body="b")
        second = posting.ask(asker, basics, title="The second", body="b")
        third = posting.ask(answerer, basics, title="The third", body="b")
        outsider = make_user(role="admin")
        accept_conduct(outsider)
        elsewhere = posting.ask(outsider, other_course, title="Elsewhere", body="b")

        with pytest.raises(core.CommunityError, match="another thread of this course"):
            posting.mark_duplicate(asker, second, str(elsewhere.id))
        with pytest.raises(core.CommunityError, match="itself"):
            posting.mark_duplicate(asker, second, f"/courses/python-basics/community/{second.id}")
        with pytest.raises(core.CommunityError, match="Only the asker"):
            posting.mark_duplicate(answerer, second, str(first.id))
        assert posting.mark_duplicate(asker, second, f"http://x/courses/python-basics/community/{first.id}") == first
        assert second.duplicate_of_id == first.id and moderated == []  # the asker's own: not moderation
        assert posting.mark_duplicate(teacher, third, str(second.id)) == first  # the first of the chain
        with pytest.raises(core.CommunityError, match="itself"):
            posting.mark_duplicate(teacher, first, str(third.id))  # would make a loop
        log = db.session.scalars(select(ModerationLog)).one()
        assert (log.action, log.actor_id, log.thread_id, log.target_user_id) == (
            "mark_duplicate",
            teacher.id,
            third.id,
            answerer.id,
        )
        assert moderated == ["mark_duplicate"]
    finally:
        post_moderated.disconnect(receiver)


def test_a_thread_of_another_course_or_hidden_is_not_readable(asker, answerer, teacher, basics, other_course):
    thread = posting.ask(asker, basics, title="Mine", body="b")
    assert posting.readable_thread(answerer, basics, thread.id) == thread
    assert posting.readable_thread(answerer, other_course, thread.id) is None
    thread.hidden_at = utcnow()
    assert posting.readable_thread(answerer, basics, thread.id) is None
    assert posting.readable_thread(teacher, basics, thread.id) == thread


def test_mentions_match_names_with_accents_whatever_their_case(app, asker, basics, mentioned):
    elodie = accept_conduct(make_user(name="Élodie Ünal"))
    enroll(elodie.id, basics)
    thread = posting.ask(asker, basics, title="Accents", body="@ÉlodieÜnal and @élodieünal")
    assert mentioned == [["Élodie Ünal"]]
    html = db.session.scalar(select(Post.body_html).where(Post.thread_id == thread.id))
    assert html.count('class="mention"') == 2


def test_who_replies_follows_the_thread(asker, answerer, basics):
    thread = posting.ask(asker, basics, title="Follow on reply", body="b")
    posting.reply(answerer, thread, "an answer")
    assert posting.is_following(answerer, thread)
