"""Answer-time figures from known timestamps: median and p90 as percentile_cont gives them (on SQLite
and PostgreSQL alike), the 24 h and 72 h shares counting only questions old enough to tell, the
weekly series, and what never counts (discussions, the asker's own follow-ups, hidden, deleted and
duplicate questions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lms.community.models import ThreadKind
from lms.community.services import ask, reply
from lms.community.services.figures import (
    FiguresError,
    Period,
    Share,
    Spread,
    course_figures,
    default_period,
    parse_period,
    platform_figures,
    platform_headlines,
)
from lms.db import clock_at
from lms.extensions import db
from lms.learning.services import enroll
from tests.factories import counted_queries, make_user
from tests.lms.community.conftest import accept_conduct

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
PERIOD = Period(date(2030, 1, 1), date(2030, 1, 31))


def asked(user, course, at, title="How do I print?", **fields):
    with clock_at(at):
        thread = ask(user, course, title=title, body="Body of the question.", **fields)
    db.session.flush()
    return thread


def answered(user, thread, at):
    with clock_at(at):
        return reply(user, thread, "An answer.")


@pytest.fixture
def known(basics, other_course, teacher, asker, answerer):
    """Six questions in python-basics (first answers after 1, 2, 3, 4 and 10 hours, one unanswered;
    staff answers after 30 and 3 hours; one accepted after 80 hours), noise that must not count, and
    one question in python-next answered after 5 hours."""
    q1 = asked(asker, basics, T0)
    answered(answerer, q1, T0 + HOUR)
    answered(teacher, q1, T0 + 30 * HOUR)
    q2 = asked(asker, basics, T0 + DAY)
    answered(answerer, q2, T0 + DAY + 2 * HOUR)
    q3 = asked(asker, basics, T0 + 2 * DAY)
    answered(teacher, q3, T0 + 2 * DAY + 3 * HOUR)
    q4 = asked(asker, basics, T0 + 3 * DAY)
    answer = answered(answerer, q4, T0 + 3 * DAY + 4 * HOUR)
    q4.accepted_post_id, q4.accepted_at = answer.id, T0 + 3 * DAY + 80 * HOUR
    q5 = asked(asker, basics, T0 + 4 * DAY)
    answered(answerer, q5, T0 + 4 * DAY + 10 * HOUR)
    q6 = asked(asker, basics, T0 + 5 * DAY)
    answered(asker, q6, T0 + 5 * DAY + HOUR)  # the asker's own follow-up: no answer
    # Never counted as questions: a discussion, and hidden, deleted and duplicate questions.
    talk = asked(answerer, basics, T0 + DAY, title="Show your bots", kind=ThreadKind.DISCUSSION)
    answered(asker, talk, T0 + DAY + HOUR)
    for column in ("hidden_at", "deleted_at", "duplicate_of_id"):
        noise = asked(answerer, basics, T0 + 2 * DAY, title=f"Noise {column}")
        answered(asker, noise, T0 + 2 * DAY + HOUR)
        setattr(noise, column, q1.id if column == "duplicate_of_id" else T0 + 3 * DAY)
    other = accept_conduct(make_user(name="Nia Next"))
    enroll(other.id, other_course)
    elsewhere = asked(other, other_course, T0 + 6 * DAY)
    answered(accept_conduct(_enrolled(other_course)), elsewhere, T0 + 6 * DAY + 5 * HOUR)
    db.session.commit()
    return basics


def _enrolled(course):
    user = make_user()
    enroll(user.id, course)
    return user


def test_a_course_figures_from_known_times(known, other_course):
    now = T0 + 20 * DAY
    figures = course_figures([known.id, other_course.id], PERIOD, now)
    basics = figures[known.id]
    assert basics.questions == 6
    assert basics.first_answer == Spread(5, 3 * 3600, 7.6 * 3600)  # 1, 2, 3, 4, 10 h
    assert basics.first_staff_answer == Spread(2, 16.5 * 3600, 27.3 * 3600)  # 3 and 30 h
    assert basics.answered_24h == Share(1, 6)  # q3's staff answer; q4 accepted after 80 h
    assert basics.answered_72h == Share(2, 6)  # and q1's after 30 h
    assert (basics.answered_24h.percent, basics.answered_72h.percent) == (17, 33)
    week = next(w for w in basics.weeks if w.starts == T0.date())
    # Six questions; answers: q1 two, q2-q5 one each (not the asker's follow-up, not the
    # discussion's reply); posters: the asker, the answerer and the teacher.
    assert (week.questions, week.answers, week.posters) == (6, 6, 3)
    assert [w.starts for w in basics.weeks] == [date(2029, 12, 31) + timedelta(weeks=n) for n in range(5)]
    assert sum(w.questions for w in basics.weeks) == 6
    assert figures[other_course.id].first_answer == Spread(1, 5 * 3600, 5 * 3600)


def test_platform_figures_take_every_course(known):
    figures = platform_figures(PERIOD, T0 + 20 * DAY)
    assert figures.course_id is None and figures.questions == 7
    assert figures.first_answer == Spread(6, 3.5 * 3600, 7.5 * 3600)  # 1, 2, 3, 4, 5, 10 h
    assert figures.answered_24h == Share(1, 7)
    week = next(w for w in figures.weeks if w.starts == T0.date())
    assert (week.questions, week.answers, week.posters) == (7, 7, 5)


def test_the_programme_headlines_of_two_periods_are_each_period_s_platform_figures(known):
    now = T0 + 20 * DAY
    previous, current = Period(date(2030, 1, 1), date(2030, 1, 8)), Period(date(2030, 1, 9), date(2030, 1, 31))
    headlines = platform_headlines([current, previous], now)
    assert [h.period for h in headlines] == [current, previous]
    got = [(h.questions, h.first_answer, h.answered_24h) for h in headlines]
    assert got == [
        (5, Spread(4, 4.5 * 3600, 8.5 * 3600), Share(1, 5)),  # q3-q6 and python-next's: 3, 4, 10 and 5 h
        (2, Spread(2, 1.5 * 3600, 1.9 * 3600), Share(0, 2)),  # q1 and q2: 1 and 2 h
    ]
    for h in headlines:
        figures = platform_figures(h.period, now)
        assert (figures.questions, figures.first_answer, figures.answered_24h) == (
            h.questions,
            h.first_answer,
            h.answered_24h,
        )


def test_shares_count_only_questions_old_enough_to_tell(known):
    now = T0 + 5 * DAY + 2 * HOUR  # q6 was asked 2 h ago, q5 26 h ago, q3 74 h ago
    basics = course_figures([known.id], PERIOD, now)[known.id]
    assert basics.answered_24h == Share(1, 5)  # q1-q5 are a day old
    assert basics.answered_72h == Share(2, 3)  # q1-q3 are three days old


def test_the_period_bounds_what_counts(known):
    only_q1_q2 = Period(date(2030, 1, 7), date(2030, 1, 8))
    basics = course_figures([known.id], only_q1_q2, T0 + 20 * DAY)[known.id]
    assert basics.questions == 2 and basics.first_answer == Spread(2, 1.5 * 3600, 1.9 * 3600)
    assert [w.starts for w in basics.weeks] == [date(2030, 1, 7)]
    empty = course_figures([known.id], Period(date(2031, 1, 1), date(2031, 1, 2)), T0)[known.id]
    assert empty.questions == 0 and empty.first_answer == Spread(0, None, None)
    assert empty.answered_24h.percent is None


def test_the_default_period_is_twelve_weeks_to_today_and_typed_periods_are_checked():
    now = datetime(2030, 3, 6, 15, 0, tzinfo=UTC)  # a Wednesday
    period = default_period(now)
    assert (period.start, period.end, len(period.weeks)) == (date(2029, 12, 17), date(2030, 3, 6), 12)
    assert parse_period(None, None, now) == period
    assert parse_period("2030-01-01", "2030-01-31", now) == Period(date(2030, 1, 1), date(2030, 1, 31))
    assert parse_period("2030-03-01", "9999-12-31", now) == Period(date(2030, 3, 1), date(2030, 3, 6))  # to today
    for start, end, message in (
        ("2030-02-01", "2030-01-01", "starts after it ends"),
        ("2030-04-01", None, "starts after it ends"),  # after today
        ("2030-13-01", None, "is not a date"),
        ("20300101", None, "is not a date"),
        ("2020-01-01", "2030-01-01", "at most 731 days"),
    ):
        with pytest.raises(FiguresError, match=message):
            parse_period(start, end, now)


def test_figures_of_many_courses_take_the_queries_of_one(known, other_course):
    ids = [known.id, other_course.id]
    with counted_queries() as one:
        course_figures(ids[:1], PERIOD, T0 + 20 * DAY)
    with counted_queries() as two:
        course_figures(ids, PERIOD, T0 + 20 * DAY)
    assert len(one) == len(two) == 5  # two spreads, the shares, the weekly questions, the weekly posts
