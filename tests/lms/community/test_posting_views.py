"""Posting pages through HTTP: who sees what (visitors and non-members get the page about the
community, never a thread; another course's thread id is 404 on every route; a leaver reads but
cannot post), asking with a preview, replying, editing with history, tombstones, hidden posts,
pagination, limits and escaping of stored XSS."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.community.models import Post, Thread
from lms.community.services import posting
from lms.db import utcnow
from lms.extensions import db
from lms.learning.services import enroll, get_enrollment
from tests.factories import PASSWORD, login, make_user

from .conftest import accept_conduct

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _thread_url(thread, tail: str = "") -> str:
    return f"/courses/python-basics/community/{thread.id}{tail}"


@pytest.fixture
def thread(asker, answerer, basics, lesson):
    thread = posting.ask(asker, basics, title="Why does the loop stop?", body="It **stops** early.", item=lesson)
    posting.reply(answerer, thread, "Check the `range` bounds.")
    db.session.commit()
    return thread


@pytest.fixture
def client_as(app):
    def sign_in(user):
        client = app.test_client()
        login(client, user.email)
        return client

    return sign_in


def test_visitors_and_non_members_see_what_the_community_is_never_its_threads(app, thread, other_course):
    visitor = app.test_client()
    page = visitor.get("/courses/python-basics/community")
    assert page.status_code == 200
    assert "Questions and discussion" in page.text and "sign up for free" in page.text
    assert "Why does the loop stop?" not in page.text
    assert visitor.get(_thread_url(thread)).status_code == 404
    assert visitor.get("/courses/python-basics/community/ask").status_code == 302  # to sign in

    outsider = make_user()
    enroll(outsider.id, other_course)
    db.session.commit()
    client = app.test_client()
    login(client, outsider.email)
    page = client.get("/courses/python-basics/community")
    assert "Enroll for free" in page.text and "Why does the loop stop?" not in page.text
    assert client.get(_thread_url(thread)).status_code == 404
    assert client.post(_thread_url(thread, "/reply"), data={"body": "let me in"}).status_code == 404
    assert _count(Post) == 2


def test_members_read_the_list_and_the_thread(thread, answerer, lesson, client_as):
    client = client_as(answerer)
    page = client.get("/courses/python-basics/community")
    assert "Why does the loop stop?" in page.text and lesson.title in page.text
    assert '<span class="pill">Answered</span>' in page.text  # answered by someone else than the asker
    page = client.get(_thread_url(thread))
    assert "<strong>stops</strong>" in page.text and "Ada Asker" in page.text and "Ben Answerer" in page.text
    assert 'name="body"' in page.text  # the reply form


def test_an_empty_list_invites_the_first_question(basics, asker, client_as):
    db.session.commit()
    page = client_as(asker).get("/courses/python-basics/community?filter=unanswered")
    assert "Nothing here yet" in page.text
    page = client_as(asker).get("/courses/python-basics/community")
    assert "No questions yet" in page.text and "Ask the first question" in page.text


def test_another_course_thread_or_post_id_is_404_on_every_route(app, thread, asker, answerer, other_course, client_as):
    admin = accept_conduct(make_user(role="admin"))
    elsewhere = posting.ask(admin, other_course, title="Elsewhere", body="b")
    db.session.commit()
    opening_elsewhere = db.session.scalar(select(Post.id).where(Post.thread_id == elsewhere.id))
    client = client_as(asker)
    base = f"/courses/python-basics/community/{elsewhere.id}"
    assert client.get(base).status_code == 404
    assert client.get(f"/courses/python-next/community/{thread.id}").status_code == 404
    for url in (base + "/reply", base + "/follow", base + "/duplicate"):
        assert client.post(url, data={"body": "x", "original": str(thread.id)}).status_code == 404, url
    for tail in ("/edit", "/history"):
        assert client.get(f"{_thread_url(thread)}/posts/{opening_elsewhere}{tail}").status_code == 404
    assert client.post(f"{_thread_url(thread)}/posts/{opening_elsewhere}/delete").status_code == 404
    assert client.post(f"{_thread_url(thread)}/posts/{opening_elsewhere}/edit", data={"body": "x"}).status_code == 404
    # Someone else's post of a thread the learner may read: 403.
    reply_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.author_id == answerer.id))
    assert client.get(f"{_thread_url(thread)}/posts/{reply_id}/edit").status_code == 403
    assert client.post(f"{_thread_url(thread)}/posts/{reply_id}/delete").status_code == 403
    assert db.session.scalar(select(Post.deleted_at).where(Post.id == reply_id)) is None


def test_ask_on_a_lesson_with_a_preview_then_post(basics, asker, lesson, client_as):
    db.session.commit()
    client = client_as(asker)
    page = client.get(f"/courses/python-basics/community/ask?item={lesson.slug}")
    assert 'id="thread-title"' in page.text and lesson.title in page.text
    assert client.get("/courses/python-basics/community/ask?item=nope").status_code == 404
    form = {"title": "How do I *loop*?", "kind": "question", "body": "Like **this**?", "tags": "loops, basics"}
    preview = client.post(f"/courses/python-basics/community/ask?item={lesson.slug}", data={**form, "preview": "1"})
    assert preview.status_code == 200 and "<strong>this</strong>" in preview.text and _count(Thread) == 0
    answer = client.post("/community/preview", data={"body": "# Hi\n<script>x()</script>"})
    assert answer.json["html"].strip() == "<h1>Hi</h1>"
    assert client.post("/community/preview", data={"body": " "}).status_code == 400
    done = client.post(f"/courses/python-basics/community/ask?item={lesson.slug}", data=form)
    thread = db.session.scalars(select(Thread)).one()
    assert done.headers["Location"] == _thread_url(thread)
    assert (thread.item_id, [t.tag for t in thread.tags], thread.kind) == (lesson.id, ["basics", "loops"], "question")
    refused = client.post("/courses/python-basics/community/ask", data={**form, "title": " "})
    assert refused.status_code == 400 and "Give your question a title." in refused.text
    assert 'value="Like **this**?"' in refused.text or "Like **this**?" in refused.text  # nothing lost


def test_stored_xss_in_titles_bodies_and_names_is_escaped(app, basics, lesson, client_as):
    villain = accept_conduct(make_user(name=XSS))
    enroll(villain.id, basics)
    thread = posting.ask(villain, basics, title=XSS, body=XSS + "\n\n[x](javascript:alert(1))", item=lesson)
    db.session.commit()
    client = client_as(villain)
    for url in ("/courses/python-basics/community", _thread_url(thread)):
        page = client.get(url)
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert" in page.text
        assert 'href="javascript:' not in page.text


def test_reply_limits_and_leavers(app, thread, asker, answerer, basics, client_as):
    client = client_as(answerer)
    assert client.post(_thread_url(thread, "/reply"), data={"body": "   "}).status_code == 400
    links = " ".join(f"https://{n}.example" for n in range(3))
    refused = client.post(_thread_url(thread, "/reply"), data={"body": links})
    assert refused.status_code == 400 and "at most 2 links" in refused.text and links in refused.text
    done = client.post(_thread_url(thread, "/reply"), data={"body": "Thanks!"})
    post = db.session.scalars(select(Post).order_by(Post.id.desc())).first()
    assert done.headers["Location"].endswith(f"?page=1#post-{post.id}") and post.body == "Thanks!"
    for n in range(3):
        client.post(_thread_url(thread, "/reply"), data={"body": f"more {n}"})
    refused = client.post(_thread_url(thread, "/reply"), data={"body": "sixth in an hour"})
    assert refused.status_code == 400 and "at most 5 an hour" in refused.text
    assert _count(Post) == 6

    get_enrollment(asker.id, basics.id).left_at = utcnow()
    db.session.commit()
    leaver = client_as(asker)
    page = leaver.get(_thread_url(thread))
    assert page.status_code == 200 and "You left this course" in page.text and 'name="body"' not in page.text
    assert "Why does the loop stop?" in leaver.get("/courses/python-basics/community").text
    refused = leaver.post(_thread_url(thread, "/reply"), data={"body": "still here"})
    assert refused.status_code == 400 and "You left this course" in refused.text
    assert _count(Post) == 6  # refused: nothing stored


def test_edit_history_tombstones_and_hidden_posts(app, thread, asker, answerer, teacher, client_as):
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.position == 1))
    reply = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.position == 2))
    db.session.commit()  # end the read, so the requests may write
    author = client_as(asker)
    page = author.get(f"{_thread_url(thread)}/posts/{opening.id}/edit")
    assert 'value="Why does the loop stop?"' in page.text
    done = author.post(
        f"{_thread_url(thread)}/posts/{opening.id}/edit", data={"title": "Why does my loop stop?", "body": "Edited."}
    )
    assert done.status_code == 302
    page = author.get(_thread_url(thread))
    assert "Why does my loop stop?" in page.text and ">edited<" in page.text
    history = client_as(answerer).get(f"{_thread_url(thread)}/posts/{opening.id}/history")
    assert "It **stops** early." in history.text and "Why does the loop stop?" in history.text

    other = client_as(answerer)
    assert other.post(f"{_thread_url(thread)}/posts/{reply.id}/delete").status_code == 302
    page = author.get(_thread_url(thread))
    assert "This post was deleted." in page.text and "range" not in page.text
    assert "range" in client_as(teacher).get(_thread_url(thread)).text  # staff still see it, labelled

    db.session.get(Post, opening.id).hidden_at = utcnow()
    db.session.commit()
    assert "Hidden pending review." in other.get(_thread_url(thread)).text
    assert "Edited." not in other.get(_thread_url(thread)).text
    assert "Edited." in author.get(_thread_url(thread)).text  # the author sees it, labelled
    assert other.get(f"{_thread_url(thread)}/posts/{opening.id}/history").status_code == 404


def test_deleting_the_opening_post_deletes_the_thread(thread, asker, answerer, client_as):
    opening = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.position == 1))
    db.session.commit()
    client_as(asker).post(f"{_thread_url(thread)}/posts/{opening}/delete")
    page = client_as(answerer).get(_thread_url(thread))
    assert "This thread was deleted." in page.text and "stops" not in page.text and 'name="body"' not in page.text
    assert "Why does the loop stop?" not in client_as(answerer).get("/courses/python-basics/community").text
    reply = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.position == 2))
    db.session.commit()
    assert client_as(answerer).get(f"{_thread_url(thread)}/posts/{reply}/history").status_code == 404


def test_long_threads_page_by_fifty(app, thread, answerer, client_as):
    db.session.add_all(
        Post(thread_id=thread.id, position=n, author_id=answerer.id, body=f"post {n}", body_html=f"<p>post {n}</p>")
        for n in range(3, 121)
    )
    db.session.execute(db.update(Thread).values(reply_count=119))
    db.session.commit()
    client = client_as(answerer)
    first, third = client.get(_thread_url(thread)).text, client.get(_thread_url(thread, "?page=3")).text
    assert "<p>post 50</p>" in first and "<p>post 51</p>" not in first
    assert "<p>post 101</p>" in third and "<p>post 120</p>" in third and "<p>post 100</p>" not in third
    assert 'aria-current="page">3<' in third


def test_item_changed_archived_item_and_duplicate_notices(app, thread, asker, basics, lesson, client_as):
    other = posting.ask(asker, basics, title="The original", body="b")
    db.session.commit()
    client = client_as(asker)
    assert "has changed since" not in client.get(_thread_url(thread)).text
    client.post(_thread_url(thread, "/duplicate"), data={"original": str(other.id)})
    lesson.content_sha256 = "0" * 64
    lesson.archived_at = utcnow()
    db.session.commit()
    page = client.get(_thread_url(thread))
    assert "has changed since" in page.text and "no longer in the course" in page.text
    assert f'href="/courses/python-basics/community/{other.id}">The original' in page.text


def test_follow_and_unfollow_through_the_page(thread, answerer, client_as):
    client = client_as(answerer)
    client.post(_thread_url(thread, "/follow"))
    assert posting.is_following(answerer, thread)
    assert "Unfollow" in client.get(_thread_url(thread)).text
    client.post(_thread_url(thread, "/follow"), data={"follow": "0"})
    assert not posting.is_following(answerer, thread)


def test_csrf_is_required_on_posting_routes(make_app, asker, basics):
    app = make_app(WTF_CSRF_ENABLED=True)
    thread = posting.ask(asker, basics, title="CSRF", body="b")
    db.session.commit()
    client = app.test_client()
    login_page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"email": asker.email, "password": PASSWORD, "csrf_token": token})
    for url in (_thread_url(thread, "/reply"), "/community/preview", _thread_url(thread, "/follow")):
        assert client.post(url, data={"body": "no token"}).status_code == 400, url
    assert _count(Post) == 1


def test_leave_the_course_and_enroll_again(app, asker, basics, client_as):
    db.session.commit()
    client = client_as(asker)
    assert "Leave this course" in client.get("/courses/python-basics").text
    assert client.post("/courses/python-basics/leave").status_code == 302
    assert get_enrollment(asker.id, basics.id).left_at is not None
    page = client.get("/courses/python-basics")
    assert "You left this course" in page.text and "Enroll again" in page.text
    client.post("/courses/python-basics/enroll")
    db.session.expire_all()
    assert get_enrollment(asker.id, basics.id).left_at is None
    outsider = make_user()
    assert client_as(outsider).post("/courses/python-basics/leave").status_code == 404


def test_new_account_limits_come_from_the_environment(app, asker, basics, monkeypatch):
    from lms.config import load_config

    monkeypatch.setenv("COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR", "1")
    monkeypatch.setenv("COMMUNITY_MAX_LINKS", "9")
    config = load_config()
    assert (config["COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR"], config["COMMUNITY_MAX_LINKS"]) == (1, 9)
    assert (config["COMMUNITY_NEW_ACCOUNT_DAYS"], config["COMMUNITY_NEW_ACCOUNT_MAX_LINKS"]) == (7, 2)
    app.config["COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR"] = 1
    thread = posting.ask(asker, basics, title="One", body="b")
    with pytest.raises(posting.CommunityError, match="at most 1 an hour"):
        posting.reply(asker, thread, "two")
    asker.created_at = utcnow() - timedelta(days=8)
    posting.reply(asker, thread, "two")


def test_over_long_posts_unknown_kinds_and_modules_are_refused_with_nothing_stored(thread, answerer, lesson, client_as):
    client = client_as(answerer)
    refused = client.post(_thread_url(thread, "/reply"), data={"body": "x" * 20_001})
    assert refused.status_code == 400 and "at most 20,000 characters" in refused.text
    form = {"title": "A title", "kind": "rant", "body": "b"}
    refused = client.post("/courses/python-basics/community/ask", data=form)
    assert refused.status_code == 400 and "Not a valid choice" in refused.text
    page = client.get(f"/courses/python-basics/community/ask?module={lesson.module.slug}")
    assert lesson.module.title in page.text
    assert client.get("/courses/python-basics/community/ask?module=nope").status_code == 404
    assert _count(Post) == 2 and _count(Thread) == 1


def test_a_member_who_never_accepted_the_code_of_conduct_is_sent_to_it(app, thread, basics, client_as):
    newcomer = make_user()
    enroll(newcomer.id, basics)
    db.session.commit()
    answer = client_as(newcomer).post(_thread_url(thread, "/reply"), data={"body": "hello"})
    if "community.conduct" in app.view_functions:
        assert answer.headers["Location"].startswith("/community/conduct?next=")
    else:  # the conduct page is another part of the community: until it is in, the refusal is said
        assert answer.headers["Location"] == _thread_url(thread)
    assert _count(Post) == 2


def test_out_of_range_ids_and_pages_are_answered_not_errors(thread, answerer, client_as):
    client = client_as(answerer)
    assert client.get("/courses/python-basics/community/99999999999999999999").status_code == 404
    assert client.get(_thread_url(thread, "/posts/99999999999999999999/history")).status_code == 404
    refused = client.post(_thread_url(thread, "/duplicate"), data={"original": "99999999999999999999"})
    assert refused.status_code == 302  # to the thread, with the refusal flashed
    assert "No more threads." in client.get("/courses/python-basics/community?page=400").text
    assert "Check the" in client.get(_thread_url(thread, "?page=999")).text  # the last page


def test_the_pages_speak_chinese(thread, answerer, client_as):
    answerer.locale = "zh"
    db.session.commit()
    client = client_as(answerer)
    listing = client.get("/courses/python-basics/community").text
    assert "问答与讨论" in listing and "1 条回复" in listing
    assert "你的回复" in client.get(_thread_url(thread)).text
    assert "提问" in client.get("/courses/python-basics/community/ask").text
