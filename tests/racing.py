"""Two requests by one person racing: each in its own thread, app context and session, as in
production, both held at their flush until the other gets there too, so both have passed every
"already done?" check and the database's constraint decides."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session


def race_twice(app, row_type: type, act: Callable[[], object], done: str, refused: type[Exception]) -> list[str]:
    """Run `act()` (it loads its rows in the racing request's session) in two racing requests, held
    at the flush that adds a `row_type` row. Returns each request's outcome, sorted: `done`, or the
    message of the `refused` error it raised."""
    from lms.extensions import db

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
                    act()
                    db.session.commit()
                    outcomes.append(done)
                except refused as exc:
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
