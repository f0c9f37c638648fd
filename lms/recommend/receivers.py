"""Mastery follows the event log: each recorded event updates the learner's skills at once."""

from __future__ import annotations

from lms.learning.models import LearningEvent
from lms.recommend.mastery import apply_event
from lms.signals import learning_event_recorded


@learning_event_recorded.connect
def update_mastery(event: LearningEvent, **_extra) -> None:
    """One BKT step per skill of the event's module (in the same transaction: flush only)."""
    apply_event(event)
