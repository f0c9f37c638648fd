"""The numpy BKT: updates follow Bayes' rule, the EM recovers known parameters from simulated answers."""

from __future__ import annotations

import numpy as np
import pytest

from lms.recommend import bkt


def test_update_is_bayes_then_learning():
    params = bkt.Params(prior=0.3, learn=0.1, guess=0.2, slip=0.1)
    # P(known | right) = .3*.9 / (.3*.9 + .7*.2) = .6585..., then learning: p + (1-p)*.1
    expected = 0.27 / 0.41
    assert bkt.step(0.3, params, True) == pytest.approx(expected + (1 - expected) * 0.1)
    assert bkt.step(0.3, params, False) < 0.3  # a wrong answer lowers the estimate
    assert bkt.step(0.3, params, None) == pytest.approx(0.3 + 0.7 * 0.1)  # a lesson: learning only
    assert bkt.posterior(0.3, params, 1.0) == pytest.approx(bkt.posterior(0.3, params, True))


def test_batched_forward_pass_matches_step_by_step_trace():
    rng = np.random.default_rng(3)
    theta = np.array([[0.2, 0.4], [0.2, 0.1], [0.2, 0.25], [0.1, 0.05], [0.0, 0.02]])
    sequences = [list(rng.choice([0, 1, bkt.MISSING], size=rng.integers(1, 9))) for _ in range(40)]
    skills = [n % 2 for n in range(40)]
    starts = [0.97 if n == 5 else np.nan for n in range(40)]
    final = bkt.final_mastery(bkt.Batch.build(skills, sequences, starts), theta)
    for n in range(40):
        params = bkt.Params(*theta[:, skills[n]])
        expected = bkt.trace(sequences[n], params, 0.97 if n == 5 else None)
        assert final[n] == pytest.approx(expected)


def test_em_recovers_known_parameters():
    """600 simulated learners x 4 skills x 8 answers: MAE <= 0.03 (the bench checks 2,000 at <= 0.05)."""
    rng = np.random.default_rng(11)
    theta = np.array(
        [
            [0.1, 0.3, 0.45, 0.2],
            [0.3, 0.15, 0.4, 0.5],
            [0.15, 0.25, 0.2, 0.1],
            [0.1, 0.05, 0.15, 0.1],
            [0.0, 0.0, 0.0, 0.0],
        ]
    )
    skills, sequences, _ = bkt.simulate(theta, 600, 8, rng)
    result = bkt.fit(bkt.Batch.build(skills, sequences), 4)
    errors = np.abs(result.theta[:4] - theta[:4])
    assert errors.mean() <= 0.03, errors
    assert errors.max() <= 0.1, errors


def test_scarce_data_stay_near_the_defaults():
    result = bkt.fit(bkt.Batch.build([0], [[1]]), 1)
    assert np.abs(result.theta[:4, 0] - bkt.DEFAULTS.as_array()[:4]).max() < 0.25
    assert bkt.fit(bkt.Batch.build([], []), 0).iterations == 0
