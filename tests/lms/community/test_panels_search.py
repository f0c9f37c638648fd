"""Threads in the search layer: the index follows every change by itself (asked, edited, hidden,
restored, deleted), suggestions while asking are answered threads of readable courses only and
close enough to the title, and the course's search page lists escaped snippets."""

from __future__ import annotations

from sqlalchemy import select, update

from lms.community import services
from lms.community.models import ModerationAction, ModerationLog, Post, Thread
from lms.community.services import search as community_search
from lms.db import utcnow
from lms.extensions import db
from lms.learning.services import enroll
from lms.search import services as search
from lms.signals import post_moderated
from tests.factories import login, make_user

from .conftest import accept_conduct


def found(query: str, course_ids=None) -> list[str]:
    return [h.doc_id for h in search.search(query, ["thread"], course_ids)]


def opening(thread: Thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.position == 1))


def test_the_index_follows_threads_as_they_change(asker, answerer, basics):
    thread = services.ask(asker, basics, title="Decorators confuse me", body="What does functools.wraps keep?")
    key = str(thread.id)
    assert found("decorators") == [key] and found("functools") == [key]  # title and opening post, flushed
    services.reply(answerer, thread, "It keeps the name and the docstring")
    assert found("docstring") == []  # replies are not the thread's document

    thread.title = "Closures confuse me"
    db.session.flush()
    assert found("closures") == [key] and found("decorators") == []
    opening(thread).body = "Why do late-binding lambdas surprise?"
    db.session.commit()
    assert found("lambdas") == [key] and found("functools") == []

    opening(thread).hidden_at = utcnow()  # flags hid the opening post: its title stays findable
    db.session.flush()
    assert found("lambdas") == [] and found("closures") == [key]
    opening(thread).hidden_at = None
    thread.hidden_at = utcnow()  # a moderator hid the thread
    db.session.flush()
    assert found("closures") == [] and found("lambdas") == []
    thread.hidden_at = None  # restored
    db.session.flush()
    assert found("closures") == [key] and found("lambdas") == [key]
    thread.deleted_at = utcnow()
    db.session.flush()
    assert found("closures") == []
    thread.deleted_at = None
    db.session.flush()
    db.session.delete(thread)  # a row removed outright
    db.session.flush()
    assert found("closures") == []


def test_a_bulk_update_is_followed_through_the_moderation_signal(asker, basics, teacher):
    thread = services.ask(asker, basics, title="Generators and yield", body="Lazy sequences")
    post = opening(thread)

    def moderated() -> None:
        entry = ModerationLog(
            actor_id=teacher.id, action=ModerationAction.HIDE, course_id=basics.id, thread_id=thread.id
        )
        db.session.add(entry)
        db.session.flush()
        post_moderated.send(entry)

    # Flags hide the opening post with an UPDATE the session does not see (its object stays behind).
    db.session.execute(
        update(Post).where(Post.id == post.id).values(hidden_at=utcnow()).execution_options(synchronize_session=False)
    )
    assert post.hidden_at is None and found("lazy") == [str(thread.id)]
    moderated()
    assert found("lazy") == [] and found("generators") == [str(thread.id)]
    db.session.execute(update(Thread).where(Thread.id == thread.id).values(hidden_at=utcnow()))
    moderated()
    assert found("generators") == []


def test_reindex_rebuilds_threads_from_the_tables(app, asker, basics):
    kept = services.ask(asker, basics, title="Slicing strings", body="s[::-1]?")
    hidden = services.ask(asker, basics, title="Slicing lists", body="Body")
    hidden.hidden_at = utcnow()
    db.session.commit()
    db.session.execute(search.SearchDocument.__table__.delete())  # e.g. after a bulk seed
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["search", "reindex", "thread"])
    assert result.exit_code == 0 and "thread: 1 documents indexed" in result.output
    assert found("slicing") == [str(kept.id)]


def answered(thread: Thread, by) -> Thread:
    services.reply(by, thread, "An answer")
    return thread


def test_similar_suggests_answered_threads_of_readable_courses_close_to_the_title(
    asker, answerer, basics, other_course
):
    close = answered(services.ask(asker, basics, title="How to read a CSV file with pandas", body="Body"), answerer)
    services.ask(asker, basics, title="Reading CSV files in pandas is slow", body="Unanswered")
    own_follow_up = services.ask(asker, basics, title="pandas CSV encoding errors", body="Body")
    services.reply(asker, own_follow_up, "Still stuck")  # the asker's own reply is not an answer
    accepted = services.ask(asker, basics, title="CSV with pandas and dates", body="parse_dates?")
    accepted.accepted_post_id = opening(accepted).id  # e.g. staff accepted on the asker's behalf
    weak = answered(services.ask(asker, basics, title="Plotting a histogram", body="of a file's sizes"), answerer)
    stranger = make_user()
    enroll(stranger.id, other_course)
    accept_conduct(stranger)
    elsewhere = answered(services.ask(stranger, other_course, title="Read a CSV file with pandas", body="x"), stranger)
    elsewhere.first_reply_at = utcnow()  # answered, in a course the asker does not read
    db.session.flush()

    title = "read a csv file with pandas quickly"  # 5 words; the weak thread holds 1 (less than a quarter)
    ids = [f.thread.id for f in community_search.similar(asker, title)]
    assert close.id in ids and accepted.id in ids
    assert elsewhere.id not in ids and weak.id not in ids and own_follow_up.id not in ids
    assert ids[0] == close.id
    assert community_search.similar(stranger, title)[0].thread.id == elsewhere.id
    enroll(asker.id, other_course)  # now the asker reads that course too
    assert elsewhere.id in [f.thread.id for f in community_search.similar(asker, title)]
    assert community_search.similar(asker, "the with a") == []  # nothing but stop words


def test_the_similar_fragment_escapes_titles_and_refuses_other_courses(app, client, asker, answerer, basics):
    payload = '<img src=x onerror="alert(1)"> pandas merge'
    answered(services.ask(asker, basics, title=payload, body="<script>steal()</script> merge body"), answerer)
    outsider = make_user()
    db.session.commit()
    login(client, asker.email)

    html = client.get("/courses/python-basics/community/similar?q=pandas+merge").get_data(as_text=True)
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; pandas merge" in html and "<img" not in html
    assert "<script>" not in html and "&lt;script&gt;steal()" in html
    assert 'href="/courses/python-basics/community/' in html
    data = client.get("/courses/python-basics/community/similar?q=pandas+merge&format=json").get_json()
    assert [t["title"] for t in data["threads"]] == [payload]
    assert client.get("/courses/python-basics/community/similar?q=x").get_data(as_text=True).strip() == ""

    stranger = app.test_client()
    login(stranger, outsider.email)
    assert stranger.get("/courses/python-basics/community/similar?q=pandas").status_code == 404
    assert stranger.get("/courses/python-basics/community/search?q=pandas").status_code == 404
    assert app.test_client().get("/courses/python-basics/community/similar?q=pandas").status_code == 302
    assert client.get("/courses/no-such-course/community/similar?q=pandas").status_code == 404


def test_the_search_page_lists_a_courses_threads_with_escaped_snippets(client, asker, basics, other_course):
    services.ask(asker, basics, title="Merging <b>dicts</b>", body="Use {**a, **b} or a | b <script>x</script>")
    services.ask(asker, basics, title="Tuples", body="Immutable")
    stranger = make_user()
    enroll(stranger.id, other_course)
    accept_conduct(stranger)
    services.ask(stranger, other_course, title="Merging dicts elsewhere", body="Body")
    db.session.commit()
    login(client, asker.email)

    page = client.get("/courses/python-basics/community/search?q=merging").get_data(as_text=True)
    assert "1 thread found" in page and "Merging &lt;b&gt;dicts&lt;/b&gt;" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    assert "elsewhere" not in page and "Tuples" not in page
    page = client.get("/courses/python-basics/community/search?q=zebra").get_data(as_text=True)
    assert "Nothing matches" in page
