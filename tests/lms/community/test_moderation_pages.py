"""Moderation through the web: access on every route (a learner 403, another course's instructor
404, a post id from another course 404), flag and act with clear messages, the queue and the log
(admins: all; instructors: their courses), and the thread page's partials."""

from __future__ import annotations

import pytest
from flask import render_template
from flask_login import login_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from lms.community import services
from lms.community.models import ModerationLog, Post, PostFlag
from lms.extensions import db
from lms.learning.services import enroll
from tests.factories import login, make_user

from .conftest import accept_conduct


@pytest.fixture
def thread(asker, basics):
    thread = services.ask(asker, basics, title="Why is my loop slow?", body="It is slow.")
    db.session.commit()
    return thread


@pytest.fixture
def reply(thread, answerer):
    post = services.reply(answerer, thread, "Buy watches at example.com")
    db.session.commit()
    return post


@pytest.fixture
def elsewhere(other_course):
    """A thread and its opening post in a course the fixture teacher does not teach."""
    learner = accept_conduct(make_user())
    enroll(learner.id, other_course)
    thread = services.ask(learner, other_course, title="Elsewhere", body="Hello")
    db.session.commit()
    return thread, db.session.scalar(select(Post).where(Post.thread_id == thread.id))


def _signed_in(app, user):
    db.session.commit()  # the fixtures' rows, before the request's own session writes
    client = app.test_client()
    login(client, user.email)
    return client


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_member_flags_and_a_moderator_hides_from_the_queue(app, basics, thread, reply, asker, teacher):
    base = f"/courses/{basics.slug}/community/{thread.id}"
    member = _signed_in(app, asker)
    response = member.post(f"{base}/posts/{reply.id}/flag", data={"reason": "spam", "note": "an advert", "next": base})
    assert response.status_code == 302 and response.location == base
    page = member.post(f"{base}/posts/{reply.id}/flag", data={"reason": "spam"}, follow_redirects=True).text
    assert "You already flagged this post" in page and _count(PostFlag) == 1
    assert "Choose a reason" in member.post(f"{base}/posts/{reply.id}/flag", follow_redirects=True).text
    assert member.get(f"/courses/{basics.slug}/community/moderation").status_code == 403

    staff = _signed_in(app, teacher)
    queue = staff.get(f"/courses/{basics.slug}/community/moderation").text
    assert "Why is my loop slow?" in queue and "an advert" in queue and "Spam or advertising" in queue
    moderate = f"{base}/posts/{reply.id}/moderate"
    page = staff.post(moderate, data={"action": "hide", "reason": ""}, follow_redirects=True).text
    assert "Give a reason" in page and _count(ModerationLog) == 0
    page = staff.post(moderate, data={"action": "hide", "reason": "Advertising"}, follow_redirects=True).text
    assert "Done." in page and "Hidden" in page
    assert db.session.get(Post, reply.id).hidden_at is not None and _count(ModerationLog) == 1
    log = staff.get("/community/moderation/log").text
    assert "Advertising" in log and "Tess Teacher" in log and "Why is my loop slow?" in log
    assert f'href="/courses/{basics.slug}/community/moderation"' in log  # the queues of their courses
    member_url = f"/courses/{basics.slug}/community/members/{reply.author_id}/moderate"
    response = staff.post(member_url, data={"action": "suspend", "reason": "Spam", "next": "/x"})
    assert response.location == "/x"
    queue = staff.get(f"/courses/{basics.slug}/community/moderation").text
    assert "Lift the suspension of Ben Answerer" in queue and "Suspended members" in queue
    assert "Nothing to review" not in page  # hidden posts stay in the queue, to be unhidden


def test_access_on_every_route(app, basics, thread, reply, answerer, elsewhere):
    other_thread, other_post = elsewhere
    stranger = accept_conduct(make_user("instructor"))
    db.session.commit()
    base = f"/courses/{basics.slug}/community/{thread.id}"
    routes = [
        ("get", f"/courses/{basics.slug}/community/moderation", {}),
        ("post", f"{base}/posts/{reply.id}/moderate", {"action": "hide", "reason": "x"}),
        ("post", f"{base}/moderate", {"action": "lock", "reason": "x"}),
        ("post", f"/courses/{basics.slug}/community/members/{answerer.id}/moderate", {"action": "suspend"}),
    ]
    anonymous, learner, other = app.test_client(), _signed_in(app, answerer), _signed_in(app, stranger)
    for method, url, data in routes:
        assert getattr(anonymous, method)(url, data=data).status_code == 302  # to the login page
        assert getattr(learner, method)(url, data=data).status_code == 403
        assert getattr(other, method)(url, data=data).status_code == 404  # not their course
    assert learner.get("/community/moderation").status_code == 403
    assert other.get("/community/moderation").status_code == 403  # every course's queue: admins only
    # IDOR: the other course's post or thread through this course's address, and the reverse
    assert learner.post(f"{base}/posts/{other_post.id}/flag", data={"reason": "spam"}).status_code == 404
    crossed = f"/courses/{basics.slug}/community/{other_thread.id}/posts/{other_post.id}/flag"
    assert learner.post(crossed, data={"reason": "spam"}).status_code == 404
    slug = other_thread.course.slug
    assert learner.post(f"/courses/{slug}/community/{thread.id}/posts/{reply.id}/flag").status_code == 404
    assert _count(PostFlag) == 0 and _count(ModerationLog) == 0


def test_the_log_shows_admins_everything_and_instructors_their_courses(app, basics, thread, teacher, elsewhere):
    other_thread, _post = elsewhere
    admin = make_user("admin")
    services.moderation.moderate_thread(teacher, thread, "lock", "Answered here")
    services.moderation.moderate_thread(admin, other_thread, "lock", "Duplicate elsewhere")
    db.session.commit()
    mine = _signed_in(app, teacher).get("/community/moderation/log").text
    assert "Answered here" in mine and "Duplicate elsewhere" not in mine
    everything = _signed_in(app, admin).get("/community/moderation/log").text
    assert "Answered here" in everything and "Duplicate elsewhere" in everything
    assert _signed_in(app, make_user()).get("/community/moderation/log").status_code == 403


def test_an_admin_sees_every_course_queue(app, basics, thread, reply, asker, elsewhere):
    services.moderation.flag(asker, reply, "abuse", per_hour=10)
    db.session.commit()
    page = _signed_in(app, make_user("admin")).get("/community/moderation").text
    assert "All courses" in page and "Why is my loop slow?" in page and basics.title in page


def test_the_thread_page_partials(app, basics, thread, reply, asker, teacher):
    def render(user, staff, viewer_flags=()):
        with app.app_context(), app.test_request_context(f"/courses/{basics.slug}/community/{thread.id}"):
            login_user(user)
            context = dict(course=basics, thread=thread, post=reply, staff=staff, viewer_flags=set(viewer_flags))
            return render_template("community/_post_moderation_actions.html", form=FlaskForm(), **context) + (
                render_template("community/_thread_moderation_actions.html", form=FlaskForm(), **context)
            )

    member = render(asker, False)
    assert f"/posts/{reply.id}/flag" in member and "Moderate" not in member and 'name="csrf_token"' in member
    assert "You flagged this post" in render(asker, False, [reply.id])
    staff = render(teacher, True)
    assert f"/posts/{reply.id}/moderate" in staff and f"/community/{thread.id}/moderate" in staff
    assert "Suspend Ben Answerer from the community" in staff and "/flag" not in staff
    assert "/flag" not in render(db.session.get(type(asker), reply.author_id), False)  # not on your own post
