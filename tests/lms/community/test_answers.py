"""Answers that count, at the service layer: one upvote per person (also from two racing requests, on
SQLite and PostgreSQL), never on one's own post; the accepted answer (the asker's, or staff's for the
asker, logged); staff answers and the thread's first staff answer time; pins; FAQ entries."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.community import services
from lms.community.models import FaqEntry, ModerationLog, Post, PostVote, Thread, ThreadKind
from lms.community.services import answers
from lms.db import utcnow
from lms.extensions import db
from lms.learning.services import enroll, get_enrollment
from lms.signals import answer_accepted
from tests.factories import make_user
from tests.racing import race_twice

from .conftest import accept_conduct


@pytest.fixture
def question(asker, answerer, basics, lesson):
    """A question on a lesson with the asker's opening post, the asker's follow-up and an answer."""
    thread = services.ask(asker, basics, title="Why does my loop never end?", body="`while True:`", item=lesson)
    services.reply(asker, thread, "I also tried `for`.")
    services.reply(answerer, thread, "Add a `break` when the **input** is empty.")
    db.session.commit()
    return thread


def post_at(thread: Thread, position: int) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.position == position))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_one_upvote_per_person_counted_on_the_post_and_on_the_thread_for_its_opening_post(question, answerer):
    opening, answer = post_at(question, 1), post_at(question, 3)
    voter = accept_conduct(make_user())
    enroll(voter.id, question.course)
    answers.upvote(voter, answer)
    answers.upvote(answerer, opening)
    answers.upvote(voter, opening)
    db.session.commit()
    assert (answer.vote_count, opening.vote_count, question.vote_count) == (1, 2, 2)

    with pytest.raises(services.CommunityError, match="already upvoted"):
        answers.upvote(voter, answer)
    db.session.commit()
    assert answer.vote_count == 1 and count(PostVote) == 3

    assert answers.remove_vote(voter, opening) is True
    assert answers.remove_vote(voter, opening) is False  # a second click takes nothing more
    db.session.commit()
    assert (opening.vote_count, question.vote_count, answer.vote_count) == (1, 1, 1)
    assert answers.voted_post_ids(voter, [opening.id, answer.id]) == {answer.id}


def test_no_vote_on_ones_own_post_nor_by_who_may_not_post(question, asker, answerer, other_course):
    answer = post_at(question, 3)
    with pytest.raises(services.CommunityError, match="your own post"):
        answers.upvote(answerer, answer)
    outsider = accept_conduct(make_user())
    enroll(outsider.id, other_course)
    with pytest.raises(services.CommunityError, match="Enroll"):
        answers.upvote(outsider, answer)
    get_enrollment(asker.id, question.course_id).left_at = utcnow()
    with pytest.raises(services.CommunityError, match="left this course"):
        answers.upvote(asker, answer)
    answer.deleted_at = utcnow()
    with pytest.raises(services.CommunityError, match="deleted"):
        answers.upvote(accept_conduct(enrolled(question)), answer)
    assert count(PostVote) == 0 and db.session.scalar(select(Post.vote_count).where(Post.id == answer.id)) == 0


def enrolled(thread: Thread):
    user = make_user()
    enroll(user.id, thread.course)
    return user


def test_two_racing_votes_by_one_person_count_once(app, question):
    """Both requests pass the "already voted?" check before either writes (a barrier in the flush
    holds them there), so the primary key decides: one vote, the counter at 1, a clear refusal."""
    voter = accept_conduct(enrolled(question))
    db.session.commit()
    answer_id = post_at(question, 3).id
    voter_id = voter.id

    def upvote() -> None:
        answers.upvote(db.session.get(User, voter_id), db.session.get(Post, answer_id))

    outcomes = race_twice(app, PostVote, upvote, "voted", services.CommunityError)
    assert outcomes == ["You already upvoted this post.", "voted"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PostVote).where(PostVote.post_id == answer_id)) == 1
    assert db.session.scalar(select(Post.vote_count).where(Post.id == answer_id)) == 1


def test_the_asker_accepts_changes_and_withdraws_an_answer(question, asker, answerer, teacher):
    received = []

    def on_accepted(thread, accepted_by):
        received.append((thread.id, accepted_by.id))

    first = post_at(question, 3)
    second = services.reply(teacher, question, "Or use `iter(input, '')`.")
    with answer_accepted.connected_to(on_accepted):
        answers.accept(asker, first)
        assert (question.accepted_post_id, question.accepted_by_id) == (first.id, asker.id)
        assert question.accepted_at is not None
        answers.accept(asker, second)  # changing the accepted answer
        answers.accept(asker, second)  # again: nothing new
    assert question.accepted_post_id == second.id
    assert received == [(question.id, asker.id), (question.id, asker.id)]
    answers.withdraw_acceptance(asker, question)
    assert (question.accepted_post_id, question.accepted_by_id, question.accepted_at) == (None, None, None)
    with pytest.raises(services.CommunityError, match="no accepted answer"):
        answers.withdraw_acceptance(asker, question)
    assert count(ModerationLog) == 0  # the asker's own acceptance is not moderation


def test_accepting_on_someone_elses_question_is_refused_and_nothing_changes(question, answerer, basics):
    third = accept_conduct(enrolled(question))
    answer = post_at(question, 3)
    for who in (answerer, third):
        with pytest.raises(services.CommunityError, match="Only the person who asked"):
            answers.accept(who, answer)
    answers.accept(question.author, answer)
    with pytest.raises(services.CommunityError, match="Only the person who asked"):
        answers.withdraw_acceptance(third, question)
    assert question.accepted_post_id == answer.id and question.accepted_by_id == question.author_id


def test_only_a_reply_by_someone_else_on_a_question_can_be_accepted(question, asker, answerer, basics):
    with pytest.raises(services.CommunityError, match="someone other than the asker"):
        answers.accept(asker, post_at(question, 1))
    with pytest.raises(services.CommunityError, match="someone other than the asker"):
        answers.accept(asker, post_at(question, 2))  # the asker's own follow-up
    talk = services.ask(asker, basics, title="Share your projects", body="Mine:", kind=ThreadKind.DISCUSSION)
    reply = services.reply(answerer, talk, "Here is mine")
    with pytest.raises(services.CommunityError, match="discussion"):
        answers.accept(asker, reply)
    hidden = post_at(question, 3)
    hidden.hidden_at = utcnow()
    with pytest.raises(services.CommunityError, match="hidden"):
        answers.accept(asker, hidden)
    assert question.accepted_post_id is None and talk.accepted_post_id is None


def test_staff_accept_and_withdraw_for_the_asker_and_it_is_logged(question, asker, teacher):
    answer = post_at(question, 3)
    received = []
    with answer_accepted.connected_to(lambda thread, accepted_by: received.append(accepted_by.id)):
        answers.accept(teacher, answer)
    assert (question.accepted_post_id, question.accepted_by_id) == (answer.id, teacher.id)
    assert received == [teacher.id]
    answers.withdraw_acceptance(teacher, question)
    rows = db.session.execute(
        select(
            ModerationLog.action,
            ModerationLog.actor_id,
            ModerationLog.post_id,
            ModerationLog.target_user_id,
            ModerationLog.reason,
        ).order_by(ModerationLog.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("accept_for_asker", teacher.id, answer.id, asker.id, ""),
        ("accept_for_asker", teacher.id, None, asker.id, answers.WITHDRAWN),
    ]


def test_staff_mark_a_learners_reply_and_the_first_staff_answer_time_follows(question, answerer, teacher, asker):
    answer = post_at(question, 3)
    assert question.first_staff_answer_at is None
    answers.mark_staff_answer(teacher, answer)
    db.session.commit()
    assert answer.staff_marked_by_id == teacher.id and answer.is_staff_answer
    assert question.first_staff_answer_at == answer.staff_marked_at
    answers.mark_staff_answer(teacher, answer)  # twice: the first mark stands
    later = services.reply(teacher, question, "Confirmed.")
    assert question.first_staff_answer_at == answer.staff_marked_at  # the earliest stays
    answers.unmark_staff_answer(teacher, answer)
    assert not answer.is_staff_answer and question.first_staff_answer_at == later.created_at

    with pytest.raises(services.CommunityError, match="staff answer already"):
        answers.mark_staff_answer(teacher, later)
    with pytest.raises(services.CommunityError, match="someone other than the asker"):
        answers.mark_staff_answer(teacher, post_at(question, 2))
    with pytest.raises(services.CommunityError, match="Only the course's staff"):
        answers.mark_staff_answer(asker, answer)
    assert answer.staff_marked_at is None


def test_unmarking_the_only_staff_answer_clears_the_time(question, teacher):
    answer = post_at(question, 3)
    answers.mark_staff_answer(teacher, answer)
    answers.unmark_staff_answer(teacher, answer)
    assert question.first_staff_answer_at is None
    with pytest.raises(services.CommunityError, match="not marked"):
        answers.unmark_staff_answer(teacher, answer)


def test_staff_pin_and_unpin_logged_learners_may_not(question, teacher, answerer):
    with pytest.raises(services.CommunityError, match="Only the course's staff"):
        answers.set_pinned(answerer, question, True)
    answers.set_pinned(teacher, question, True)
    answers.set_pinned(teacher, question, True)  # already pinned: no second row
    assert question.pinned_at is not None
    answers.set_pinned(teacher, question, False)
    assert question.pinned_at is None
    assert list(db.session.scalars(select(ModerationLog.action).order_by(ModerationLog.id))) == ["pin", "unpin"]


def test_faq_entries_from_answers_on_the_item_or_the_course(question, teacher, asker, answerer, basics, lesson):
    answer = post_at(question, 3)
    entry = answers.add_faq(teacher, answer, question=question.title, answer=answer.body)
    second = answers.add_faq(
        teacher, answer, question="How do I stop a loop?", answer="Use `break`. <script>alert(1)</script>"
    )
    assert (entry.item_slug, entry.course_id, entry.source_post_id, entry.created_by_id) == (
        lesson.slug,
        basics.id,
        answer.id,
        teacher.id,
    )
    assert "<code>break</code>" in entry.answer_html and "<script" not in second.answer_html
    general = services.ask(asker, basics, title="Office hours?", body="When?")
    reply = services.reply(answerer, general, "Fridays")
    course_entry = answers.add_faq(teacher, reply, question="When are office hours?", answer="Fridays")
    assert course_entry.item_slug is None and course_entry.position == 1
    assert [e.id for e in answers.faq_entries(basics.id, lesson.slug)] == [entry.id, second.id]
    assert [e.id for e in answers.faq_entries(basics.id, None)] == [course_entry.id]

    answers.update_faq(teacher, entry, question="  Why   does my loop never end? ", answer="**Break** out")
    assert entry.question == "Why does my loop never end?" and "<strong>Break</strong>" in entry.answer_html
    answers.delete_faq(teacher, second)
    assert [e.id for e in answers.faq_entries(basics.id, lesson.slug)] == [entry.id]
    assert db.session.get(Post, answer.id) is not None  # the answer itself stays


@pytest.mark.parametrize(
    ("question_text", "answer_text", "message"),
    [("", "Fine", "title"), ("q" * 201, "Fine", "at most 200"), ("Fine", "  ", "Write something")],
)
def test_bad_faq_entries_and_learners_are_refused_and_nothing_is_stored(
    question, teacher, answerer, question_text, answer_text, message
):
    answer = post_at(question, 3)
    with pytest.raises(services.CommunityError, match=message):
        answers.add_faq(teacher, answer, question=question_text, answer=answer_text)
    with pytest.raises(services.CommunityError, match="Only the course's staff"):
        answers.add_faq(answerer, answer, question="Fine", answer="Fine")
    assert count(FaqEntry) == 0
