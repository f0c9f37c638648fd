"""Deadline rules from the course file: due date, late penalty, cut-off, which attempt counts."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lms.assignments.models import Grade, Submission, SubmissionState

DAY = 86_400.0


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Policy:
    """One assignment's rules; `extension` (a learner's own due date) moves due and cut-off."""

    due: datetime | None = None
    late_penalty: float = 0.0  # percent per day, or part of one, after the due date
    cutoff: datetime | None = None
    keep: str = "best"  # best | last

    @classmethod
    def of(cls, data: dict[str, Any]) -> Policy:
        """Read the rules stored in an assignment item's data by course sync."""
        return cls(
            _when(data.get("due")),
            float(data.get("late_penalty") or 0),
            _when(data.get("cutoff")),
            data.get("keep") or "best",
        )

    def due_for(self, extension: datetime | None) -> datetime | None:
        """The learner's due date: their extension if they have one."""
        return extension or self.due

    def cutoff_for(self, extension: datetime | None) -> datetime | None:
        """The last moment an upload is accepted; an extension past the cut-off moves it."""
        if self.cutoff is None:
            return None
        return max(self.cutoff, extension) if extension else self.cutoff

    def days_late(self, received_at: datetime, extension: datetime | None = None) -> int:
        """Whole days (a started day counts) between the learner's due date and receipt."""
        due = self.due_for(extension)
        if due is None or received_at <= due:
            return 0
        return math.ceil((received_at - due).total_seconds() / DAY)

    def penalty(self, received_at: datetime, extension: datetime | None = None) -> float:
        """Percent taken off the score for lateness (0-100)."""
        return min(100.0, self.days_late(received_at, extension) * self.late_penalty)

    def penalized(self, grade: Grade, received_at: datetime, extension: datetime | None = None) -> float:
        """Autograded plus manual points, less the late penalty (before the instructor's adjustment)."""
        return round(grade.raw_score * (1 - self.penalty(received_at, extension) / 100), 4)

    def score(self, grade: Grade, received_at: datetime, extension: datetime | None = None) -> float:
        """The score that counts everywhere: penalized points plus the instructor's adjustment, kept
        within 0..max (a regrade may move the points under an adjustment given before it)."""
        adjusted = self.penalized(grade, received_at, extension) + grade.adjustment
        return round(min(max(adjusted, 0.0), grade.max_score), 4)

    def counting(self, submissions: Iterable[Submission], extension: datetime | None = None) -> Submission | None:
        """The graded submission that counts: the best score, or the last one received."""
        graded = [s for s in submissions if s.state == SubmissionState.GRADED and s.grade is not None]
        if not graded:
            return None
        if self.keep == "last":
            return max(graded, key=lambda s: (s.received_at, s.id))
        return max(graded, key=lambda s: (self.score(s.grade, s.received_at, extension), -s.id))
