"""Bayesian Knowledge Tracing in plain numpy: incremental update, batched EM fit, simulation.

No Flask here: the web app, the CLI and the benchmarks all call these functions.
A learner's history on one skill is a sequence of steps; a step is the evidence of a graded
answer, from 0 (wrong) to 1 (right), or MISSING (-1: a learning opportunity with no evidence,
e.g. a lesson read). After every step the learner may learn (`learn`) or forget (`forget`).
Partial credit q is soft evidence, read as "right with probability q":
P(q | known) = q(1-slip) + (1-q)slip and P(q | not known) = q guess + (1-q)(1-guess), so 0 and 1
are plain BKT; the EM counts q as a fraction of a right answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MISSING = -1
PARAM_NAMES = ("prior", "learn", "guess", "slip", "forget")
# Guess and slip stay below 0.4 so that "mastered" keeps its meaning (the EM would otherwise be
# free to swap the two states); every probability stays away from 0 and 1.
UPPER = np.array([0.99, 0.95, 0.4, 0.4, 0.5])
LOWER = 1e-4


@dataclass(frozen=True)
class Params:
    """The four BKT parameters plus optional forgetting; defaults are used where data are scarce."""

    prior: float = 0.2
    learn: float = 0.15
    guess: float = 0.2
    slip: float = 0.1
    forget: float = 0.0

    def as_array(self) -> np.ndarray:
        return np.array([self.prior, self.learn, self.guess, self.slip, self.forget])


DEFAULTS = Params()


def posterior(p_known: float, params: Params, evidence: float) -> float:
    """P(known | this answer), by Bayes' rule with guess and slip; evidence in [0, 1]."""
    q = min(max(float(evidence), 0.0), 1.0)
    hit = p_known * (q * (1 - params.slip) + (1 - q) * params.slip)
    miss = (1 - p_known) * (q * params.guess + (1 - q) * (1 - params.guess))
    return hit / (hit + miss)


def step(p_known: float, params: Params, evidence: float | None) -> float:
    """One opportunity: evidence (if any), then learning and forgetting; returns P(known) now."""
    if evidence is not None:
        p_known = posterior(p_known, params, evidence)
    return p_known * (1 - params.forget) + (1 - p_known) * params.learn


def trace(observations: Sequence[float], params: Params, start: float | None = None) -> float:
    """P(known) after a whole sequence of steps (evidence in [0, 1] or MISSING)."""
    p = params.prior if start is None else start
    for o in observations:
        p = step(p, params, None if o == MISSING else o)
    return p


@dataclass
class Batch:
    """Distinct sequences with their counts, sorted longest first so that step t works on a prefix.

    Histories repeat a lot (same skill, same answers), so each distinct one is computed once
    and weighted by how many learners have it: a large log shrinks to a few thousand rows.
    """

    skill: np.ndarray  # (U,) skill index of each distinct sequence
    start: np.ndarray  # (U,) starting P(known), NaN for "the skill's prior"
    weight: np.ndarray  # (U,) how many of the caller's sequences it stands for
    lengths: np.ndarray  # (U,)
    steps: list[np.ndarray]  # steps[t]: observation at t of the first active[t] sequences
    inverse: np.ndarray  # (N,) for each of the caller's sequences, its distinct row

    @classmethod
    def build(cls, skills: Sequence[int], sequences: Sequence[Sequence[float]], starts=None) -> Batch:
        """Pack (skill, [steps]) pairs; `starts` optionally gives a known starting P(known) per pair."""
        if starts is None:
            starts = [np.nan] * len(sequences)
        rows: dict[tuple, int] = {}
        inverse = np.empty(len(sequences), dtype=np.int64)
        for n, (skill, seq, start) in enumerate(zip(skills, sequences, starts, strict=True)):
            key = (int(skill), -1.0 if start != start else float(start), tuple(seq))  # NaN != NaN
            inverse[n] = rows.setdefault(key, len(rows))
        keys = list(rows)
        weight = np.bincount(inverse, minlength=len(keys)).astype(float)
        lengths = np.fromiter((len(k[2]) for k in keys), dtype=np.int64, count=len(keys))
        order = np.argsort(-lengths, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        flat = np.fromiter((o for k in keys for o in k[2]), dtype=np.float64, count=int(lengths.sum()))
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)[order]
        lengths = lengths[order]
        steps, t = [], 0
        while len(lengths) and t < lengths[0]:
            active = int(np.searchsorted(-lengths, -t, side="left"))  # how many are longer than t
            steps.append(flat[offsets[:active] + t])
            t += 1
        skill = np.fromiter((k[0] for k in keys), dtype=np.int64, count=len(keys))[order]
        start = np.array([np.nan if k[1] < 0 else k[1] for k in keys], dtype=float)[order]
        return cls(skill, start, weight[order], lengths, steps, rank[inverse])


def _emissions(obs: np.ndarray, guess: np.ndarray, slip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    missing = obs == MISSING
    e0 = (1 - guess) + obs * (2 * guess - 1)  # q guess + (1-q)(1-guess)
    e1 = slip + obs * (1 - 2 * slip)  # q (1-slip) + (1-q) slip
    e0[missing] = 1.0
    e1[missing] = 1.0
    return e0, e1


def _forward(batch: Batch, theta: np.ndarray):
    """Scaled forward pass; returns per-step (a0, a1, c, e0, e1) and each sequence's final P(known)."""
    per = theta[:, batch.skill]  # (5, N)
    prior, learn, guess, slip, forget = per
    p0 = np.where(np.isnan(batch.start), prior, batch.start)
    out, final = [], np.empty(len(batch.skill))
    a0 = a1 = None
    for t, obs in enumerate(batch.steps):
        n = len(obs)
        e0, e1 = _emissions(obs, guess[:n], slip[:n])
        pred1 = p0[:n] if t == 0 else a0[:n] * learn[:n] + a1[:n] * (1 - forget[:n])
        a0, a1 = (1 - pred1) * e0, pred1 * e1
        c = a0 + a1
        a0, a1 = a0 / c, a1 / c
        out.append((a0, a1, c, e0, e1))
        ending = batch.lengths[:n] == t + 1
        final[:n][ending] = (a0 * learn[:n] + a1 * (1 - forget[:n]))[ending]
    return out, final


def final_mastery(batch: Batch, theta: np.ndarray) -> np.ndarray:
    """P(known) after each sequence, in the caller's order (one forward pass, no fitting)."""
    _, final = _forward(batch, theta)
    return final[batch.inverse]


def _expected_counts(batch: Batch, theta: np.ndarray, n_skills: int) -> tuple[np.ndarray, np.ndarray, float]:
    """E step: expected numerators and denominators of each parameter per skill, and the log-likelihood."""
    fwd, _ = _forward(batch, theta)
    learn, forget, weight = theta[1, batch.skill], theta[4, batch.skill], batch.weight
    num, den = np.zeros((5, n_skills)), np.zeros((5, n_skills))
    loglik = 0.0
    b0 = b1 = None
    for t in range(len(fwd) - 1, -1, -1):
        a0, a1, c, e0, e1 = fwd[t]
        n = len(a0)
        skill = batch.skill[:n]
        if t == len(fwd) - 1:
            b0, b1 = np.ones(n), np.ones(n)
        else:
            _, _, c_next, e0_next, e1_next = fwd[t + 1]
            m = len(c_next)  # sequences that go on to step t+1
            x0, x1 = e0_next * b0 / c_next, e1_next * b1 / c_next
            lr, f, w = learn[:m], forget[:m], weight[:m]
            num[1] += np.bincount(skill[:m], w * a0[:m] * lr * x1, n_skills)
            num[4] += np.bincount(skill[:m], w * a1[:m] * f * x0, n_skills)
            nb0, nb1 = np.ones(n), np.ones(n)
            nb0[:m], nb1[:m] = (1 - lr) * x0 + lr * x1, f * x0 + (1 - f) * x1
            b0, b1 = nb0, nb1
            den[1] += np.bincount(skill[:m], w * a0[:m] * b0[:m], n_skills)
            den[4] += np.bincount(skill[:m], w * a1[:m] * b1[:m], n_skills)
        w = weight[:n]
        g0, g1 = w * a0 * b0, w * a1 * b1
        obs = batch.steps[t]
        seen = obs != MISSING
        right = np.where(seen, obs, 0.0)  # partial credit counts as part of a right answer
        num[2] += np.bincount(skill, g0 * right, n_skills)
        den[2] += np.bincount(skill, g0 * seen, n_skills)
        num[3] += np.bincount(skill, g1 * (seen - right), n_skills)
        den[3] += np.bincount(skill, g1 * seen, n_skills)
        loglik += float((w * np.log(c)).sum())
        if t == 0:
            free = np.isnan(batch.start[:n])  # a placement-given start says nothing about the prior
            num[0] += np.bincount(skill, g1 * free, n_skills)
            den[0] += np.bincount(skill, w * free, n_skills)
    return num, den, loglik


@dataclass
class FitResult:
    theta: np.ndarray  # (5, n_skills) in PARAM_NAMES order
    loglik: float
    iterations: int


def fit(
    batch: Batch,
    n_skills: int,
    *,
    init: Params = DEFAULTS,
    fit_forgetting: bool = False,
    pseudocount: float = 2.0,
    max_iter: int = 200,
    tol: float = 1e-4,
) -> FitResult:
    """EM (Baum-Welch) for every skill at once; `pseudocount` pulls scarce skills towards `init`."""
    theta = np.tile(init.as_array()[:, None], (1, n_skills))
    anchor = theta.copy()
    loglik, iterations = -np.inf, 0
    if n_skills == 0 or not batch.steps:
        return FitResult(theta, 0.0, 0)
    for iterations in range(1, max_iter + 1):  # noqa: B007
        num, den, loglik = _expected_counts(batch, theta, n_skills)
        new = (num + pseudocount * anchor) / (den + pseudocount)
        new = np.clip(new, LOWER, UPPER[:, None])
        if not fit_forgetting:
            new[4] = init.forget
        change = float(np.abs(new - theta).max())
        theta = new
        if change < tol:
            break
    return FitResult(theta, loglik, iterations)


def simulate(
    theta: np.ndarray, n_learners: int, n_steps: int, rng: np.random.Generator
) -> tuple[list[int], list[list[int]], np.ndarray]:
    """Sequences of graded answers from known parameters (one per learner and skill), for tests."""
    n_skills = theta.shape[1]
    prior, learn, guess, slip, forget = (np.repeat(theta[k], n_learners) for k in range(5))
    known = rng.random(prior.shape) < prior
    obs = np.empty((n_steps, prior.size), dtype=np.int8)
    for t in range(n_steps):
        p_right = np.where(known, 1 - slip, guess)
        obs[t] = rng.random(prior.size) < p_right
        known = np.where(known, rng.random(prior.size) >= forget, rng.random(prior.size) < learn)
    skills = list(np.repeat(np.arange(n_skills), n_learners))
    return skills, obs.T.tolist(), known
