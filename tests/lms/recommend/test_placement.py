"""The placement quiz marks whole courses known, suggests a goal, takes skipped questions as not known."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.recommend import placement
from lms.recommend.mastery import mastery_of
from lms.recommend.models import LearningGoal, PlacementResult
from tests.factories import login, make_user
from tests.lms.recommend.helpers import load_catalog

QUIZ = """
title: Placement
sections:
  - course: python-basics
    questions:
      - id: p1
        module: start
        type: single
        prompt: What prints text?
        options: [{text: echo}, {text: print, correct: true}]
      - id: p2
        module: practice
        type: single
        prompt: 1 + 1?
        options: [{text: "2", correct: true}, {text: "11"}]
  - course: python-next
    questions:
      - id: n1
        module: functions
        type: single
        prompt: Which keyword defines a function?
        options: [{text: def, correct: true}, {text: fun}]
"""


@pytest.fixture
def quiz(tmp_path: Path, app):
    load_catalog()
    (tmp_path / "placement.yml").write_text(QUIZ)
    return placement.load_placement(tmp_path)


def test_a_course_answered_right_is_marked_known(quiz):
    learner = make_user()
    outcome = placement.take_placement(
        learner.id, quiz, {"python-basics/p1": [1], "python-basics/p2": [0], "python-next/n1": [1]}
    )
    assert outcome.known_courses == ["python-basics"]
    assert (outcome.result.score, outcome.result.max_score) == (2, 3)
    rows = mastery_of(learner.id)
    assert rows["python-syntax"].placed and rows["python-syntax"].p_known >= 0.95
    assert db.session.get(LearningGoal, learner.id).tier == "intermediate"
    assert placement.check_against_catalog(quiz) == []
    # A section half right scores its right answers but is not known.
    half = placement.take_placement(
        make_user().id, quiz, {"python-basics/p1": [1], "python-basics/p2": [1], "python-next/n1": [0]}
    )
    assert half.known_courses == ["python-next"] and (half.result.score, half.result.max_score) == (2, 3)


def test_skipped_questions_count_as_not_known_and_are_listed(quiz):
    learner = make_user()
    outcome = placement.take_placement(learner.id, quiz, {"python-basics/p1": [1], "python-next/n1": [0]})
    assert outcome.unanswered == [2]  # numbered as the form shows them
    assert outcome.known_courses == ["python-next"]  # python-basics had p2 skipped: not known
    assert (outcome.result.score, outcome.result.max_score) == (2, 3)
    assert "python-syntax" not in mastery_of(learner.id)
    assert db.session.scalar(select(func.count()).select_from(PlacementResult)) == 1
    nothing = placement.take_placement(make_user().id, quiz, {})
    assert nothing.unanswered == [1, 2, 3] and nothing.known_courses == []


def test_unknown_modules_are_reported(quiz):
    quiz.sections[0].questions[0].module = "nope"
    assert placement.check_against_catalog(quiz) == ["placement.yml: python-basics has no module nope"]


def test_placement_page_posts_and_rejects_bad_values(make_app, tmp_path):
    (tmp_path / "placement.yml").write_text(QUIZ)
    app = make_app(COURSES_DIR=tmp_path)
    with app.app_context():
        load_catalog()
        learner = make_user()
        client = app.test_client()
        login(client, learner.email)
        assert client.get("/placement").status_code == 200
        assert client.post("/placement", data={"q-python-basics/p1": "x"}).status_code == 400
        assert "Skip any question you do not know" in client.get("/placement").get_data(as_text=True)
        page = client.post("/placement", data={"q-python-basics/p1": "1"}, follow_redirects=True)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Unanswered, so counted as not known yet: question(s) 2, 3." in text
        answers = {"q-python-basics/p1": "1", "q-python-basics/p2": "0", "q-python-next/n1": "0"}
        done = client.post("/placement", data=answers, follow_redirects=True).get_data(as_text=True)
        assert "Placement done" in done and "Unanswered" not in done
        assert db.session.scalar(select(func.count()).select_from(PlacementResult)) == 2
