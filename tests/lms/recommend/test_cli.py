"""`flask recommend show|check-placement|fit --forgetting` through the CLI runner."""

from __future__ import annotations

from lms.extensions import db
from lms.learning import services as learning
from tests.factories import item, make_user
from tests.lms.recommend.helpers import WRONG, load_catalog


def test_show_prints_reasons(app, runner):
    catalog = load_catalog()
    learner = make_user()
    learning.enroll(learner.id, catalog["python-basics"])
    learning.submit_quiz(learner.id, item("basics"), WRONG)
    db.session.commit()
    result = runner.invoke(args=["recommend", "show", learner.email])
    assert result.exit_code == 0 and "review Getting started before Practice" in result.output
    assert runner.invoke(args=["recommend", "show", "nobody@example.com"]).exit_code != 0
    assert runner.invoke(args=["recommend", "fit", "--forgetting"]).exit_code == 0


def test_check_placement_without_file(app, runner):
    result = runner.invoke(args=["recommend", "check-placement"])
    assert result.exit_code != 0 and "no placement quiz" in result.output
