"""The demo community (`flask demo cohort`, `make run`): a handful of threads asked and answered
through the real services on the demo lessons (with upvotes and accepted answers), once, after the cohort."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.catalog import services as catalog
from lms.community.models import CommunityMember, Post, Thread, ThreadFollow
from lms.config import ROOT
from lms.demo.cohort import EMAIL_DOMAIN
from lms.demo.community import THREADS
from lms.demo.models import DemoLoad
from lms.demo.services import ensure_demo_accounts, finish_load, start_load
from lms.extensions import db
from lms.learning.services import enroll
from tests.factories import make_user


def _rows() -> dict[str, int]:
    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Thread, Post, ThreadFollow, CommunityMember, DemoLoad)
    }


def test_demo_threads_load_once_after_the_cohort(make_app):
    app = make_app(COURSES_DIR=ROOT / "courses")
    runner = app.test_cli_runner()
    with app.app_context():
        assert runner.invoke(args=["courses", "sync"]).exit_code == 0
        ensure_demo_accounts()
        course = catalog.get_course("llm-api-fundamentals")
        for n in range(6):
            enroll(make_user(email=f"learner{n}@{EMAIL_DOMAIN}").id, course)

        # The cohort was loaded (its graded work is test_cohort's): the community follows it.
        finish_load(start_load("cohort"), {})
        db.session.commit()
        first = runner.invoke(args=["demo", "cohort"])
        assert first.exit_code == 0, first.output
        assert "Demo community loaded in" in first.output and f"{len(THREADS)} threads" in first.output
        threads = {t.title: t for t in db.session.scalars(select(Thread))}
        assert len(threads) == len(THREADS)
        for spec in THREADS:
            thread = threads[spec.title]
            item = next(i for m in course.modules for i in m.items if i.slug == spec.item)
            assert (thread.item_id, thread.item_sha256) == (item.id, item.content_sha256)
            assert thread.reply_count == len(spec.replies)
            posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.position)).all()
            assert [p.position for p in posts] == list(range(1, len(spec.replies) + 2))
            assert thread.last_activity_at == posts[-1].created_at
            assert [p.vote_count for p in posts] == [
                sum(voted == n for voted, _ in spec.upvotes) for n in range(len(posts))
            ]
            assert thread.vote_count == posts[0].vote_count
            assert thread.accepted_post_id == (posts[spec.accepted].id if spec.accepted else None)
        retry = threads["Should my retry loop also retry a 400?"]
        assert retry.first_staff_answer_at is not None and retry.first_reply_at == retry.first_staff_answer_at
        assert threads["How do I stop a stream half-way?"].first_reply_at is None  # the queue has one to answer
        assert retry.accepted_by_id == retry.author_id and retry.accepted_at > retry.first_staff_answer_at
        tokens = threads[THREADS[0].title]
        assert "<code>" in db.session.scalar(select(Post.body_html).where(Post.thread_id == tokens.id))

        rows = _rows()
        again = runner.invoke(args=["demo", "cohort"])
        assert again.exit_code == 0 and "Demo community: loaded before, nothing to do." in again.output
        assert _rows() == rows
