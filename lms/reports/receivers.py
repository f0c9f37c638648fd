"""Keep reports' read model current as learning events are recorded."""

from __future__ import annotations

from flask import Flask

from lms.learning.models import PROGRESS_KINDS, LearningEvent
from lms.reports.progress import note_activity, refresh_progress
from lms.signals import learning_event_recorded


def connect(app: Flask) -> None:
    """Called by create_app. Blinker signals are process-wide and keep one connection per
    receiver, so the next app built in this process connects nothing twice."""
    learning_event_recorded.connect(on_learning_event)


def on_learning_event(event: LearningEvent, **_extra) -> None:
    """Recompute the (learner, course) row and note the week as active, in the same transaction."""
    if event.kind not in PROGRESS_KINDS:
        return
    refresh_progress(event.user_id, event.course_id)
    note_activity(event.user_id, event.occurred_at)
