"""Answers that count, through HTTP: access on every route (404 for another course's thread, another
thread's post, a reader who may not read; a clear refusal for who reads but may not act), the flows
with their messages, the FAQ page, and the partials the thread page includes."""

from __future__ import annotations

import pytest
from flask import render_template
from flask_login import login_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from lms.community import services
from lms.community.models import FaqEntry, ModerationLog, Post, PostVote
from lms.community.services import answers
from lms.db import utcnow
from lms.extensions import db
from lms.learning.services import enroll
from tests.factories import login, make_user

from .conftest import accept_conduct


@pytest.fixture
def app(app):
    """The thread page, the course's list and the code of conduct are other parts' pages (slices A
    and D of issue 17): until they are merged, plain stand-ins answer their endpoints, so that the
    redirects here can be built."""
    stand_ins = {
        "community.thread": "/courses/<slug>/community/<int:thread_id>",
        "community.course_threads": "/courses/<slug>/community",
        "community.conduct": "/community/conduct",
    }
    for endpoint, rule in stand_ins.items():
        if endpoint not in app.view_functions:
            app.add_url_rule(rule, endpoint=endpoint, view_func=lambda **_kw: "stand-in")
    return app


@pytest.fixture
def question(asker, answerer, basics, lesson):
    thread = services.ask(asker, basics, title="Why does my loop never end?", body="`while True:`", item=lesson)
    services.reply(answerer, thread, "Add a `break`.")
    db.session.commit()
    return thread


def answer_of(thread):
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.position == 2))


def url(thread, action: str, post=None, slug: str = "python-basics") -> str:
    base = f"/courses/{slug}/community/{thread.id}"
    return f"{base}/{action}" if post is None else f"{base}/posts/{post.id}/{action}"


def signed_in(app, user):
    db.session.commit()  # what the fixtures flushed, for the requests to see
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def test_vote_accept_staff_pin_through_the_forms_return_to_the_page_they_came_from(
    app, question, asker, answerer, teacher
):
    answer = answer_of(question)
    back = f"/courses/python-basics/community/{question.id}?page=2#post-{answer.id}"
    voter = signed_in(app, asker)
    response = voter.post(url(question, "vote", answer), data={"next": back})
    assert response.status_code == 303 and response.location == back
    voter.post(url(question, "vote", answer), data={"next": back})
    assert ("error", "You already upvoted this post.") in flashes(voter)
    db.session.expire_all()
    assert answer_of(question).vote_count == 1
    voter.post(url(question, "vote", answer), data={"undo": "1"})
    db.session.expire_all()
    assert answer_of(question).vote_count == 0

    response = voter.post(url(question, "accept", answer))
    assert response.location.endswith(f"/courses/python-basics/community/{question.id}#post-{answer.id}")
    assert ("success", "Answer accepted. Thank you for closing the loop!") in flashes(voter)

    staff = signed_in(app, teacher)
    staff.post(url(question, "staff", answer))
    staff.post(url(question, "pin"))
    db.session.expire_all()
    assert answer_of(question).staff_marked_by_id == teacher.id and question.pinned_at is not None
    assert question.first_staff_answer_at is not None and question.accepted_by_id == asker.id
    staff.post(url(question, "pin"), data={"undo": "1"})
    staff.post(url(question, "accept", answer), data={"undo": "1"})
    db.session.expire_all()
    assert question.pinned_at is None and question.accepted_post_id is None
    actions = db.session.scalars(select(ModerationLog.action).order_by(ModerationLog.id)).all()
    assert actions == ["pin", "unpin", "accept_for_asker"]


def test_refusals_are_clear_and_change_nothing(app, question, asker, answerer):
    answer = answer_of(question)
    author = signed_in(app, answerer)
    author.post(url(question, "vote", answer))
    assert ("error", "You cannot upvote your own post.") in flashes(author)
    author.post(url(question, "accept", answer))
    assert ("error", "Only the person who asked can accept an answer to this question.") in flashes(author)
    author.post(url(question, "staff", answer))
    author.post(url(question, "pin"))
    assert flashes(author).count(("error", "Only the course's staff can do this.")) == 2
    assert author.get(url(question, "faq", answer)).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PostVote)) == 0
    assert (question.accepted_post_id, question.pinned_at, answer_of(question).staff_marked_at) == (None, None, None)


def test_another_site_as_next_is_ignored(app, question, asker):
    answer = answer_of(question)
    client = signed_in(app, asker)
    for target in ("https://evil.example/", "//evil.example/courses/python-basics/community/", "/admin"):
        response = client.post(url(question, "vote", answer), data={"next": target, "undo": "1"})
        assert response.location.endswith(f"/courses/python-basics/community/{question.id}#post-{answer.id}")


def test_a_member_who_has_not_accepted_the_code_of_conduct_is_sent_to_it(app, question):
    newcomer = make_user()
    enroll(newcomer.id, question.course)
    db.session.commit()
    response = signed_in(app, newcomer).post(url(question, "vote", answer_of(question)))
    assert response.status_code == 303 and "/community/conduct?next=" in response.location
    assert db.session.scalar(select(func.count()).select_from(PostVote)) == 0


def test_idor_every_route_answers_404_for_another_course_thread_post_or_a_reader_who_may_not_read(
    app, question, asker, answerer, teacher, basics, other_course
):
    answer = answer_of(question)
    elsewhere = services.ask(asker, basics, title="Another thread", body="Hello")
    db.session.commit()
    outsider = accept_conduct(make_user())
    enroll(outsider.id, other_course)
    entry = answers.add_faq(teacher, answer, question="Q", answer="A")
    db.session.commit()
    routes = [
        ("post", url(question, "vote", answer)),
        ("post", url(question, "accept", answer)),
        ("post", url(question, "staff", answer)),
        ("post", url(question, "pin")),
        ("get", url(question, "faq", answer)),
        ("post", url(question, "faq", answer)),
    ]
    staff = signed_in(app, teacher)
    learner = signed_in(app, answerer)
    for method, path in routes:
        wrong_course = path.replace("python-basics", "python-next")
        assert getattr(staff, method)(wrong_course).status_code == 404, wrong_course
        assert getattr(learner, method)(wrong_course).status_code == 404
        assert getattr(signed_in(app, outsider), method)(path).status_code == 404, path
        assert getattr(app.test_client(), method)(path).status_code == 302  # to the sign-in page
    other_post = db.session.scalar(select(Post).where(Post.thread_id == elsewhere.id))
    for action in ("vote", "accept", "staff", "faq"):
        assert staff.post(url(question, action, other_post)).status_code == 404
    assert staff.post("/courses/python-basics/community/999999/pin").status_code == 404
    faq_paths = [
        f"/courses/python-next/community/faq/{entry.id}",
        f"/courses/python-next/community/faq/{entry.id}/delete",
    ]
    for path in faq_paths:
        assert staff.post(path).status_code == 404
    assert learner.get(f"/courses/python-basics/community/faq/{entry.id}").status_code == 403
    assert learner.post(f"/courses/python-basics/community/faq/{entry.id}/delete").status_code == 403
    assert db.session.get(FaqEntry, entry.id) is not None


def test_hidden_thread_is_404_for_learners_and_refused_to_staff_with_a_message(app, question, asker, teacher):
    question.hidden_at = utcnow()
    db.session.commit()
    assert signed_in(app, asker).post(url(question, "pin")).status_code == 404
    staff = signed_in(app, teacher)
    staff.post(url(question, "staff", answer_of(question)))
    assert ("error", "This thread is no longer open.") in flashes(staff)


def test_the_faq_page_prefills_the_answer_and_adds_edits_and_deletes_entries(app, question, teacher, lesson):
    answer = answer_of(question)
    staff = signed_in(app, teacher)
    back = f"/courses/python-basics/community/{question.id}#post-{answer.id}"
    page = staff.get(url(question, "faq", answer), query_string={"next": back})
    assert page.status_code == 200
    assert 'value="Why does my loop never end?"' in page.text and "Add a `break`." in page.text
    assert lesson.title in page.text and "No entries yet" in page.text

    refused = staff.post(url(question, "faq", answer), data={"question": " ", "answer": "Kept text", "next": back})
    assert refused.status_code == 400 and "Give your question a title." in refused.text and "Kept text" in refused.text
    response = staff.post(
        url(question, "faq", answer), data={"question": "Stop a loop?", "answer": "`break`", "next": back}
    )
    assert response.status_code == 303 and response.location == back
    entry = db.session.scalar(select(FaqEntry))
    assert (entry.question, entry.item_slug, entry.source_post_id) == ("Stop a loop?", lesson.slug, answer.id)

    edit = f"/courses/python-basics/community/faq/{entry.id}"
    assert "Stop a loop?" in staff.get(edit).text
    refused = staff.post(edit, data={"question": "How do I stop a loop?", "answer": "x" * 20_001})
    assert refused.status_code == 400 and "at most 20,000 characters" in refused.text
    response = staff.post(edit, data={"question": "How do I stop a loop?", "answer": "Use `break`."})
    assert response.status_code == 303
    db.session.expire_all()
    assert entry.question == "How do I stop a loop?" and "<code>break</code>" in entry.answer_html
    response = staff.post(edit + "/delete", data={"next": back})
    assert response.location == back and db.session.scalar(select(func.count()).select_from(FaqEntry)) == 0


def render_partials(app, viewer, thread, post, *, staff=False, votes=()):
    # A fresh app context, as each request has (its own `g`, where the CSRF token is kept).
    with app.app_context(), app.test_request_context(f"/courses/python-basics/community/{thread.id}"):
        login_user(viewer)
        context = dict(
            course=thread.course, thread=thread, post=post, staff=staff, viewer_votes=set(votes), form=FlaskForm()
        )
        return render_template("community/_post_answer_actions.html", **context) + render_template(
            "community/_thread_answer_actions.html", **context
        )


def test_the_partials_show_each_viewer_their_own_buttons(app, question, asker, answerer, teacher):
    answer = answer_of(question)
    opening = db.session.scalar(select(Post).where(Post.thread_id == question.id, Post.position == 1))
    as_asker = render_partials(app, asker, question, answer)
    assert "Accept this answer" in as_asker and 'aria-pressed="false"' in as_asker
    assert "Mark as staff answer" not in as_asker and "Pin to the top" not in as_asker
    as_author = render_partials(app, answerer, question, answer)
    assert "vote-button" not in as_author and "vote-static" in as_author and "Accept this" not in as_author
    on_opening = render_partials(app, asker, question, opening)
    assert "vote-button" not in on_opening and "Accept this answer" not in on_opening
    as_staff = render_partials(app, teacher, question, answer, staff=True, votes=[answer.id])
    for text in ("Accept for the asker", "Mark as staff answer", "Add to FAQ", "Pin to the top", 'aria-pressed="true"'):
        assert text in as_staff, text
    assert 'name="csrf_token"' in as_staff

    answers.accept(asker, answer)
    answers.mark_staff_answer(teacher, answer)
    answers.set_pinned(teacher, question, True)
    shown = render_partials(app, asker, question, answer)
    for text in ("Accepted answer", "Staff answer", "Withdraw acceptance", "Jump to the accepted answer"):
        assert text in shown, text
    assert f'href="#post-{answer.id}"' in shown and "Unpin" in render_partials(
        app, teacher, question, answer, staff=True
    )
    answer.hidden_at = question.accepted_at  # hidden pending review: staff see it, with no buttons
    hidden = render_partials(app, teacher, question, answer, staff=True).split("thread-answer-actions")[0]
    assert "vote-static" in hidden and "vote-button" not in hidden and "Add to FAQ" not in hidden
    answer.deleted_at = question.accepted_at
    assert "answer-actions" not in render_partials(app, asker, question, answer).split("thread-answer-actions")[0]
