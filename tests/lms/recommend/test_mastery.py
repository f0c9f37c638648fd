"""Mastery follows each graded event at once (no refit), and `flask recommend fit` agrees with it."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.learning import services as learning
from lms.recommend import bkt
from lms.recommend.fitting import fit_all
from lms.recommend.mastery import mastery_of
from lms.recommend.models import SkillMastery, SkillParameter
from tests.factories import item, make_user, quick_users
from tests.lms.recommend.helpers import RIGHT, WRONG


def test_graded_events_update_mastery_incrementally(catalog):
    learner = make_user()
    learning.enroll(learner.id, catalog["python-basics"])
    assert mastery_of(learner.id) == {}  # enrolling says nothing about skills
    learning.complete_lesson(learner.id, item("01-hello"))
    after_lesson = mastery_of(learner.id)["python-syntax"].p_known
    assert after_lesson == pytest.approx(bkt.step(bkt.DEFAULTS.prior, bkt.DEFAULTS, None))
    learning.submit_quiz(learner.id, item("basics"), WRONG)
    row = mastery_of(learner.id)["python-syntax"]
    assert row.p_known == pytest.approx(bkt.step(after_lesson, bkt.DEFAULTS, False))
    assert (row.observations, row.correct, row.last_passed, row.last_score_pct) == (1, 0, False, 0.0)
    learning.submit_quiz(learner.id, item("basics"), RIGHT)
    row = mastery_of(learner.id)["python-syntax"]
    assert (row.observations, row.correct, row.last_passed) == (2, 1, True)
    # An assignment grade counts for its module's skills (defaulting to the course tags).
    learning.record_event(
        learner.id, catalog["python-basics"].id, "assignment_graded", item_id=item("add").id, score=2, max_score=5
    )
    assert mastery_of(learner.id)["python"].last_passed is False


def test_fit_recomputes_the_same_mastery_with_default_parameters(app, catalog, runner):
    learner = make_user()
    learning.enroll(learner.id, catalog["python-basics"])
    learning.complete_lesson(learner.id, item("01-hello"))
    learning.submit_quiz(learner.id, item("basics"), WRONG)
    learning.submit_quiz(learner.id, item("basics"), RIGHT)
    db.session.commit()
    before = mastery_of(learner.id)["python-syntax"].p_known
    result = runner.invoke(args=["recommend", "fit"])
    assert result.exit_code == 0, result.output
    assert "kept the defaults" in result.output
    db.session.expire_all()
    # Too few learners to fit: defaults are kept, so the recomputed mastery equals the incremental one.
    param = db.session.get(SkillParameter, "python-syntax")
    assert param.fitted is False and param.prior == pytest.approx(bkt.DEFAULTS.prior)
    row = db.session.scalar(
        select(SkillMastery).where(SkillMastery.user_id == learner.id, SkillMastery.skill == "python-syntax")
    )
    assert row.p_known == pytest.approx(before)
    assert (row.observations, row.correct, row.last_passed) == (2, 1, True)


def test_fit_learns_parameters_when_there_is_data(app, catalog):
    rng = np.random.default_rng(2)
    course = catalog["python-basics"]
    quiz = item("basics")
    for learner_id in quick_users(40):
        learning.enroll(learner_id, course)
        knows = rng.random() < 0.5
        for _attempt in range(3):
            right = rng.random() < (0.9 if knows else 0.2)
            learning.submit_quiz(learner_id, quiz, RIGHT if right else WRONG)
            knows = knows or rng.random() < 0.3
    report = fit_all()
    assert report.fitted >= 1 and report.learners == 40
    param = db.session.get(SkillParameter, "python-syntax")
    assert param.fitted and param.learners == 40 and param.observations == 120
    assert 0 < param.guess < 0.4 and 0 < param.slip < 0.4
