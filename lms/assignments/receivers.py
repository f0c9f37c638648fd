"""Reactions to other domains' signals: store nbgrader releases whenever courses are synced."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from lms.assignments import services
from lms.catalog.models import Item
from lms.catalog.sync import courses_synced
from lms.extensions import db


def connect(app: Flask) -> None:
    """Called by create_app. Blinker signals are process-wide and keep one connection per
    receiver, so the next app built in this process connects nothing twice."""
    courses_synced.connect(store_releases)


def store_releases(_report: Any, courses: list[tuple[Any, Any]] = (), **_: Any) -> None:
    """Each assignment's release (made by nbgrader while the files were checked) into the DB."""
    for course, spec in courses:
        items = {
            i.slug: i
            for i in db.session.scalars(select(Item).where(Item.course_id == course.id, Item.kind == "assignment"))
        }
        for module in spec.modules:
            for item_spec in module.items:
                if getattr(item_spec, "release", None) is not None and item_spec.slug in items:
                    services.store_release(items[item_spec.slug], item_spec.release)
