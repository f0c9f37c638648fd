"""The attempt that counts, read from the learning log, is the gradebook's counting submission (real
grading), and the assignment page shows it against the pass mark."""

from __future__ import annotations

from lms.assignments import services
from lms.learning import counting
from tests.factories import login
from tests.grading import notebooks as squares
from tests.lms.assignments.helpers import graded_squares, item_of


def test_counting_attempt_matches_the_policy_and_shows_on_the_page(app, client, learner):
    first = graded_squares(learner, squares.CORRECT)
    graded_squares(learner, squares.WRONG)  # squares keeps the last attempt
    item = item_of("squares")
    view = services.assignment_page(learner.id, item)
    counted = counting.counting_attempt(learner.id, item)
    assert view.counting is not None and counted.attempt_id == view.counting.id != first.id
    assert (counted.score, counted.max_score) == (view.score(view.counting), view.counting.grade.max_score)
    assert (counted.keep, counted.attempts, counted.pass_mark) == ("last", 2, 70)

    login(client, learner.email)
    page = client.get("/courses/python-basics/squares").get_data(as_text=True)
    shown = f"{int(counted.percent)}% · pass mark 70% · 2 attempts"
    assert "Your last attempt counts:" in page and shown in page
    assert ("not passed yet" in page) is not counted.passed
