"""Segments follow profiles: a saved profile moves its owner in or out of each segment at once."""

from __future__ import annotations

from typing import Any

from flask import Flask

from lms.developers.models import DeveloperProfile
from lms.developers.services.segments import refresh_person
from lms.signals import profile_saved


def connect(app: Flask) -> None:
    """Called by create_app (blinker keeps one connection per receiver, however many apps)."""
    profile_saved.connect(on_profile_saved)


def on_profile_saved(profile: DeveloperProfile, **_extra: Any) -> None:
    """Same transaction as the profile: flush only."""
    refresh_person(profile.user_id)
