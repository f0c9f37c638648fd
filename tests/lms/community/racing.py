"""Two requests by one person racing: each in its own thread, app context and session, as in
production, both held at their flush until the other gets there too, so both have passed every
"already done?" check and the database's constraint decides."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.community import services
from lms.community.models import Post
from lms.extensions import db


def race_twice(app, user_id: int, post_id: int, row_type: type, act: Callable[[User, Post], object], done: str):
    """Run `act(user, post)` in two racing requests, held at the flush that adds a `row_type` row.
    Returns each request's outcome, sorted: `done`, or the CommunityError's message."""
    barrier = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []
    errors: list[Exception] = []

    def hold(session, _context, _instances) -> None:
        if any(isinstance(o, row_type) for o in session.new):
            barrier.wait()

    def request() -> None:
        try:
            with app.app_context():
                try:
                    act(db.session.get(User, user_id), db.session.get(Post, post_id))
                    db.session.commit()
                    outcomes.append(done)
                except services.CommunityError as exc:
                    db.session.rollback()
                    outcomes.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the test's thread
            errors.append(exc)

    event.listen(Session, "before_flush", hold)
    try:
        racers = [threading.Thread(target=request) for _ in range(2)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=60)
    finally:
        event.remove(Session, "before_flush", hold)
    assert errors == []
    return sorted(outcomes)
