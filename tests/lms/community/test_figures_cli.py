"""`flask community stats` prints median and p90 from known data, for a course or every course, as
text or JSON; an unknown slug or a bad date is a clear error (exit 1). `flask community overdue`
runs the SLA check at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from lms.db import clock_at
from tests.lms.community.test_figures import DAY, T0, known  # noqa: F401  (the fixture: known questions and answers)

NOW = datetime(2030, 2, 10, 12, 0, tzinfo=UTC)  # a Sunday, after the period asked for
JANUARY = ["--from", "2030-01-01", "--to", "2030-01-31"]


def _stats(runner, *args: str):
    with clock_at(NOW):
        return runner.invoke(args=["community", "stats", *args])


@pytest.mark.usefixtures("known")
def test_a_course_s_median_and_p90(runner):
    result = _stats(runner, "--course", "python-basics", *JANUARY)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Python basics (python-basics), 2030-01-01 to 2030-01-31 (UTC)"
    assert "  first answer:         median 3.0 h, p90 7.6 h (5 answered)" in lines
    assert "  first staff answer:   median 16.5 h, p90 27.3 h (2 answered)" in lines
    assert "  accepted or staff answer within 24 h: 17% (1 of 6); within 72 h: 33% (2 of 6)" in lines
    assert "  2030-01-07          6        6        3" in lines
    assert "All courses" not in result.output


@pytest.mark.usefixtures("known")
def test_every_course_together_then_each(runner):
    result = _stats(runner, *JANUARY)
    assert result.exit_code == 0, result.output
    blocks = result.output.split("\n\n")
    assert blocks[0].startswith("All courses, 2030-01-01 to 2030-01-31 (UTC)")
    assert "median 3.5 h, p90 7.5 h (6 answered)" in blocks[0]
    assert [b.splitlines()[0].split(",")[0] for b in blocks[1:3]] == [
        "Python basics (python-basics)",
        "Python next steps (python-next)",
    ]


@pytest.mark.usefixtures("known")
def test_json(runner):
    result = _stats(runner, "--json", "--course", "python-next", *JANUARY)
    body = json.loads(result.output)
    assert body["platform"] is None
    course = body["courses"][0]
    assert course["slug"] == "python-next" and course["first_answer"] == {
        "answered": 1,
        "median": 18000.0,
        "p90": 18000.0,
    }
    assert course["period"] == {"start": "2030-01-01", "end": "2030-01-31"}


@pytest.mark.usefixtures("known")
def test_clear_errors(runner):
    unknown = _stats(runner, "--course", "no-such-course")
    assert unknown.exit_code == 1
    assert "Error: No live course with the slug 'no-such-course'" in unknown.output
    backwards = _stats(runner, "--from", "2030-02-01", "--to", "2030-01-01")
    assert backwards.exit_code == 1 and "Error: The period starts after it ends." in backwards.output
    not_a_date = _stats(runner, "--from", "yesterday")
    assert not_a_date.exit_code == 1 and "“yesterday” is not a date (YYYY-MM-DD)." in not_a_date.output


@pytest.mark.usefixtures("known")
def test_the_default_period_is_the_last_twelve_weeks(runner):
    result = _stats(runner, "--course", "python-basics")
    assert result.output.splitlines()[0] == "Python basics (python-basics), 2029-11-19 to 2030-02-10 (UTC)"
    assert sum(line.startswith("  20") for line in result.output.splitlines()) == 12


@pytest.mark.usefixtures("known")
def test_overdue_runs_the_check(runner):
    with clock_at(T0 + 10 * DAY):
        result = runner.invoke(args=["community", "overdue"])
    assert result.exit_code == 0 and result.output == "1 overdue question(s) told\n"  # q6, the only one waiting
