"""Keep the programme's daily buckets current as learning events are recorded."""

from __future__ import annotations

from flask import Flask

from lms.developers.models import Segment
from lms.learning.models import LearningEvent
from lms.programme.services.buckets import rebuild_segment, record_event
from lms.signals import learning_event_recorded, segment_recomputed


def connect(app: Flask) -> None:
    """Called by create_app; blinker keeps one connection per receiver, so a second app adds none."""
    learning_event_recorded.connect(on_learning_event)
    segment_recomputed.connect(on_segment_recomputed)


def on_learning_event(event: LearningEvent, **_extra) -> None:
    """Same transaction as the event; flushes only."""
    record_event(event)


def on_segment_recomputed(segment: Segment, **_extra) -> None:
    """Its members changed: its daily counters again (same transaction, flushes only)."""
    rebuild_segment(segment.id)
