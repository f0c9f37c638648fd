"""Keep the programme's daily buckets current as learning events are recorded."""

from __future__ import annotations

from flask import Flask

from lms.learning.models import LearningEvent
from lms.programme.services.buckets import record_event
from lms.signals import learning_event_recorded


def connect(app: Flask) -> None:
    """Called by create_app; blinker keeps one connection per receiver, so a second app adds none."""
    learning_event_recorded.connect(on_learning_event)


def on_learning_event(event: LearningEvent, **_extra) -> None:
    """Same transaction as the event; flushes only."""
    record_event(event)
