"""Classical item analysis of quiz and exam questions: share correct and upper-lower discrimination.

Attempts are ranked by their total score; the upper and lower groups are the top and bottom 27 %
(Kelley's split). A question's discrimination D = p_upper - p_lower: near 1 it separates those who
know the material from those who do not, near 0 (or below) it does not. Below five learners a
question shows counts only: a share or a D over so few people means nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from markupsafe import Markup

GROUP_SHARE = 0.27
MIN_LEARNERS = 5
LOW_DISCRIMINATION = 0.2
VERY_EASY = 0.9  # share correct at or above
VERY_HARD = 0.2  # share correct at or below

_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")


class Flag(StrEnum):
    VERY_EASY = "very_easy"
    VERY_HARD = "very_hard"
    LOW_DISCRIMINATION = "low_discrimination"


@dataclass(frozen=True)
class Scored:
    """One counted attempt: its percent over the questions it was asked and each one's verdict."""

    percent: float
    verdicts: dict[str, bool]


@dataclass(frozen=True)
class QuestionStats:
    id: str
    label: str  # the prompt as plain text, shortened
    answered: int  # counted attempts that were asked this question
    correct: int
    upper: float | None  # share correct in the upper group (None below MIN_LEARNERS)
    lower: float | None
    discrimination: float | None

    @property
    def share(self) -> float | None:
        return self.correct / self.answered if self.answered else None

    @property
    def flags(self) -> list[Flag]:
        """What an instructor should look at; nothing below MIN_LEARNERS."""
        if self.answered < MIN_LEARNERS or self.share is None:
            return []
        flags = []
        if self.share >= VERY_EASY:
            flags.append(Flag.VERY_EASY)
        if self.share <= VERY_HARD:
            flags.append(Flag.VERY_HARD)
        if self.discrimination is not None and self.discrimination < LOW_DISCRIMINATION:
            flags.append(Flag.LOW_DISCRIMINATION)
        return flags


def marker(questions: Sequence[dict[str, Any]]) -> Callable[[Iterable[str], dict[str, Any] | None], Scored | None]:
    """Re-marks attempts against the questions as they are now (all-or-nothing per question, as the
    quiz and the exam mark); questions since removed are left out, None if none is left."""
    key = {q["id"]: (sorted(q["correct"]), float(q["points"])) for q in questions}

    def mark(asked: Iterable[str], answers: dict[str, Any] | None) -> Scored | None:
        answers = answers or {}
        verdicts: dict[str, bool] = {}
        got = total = 0.0
        for qid in asked:
            if qid not in key:
                continue
            correct, points = key[qid]
            right = sorted(set(answers.get(qid) or [])) == correct
            verdicts[qid] = right
            total += points
            got += points if right else 0
        return Scored(100 * got / total if total else 0.0, verdicts) if verdicts else None

    return mark


def group_size(learners: int) -> int:
    """How many attempts the upper and the lower group each hold: 27 %, rounded half up; 0 when too few."""
    return int(GROUP_SHARE * learners + 0.5) if learners >= MIN_LEARNERS else 0


def analyse(questions: Sequence[dict[str, Any]], attempts: Sequence[Scored]) -> list[QuestionStats]:
    """Share correct and discrimination of each question over these attempts (one per learner, in
    the order they were submitted: on equal scores the earlier ranks higher)."""
    ranked = sorted(attempts, key=lambda a: -a.percent)  # stable
    k = group_size(len(ranked))
    upper, lower = ranked[:k], ranked[len(ranked) - k :] if k else []
    stats = []
    for q in questions:
        verdicts = [a.verdicts[q["id"]] for a in attempts if q["id"] in a.verdicts]
        p_upper, p_lower = _share(upper, q["id"]), _share(lower, q["id"])
        if len(verdicts) < MIN_LEARNERS or p_upper is None or p_lower is None:
            p_upper = p_lower = None
        stats.append(
            QuestionStats(
                id=q["id"],
                label=_plain(q.get("prompt_html", "")) or q["id"],
                answered=len(verdicts),
                correct=sum(verdicts),
                upper=p_upper,
                lower=p_lower,
                discrimination=None if p_upper is None or p_lower is None else p_upper - p_lower,
            )
        )
    return stats


def _share(group: Sequence[Scored], qid: str) -> float | None:
    verdicts = [a.verdicts[qid] for a in group if qid in a.verdicts]
    return sum(verdicts) / len(verdicts) if verdicts else None


def _plain(html: str, limit: int = 140) -> str:
    text = " ".join(Markup(html).striptags().split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_line(message: str | None) -> str:
    """The line that names a failed test's error, numbers replaced by # so that "expected 5, got 3"
    and "expected 7, got 4" group together: the first line that starts with an exception name (a
    traceback's last lines end with it), else the message's first line; "" for no message."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    if not lines:
        return ""
    line = next((ln for ln in lines if _EXCEPTION_LINE.match(ln)), lines[0])
    return _NUMBER.sub("#", line)[:200]
