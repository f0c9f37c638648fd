"""Mastery and dashboards follow the event log and the catalog: reactions to other domains' signals."""

from __future__ import annotations

from typing import Any

from flask import Flask

from lms.catalog.sync import courses_synced
from lms.learning.models import PROGRESS_KINDS, LearningEvent
from lms.recommend.freshness import bump_everyone, bump_learners
from lms.recommend.mastery import apply_event
from lms.signals import learning_event_recorded, profile_saved


def connect(app: Flask) -> None:
    """Called by create_app. Blinker signals are process-wide and keep one connection per
    receiver, so the next app built in this process connects nothing twice."""
    learning_event_recorded.connect(update_mastery)
    courses_synced.connect(refresh_every_dashboard)
    profile_saved.connect(refresh_after_profile)


def update_mastery(event: LearningEvent, **_extra) -> None:
    """One BKT step per skill of the event's module (in the same transaction: flush only).

    Any progress event changes the learner's progress or recommendations, so their next dashboard is
    rebuilt: flushed mastery rows already gave them a new version (freshness's flush listener); else bump here."""
    if event.kind not in PROGRESS_KINDS:
        return
    if not apply_event(event):
        bump_learners([event.user_id])


def refresh_every_dashboard(_report: Any, **_extra: Any) -> None:
    """Titles, items, modules and prerequisites may have changed for everyone."""
    bump_everyone()


def refresh_after_profile(profile: Any, **_extra: Any) -> None:
    """Interests order equally good recommendations: the learner's next dashboard is built again."""
    bump_learners([profile.user_id])
