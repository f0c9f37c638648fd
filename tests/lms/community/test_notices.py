"""What members are told of the community, through notify() and the bell: replies in followed threads
(every follower but the author, in one INSERT however many), accepted answers, mentions (once, even
when the person also follows the thread), moderation of one's post; in their language and zone,
once per event, as their settings say. The accept, mention and moderation signals are sent here
with real rows, as the slices that own those actions send them; mail goes to a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from sqlalchemy import delete, func, select

from lms.community import services
from lms.community.models import ModerationAction, ModerationLog, Post, Thread, ThreadFollow
from lms.db import clock_at, utcnow
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.learning.services import enroll, get_enrollment
from lms.notifications.models import Delivery, EmailState, Notification, NotificationKind
from lms.notifications.services import set_preferences, unread_count
from lms.notifications.tasks import send_mail
from lms.signals import answer_accepted, members_mentioned, post_moderated, post_replied
from tests.conftest import FIXTURES
from tests.factories import counted_queries, load_fixture_courses, login, make_user, quick_users

from .conftest import accept_conduct

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
REPLY, ACCEPTED = NotificationKind.COMMUNITY_REPLY, NotificationKind.ANSWER_ACCEPTED
MENTION, MODERATED = NotificationKind.COMMUNITY_MENTION, NotificationKind.POST_MODERATED


@pytest.fixture
def app(make_app, smtp):
    app = make_app(MAIL_URL=smtp.url, MAIL_FROM="Academy <academy@example.test>")
    with app.app_context():
        load_fixture_courses(FIXTURES / "courses")
        yield app


def _told(kind: NotificationKind | None = None) -> list[tuple[int, str, str]]:
    """(recipient, kind, key) of the notifications (of one kind), oldest first."""
    db.session.expire_all()
    query = select(Notification.user_id, Notification.kind, Notification.key).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return [tuple(row) for row in db.session.execute(query)]


def _row(user_id: int, kind: NotificationKind) -> Notification:
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)
    ).one()


def _mailed(smtp, notification: Notification) -> tuple[str, str, str]:
    """The notification sent by the worker's task: its subject and both parts."""
    assert send_mail(notification.id) == "sent"
    message = message_from_bytes(smtp.sink.envelopes[-1].content, policy=policy.default)
    return message["Subject"], message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def _follow(thread: Thread, *users) -> None:
    db.session.add_all(ThreadFollow(thread_id=thread.id, user_id=user.id) for user in users)
    db.session.flush()


def _learner(course, name: str):
    user = make_user(name=name)
    enroll(user.id, course)
    return accept_conduct(user)


def test_a_reply_tells_each_follower_who_reads_the_course_but_its_author_once(
    app, client, smtp, asker, answerer, basics, lesson
):
    asker.locale, asker.timezone = "zh", "Asia/Shanghai"
    thread = services.ask(asker, basics, title="Why <b>this</b>?", body="It fails.", item=lesson)
    leaver, gone, disabled = _learner(basics, "Lee Leaver"), _learner(basics, "Gail Gone"), _learner(basics, "Dee")
    _follow(thread, answerer, leaver, gone, disabled)
    get_enrollment(leaver.id, basics.id).left_at = utcnow()  # a leaver still reads: told
    db.session.execute(delete(Enrollment).where(Enrollment.user_id == gone.id))  # no longer reads: not told
    disabled.active = False  # told in the bell, no mail
    db.session.commit()
    assert unread_count(asker.id) == 0

    with clock_at(AT):
        post = services.reply(answerer, thread, "Try **this**: `x = 1`\n\n<script>alert(1)</script>")
    db.session.commit()
    key = f"post:{post.id}"
    assert sorted(_told(REPLY)) == sorted([(u.id, "community_reply", key) for u in (asker, leaver, disabled)])
    assert _row(disabled.id, REPLY).email_state == EmailState.SKIPPED
    post_replied.send(post)  # the same reply again (a retried request): nobody told twice
    db.session.commit()
    assert len(_told(REPLY)) == 3
    assert unread_count(asker.id) == 1  # the bell

    notification = _row(asker.id, REPLY)
    assert notification.subject["url"] == f"/courses/python-basics/community/{thread.id}#post-{post.id}"
    assert send_mail(notification.id) == "held"  # replies wait for the daily digest by default
    set_preferences(asker.id, {REPLY: Delivery.EMAIL})
    notification.email_state, notification.next_attempt_at = EmailState.PENDING, utcnow()
    db.session.commit()
    subject, text, html = _mailed(smtp, notification)
    assert subject == "“Why <b>this</b>?”有新回复"
    for part in (text, html):
        assert "Ben Answerer 于 2026年12月7日 17:00" in part and "在你关注的讨论“Why" in part  # in Shanghai time
        assert "Try this: x = 1" in part and "script" not in part  # the sanitised text, no markup
        assert f"http://127.0.0.1:5000/courses/python-basics/community/{thread.id}#post-{post.id}" in part
    assert "<b>this</b>" not in html and "&lt;b&gt;this&lt;/b&gt;" in html

    login(client, asker.email)
    assert "“Why &lt;b&gt;this&lt;/b&gt;?”有新回复" in client.get("/notifications").text


def test_a_thread_with_many_followers_is_told_in_one_insert(app, asker, answerer, basics):
    thread = services.ask(asker, basics, title="Popular", body="Everyone follows this")
    crowd = quick_users(400)
    db.session.add_all(Enrollment(user_id=uid, course_id=basics.id) for uid in crowd)
    db.session.add_all(ThreadFollow(thread_id=thread.id, user_id=uid) for uid in crowd)
    db.session.commit()
    with counted_queries() as seen:
        post = services.reply(answerer, thread, "An answer for all")
    inserts = [sql for sql in seen if sql.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS")]
    assert len(inserts) == 1
    db.session.commit()
    told = db.session.scalar(select(func.count()).where(Notification.key == f"post:{post.id}"))
    assert told == 401  # the crowd and the asker


def test_a_mention_of_a_follower_in_a_reply_tells_once_as_a_mention_whichever_comes_first(
    app, asker, answerer, teacher, basics, other_course
):
    thread = services.ask(asker, basics, title="Loops", body="How?")
    third = _learner(basics, "Tia Third")
    outsider = _learner(other_course, "Otto Outside")
    _follow(thread, third)

    post = services.reply(answerer, thread, "@AdaAsker @TessTeacher @OttoOutside see this")  # followers told first
    members_mentioned.send(post, users=[asker, teacher, outsider, answerer])  # then the mentions
    db.session.commit()
    key = f"post:{post.id}"
    assert sorted(_told()) == sorted(
        [
            (asker.id, "community_mention", key),
            (teacher.id, "community_mention", key),
            (third.id, "community_reply", key),
        ]
    )  # not the outsider (cannot read the course) nor the author
    assert _row(asker.id, MENTION).context["by"] == "Ben Answerer"

    # The other order: the mention's signal before the reply's (a post built as the services do).
    later = Post(thread_id=thread.id, position=3, author_id=third.id, body="@AdaAsker", body_html="<p>@AdaAsker</p>")
    db.session.add(later)
    db.session.flush()
    members_mentioned.send(later, users=[asker])
    post_replied.send(later)
    members_mentioned.send(later, users=[asker])  # an edit naming her again
    db.session.commit()
    key = f"post:{later.id}"
    assert [row for row in _told() if row[2] == key] == [(asker.id, "community_mention", key)]  # the asker: once


def _accept(thread: Thread, post: Post, by) -> None:
    """What accepting does (answers.py, another slice): the thread's columns, then the signal."""
    thread.accepted_post_id, thread.accepted_by_id, thread.accepted_at = post.id, by.id, utcnow()
    db.session.flush()
    answer_accepted.send(thread, accepted_by=by)


def test_an_accepted_answer_tells_its_author_once_and_says_when_staff_accepted_for_the_asker(
    app, smtp, asker, answerer, teacher, basics
):
    thread = services.ask(asker, basics, title="Recursion", body="Why?")
    answer = services.reply(answerer, thread, "Because it calls itself")
    staff = services.reply(teacher, thread, "Staff answer")
    with clock_at(AT):
        _accept(thread, answer, asker)
    _accept(thread, answer, asker)  # the same again: nothing
    _accept(thread, staff, teacher)  # staff accept their own answer for the asker: nobody to tell
    db.session.commit()
    assert _told(ACCEPTED) == [(answerer.id, "answer_accepted", f"post:{answer.id}")]
    subject, text, html = _mailed(smtp, _row(answerer.id, ACCEPTED))
    assert subject == "Your answer was accepted: Recursion"
    for part in (text, html):
        assert "Ada Asker accepted your answer to “Recursion” (Python basics) on Dec 7, 2026" in part
        assert "Because it calls itself" in part

    other = services.ask(asker, basics, title="Sorting", body="How?")
    reply = services.reply(answerer, other, "Use sorted()")
    with clock_at(AT):
        _accept(other, reply, teacher)
    db.session.commit()
    notification = db.session.scalars(
        select(Notification).where(Notification.kind == ACCEPTED, Notification.key == f"post:{reply.id}")
    ).one()
    _subject, text, _html = _mailed(smtp, notification)
    assert "Tess Teacher accepted your answer to “Sorting” (Python basics) on the asker's behalf" in text


def _log(action: ModerationAction, actor, **about) -> ModerationLog:
    """A moderation log row as the moderation slice writes it, and its signal."""
    entry = ModerationLog(actor_id=actor.id if actor else None, action=action, reason="Rude words", **about)
    db.session.add(entry)
    db.session.flush()
    post_moderated.send(entry)
    return entry


def test_moderation_tells_the_author_of_the_post_never_the_moderator(app, smtp, asker, answerer, teacher, basics):
    answerer.locale, answerer.timezone = "zh", "Asia/Shanghai"
    thread = services.ask(asker, basics, title="Lists", body="How?")
    post = services.reply(answerer, thread, "Like this")
    own = services.reply(teacher, thread, "Staff note")
    where = {"course_id": basics.id, "thread_id": thread.id}
    with clock_at(AT):
        hidden = _log(ModerationAction.HIDE, teacher, post_id=post.id, **where)
    _log(ModerationAction.HIDE, teacher, post_id=own.id, **where)  # the moderator's own post: nobody told
    _log(ModerationAction.PIN, teacher, **where)  # not a judgement: nobody told
    flagged = _log(ModerationAction.HIDE, None, post_id=post.id, **where)  # hidden by flags (no actor): told
    locked = _log(ModerationAction.LOCK, teacher, **where)  # the thread's author
    suspended = _log(ModerationAction.SUSPEND, teacher, target_user_id=asker.id)
    db.session.commit()
    assert [(who, key) for who, _kind, key in _told(MODERATED)] == [
        (answerer.id, f"moderation:{hidden.id}"),
        (answerer.id, f"moderation:{flagged.id}"),
        (asker.id, f"moderation:{locked.id}"),
        (asker.id, f"moderation:{suspended.id}"),
    ]
    post_moderated.send(hidden)  # the signal again: nothing more
    db.session.commit()
    assert len(_told(MODERATED)) == 4

    first = db.session.scalars(select(Notification).where(Notification.key == f"moderation:{hidden.id}")).one()
    subject, text, html = _mailed(smtp, first)
    assert subject == "你在“Lists”中的回复已被隐藏"
    for part in (text, html):
        assert "2026年12月7日 17:00" in part and "Rude words" in part
        assert "Tess" not in part  # the moderator is not named
    subject, text, _html = _mailed(smtp, db.session.get(Notification, _key_id(f"moderation:{suspended.id}")))
    assert subject == "You were suspended from the community"
    assert "you can still read" in text and "Rude words" in text


def _key_id(key: str) -> int:
    return db.session.scalar(select(Notification.id).where(Notification.key == key))


def test_settings_list_the_community_kinds_and_a_kind_turned_off_leaves_the_bell(app, client, asker, answerer, basics):
    db.session.commit()
    login(client, asker.email)
    page = client.get("/notifications/settings").text
    for name in ("Replies in discussions", "Accepted answers", "Mentions", "Moderation"):
        assert name in page
    set_preferences(asker.id, {MENTION: Delivery.OFF})
    thread = services.ask(asker, basics, title="Quiet", body="Please")
    post = services.reply(answerer, thread, "Hello @AdaAsker")
    members_mentioned.send(post, users=[asker])
    db.session.commit()
    assert _told(MENTION) == [(asker.id, "community_mention", f"post:{post.id}")]  # recorded, the mention won
    assert unread_count(asker.id) == 0  # but off: not in the bell
    assert send_mail(_row(asker.id, MENTION).id) == "skipped"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_moderation_action_told_has_its_own_words(app, asker, language):
    from lms.community.services.notices import TOLD_ACTIONS
    from lms.notifications.mail import build_message

    asker.locale, asker.timezone = language, "Asia/Shanghai"
    generic = {"en": "A moderator acted on your post", "zh": "管理员处理了你的帖子"}[language]
    local_time = {"en": "5:00", "zh": "17:00"}[language]  # 09:00 UTC in Shanghai
    subjects = set()
    for action in sorted(TOLD_ACTIONS):
        for on_post in (True, False):
            context = {"action": action, "on_post": on_post, "course": "Python basics", "reason": "Spam"}
            context |= {"duplicate_of": "Loops", "moderated_at": AT.isoformat()}
            note = Notification(id=1, user_id=asker.id, kind=MODERATED, key="k", subject={"title": "Lists"})
            note.context = context
            message = build_message(note, asker)
            text = message.get_body(("plain",)).get_content()
            assert message["Subject"] != generic and local_time in text and "Spam" in text
            subjects.add(message["Subject"])
    assert len(subjects) == len(TOLD_ACTIONS) + 3  # hide, unhide, delete: a reply's words and a thread's
