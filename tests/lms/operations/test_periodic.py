"""Periodic tasks: each scheduled slot runs once however many workers enqueue it (two real
`flask worker run` processes), a slot missed while no worker ran still runs within the grace,
and `flask worker periodic` lists the schedules with their last run."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db, queue
from lms.notifications.models import Notification, NotificationKind
from lms.operations import periodic
from lms.operations.models import PeriodicRun
from lms.operations.tasks import run_periodic
from lms.workshops import registration
from tests.factories import make_user
from tests.lms.assignments.helpers import Worker, wait_for
from tests.lms.workshops.helpers import make_workshop

REMINDERS = "lms.notifications.tasks.send_reminders"
NIGHTLY = "lms.recommend.tasks.nightly_fit"


def test_the_latest_slot_is_due_within_the_grace_and_never_before_its_minute():
    every_five, nightly = {"minute": "*/5"}, {"minute": "30", "hour": "3"}
    now = datetime(2026, 12, 7, 18, 13, 20, tzinfo=UTC)
    assert periodic.latest_slot(every_five, now, timedelta(hours=1)) == datetime(2026, 12, 7, 18, 10, tzinfo=UTC)
    assert periodic.latest_slot(every_five, now, timedelta(0)) is None  # 18:13 is no slot
    assert periodic.latest_slot(nightly, now, timedelta(hours=1)) is None  # 03:30 was long ago
    assert periodic.latest_slot(nightly, now, timedelta(days=1)) == datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
    assert periodic.latest_slot(nightly, datetime(2026, 12, 7, 3, 29, 59, tzinfo=UTC), timedelta(hours=1)) is None
    assert periodic.next_slot(nightly, now) == datetime(2026, 12, 8, 3, 30, tzinfo=UTC)


def test_a_slot_is_claimed_once_and_old_claims_are_pruned(app):
    slot = datetime(2026, 12, 7, 18, 10, tzinfo=UTC)
    assert periodic.claim(REMINDERS, slot, "a", 1) is True
    assert periodic.claim(REMINDERS, slot, "b", 2) is False
    assert periodic.claim(REMINDERS, slot + timedelta(minutes=5), "b", 2) is True
    db.session.add(PeriodicRun(task=REMINDERS, slot=utcnow() - timedelta(days=15), host="old", pid=3))
    db.session.flush()
    assert periodic.claim(NIGHTLY, slot, "a", 1) is True  # a claim prunes what is two weeks old
    db.session.commit()
    kept = db.session.execute(select(PeriodicRun.task, PeriodicRun.host).order_by(PeriodicRun.slot)).all()
    assert sorted(kept) == sorted([(REMINDERS, "a"), (REMINDERS, "b"), (NIGHTLY, "a")])


def test_the_second_run_of_a_slot_returns_at_once_and_the_cli_lists_the_last_run(app, runner):
    slot = utcnow().replace(second=0, microsecond=0).isoformat()
    assert run_periodic(REMINDERS, slot) == "workshops 0, assignments 0, paths 0"
    assert run_periodic(REMINDERS, slot) == "taken"
    run = db.session.scalars(select(PeriodicRun)).one()
    assert run.finished_at is not None and run.outcome == "workshops 0, assignments 0, paths 0"
    out = runner.invoke(args=["worker", "periodic"]).output
    assert f"{REMINDERS}  [*/5 * * * *]  next " in out
    assert f"{NIGHTLY}  [30 3 * * *]  next " in out and "last run: none kept" in out
    assert "workshops 0, assignments 0, paths 0" in out


def _ran(outputs: list[str], task: str) -> tuple[list[str], list[str]]:
    """The slots of `task` that the workers' logs say were run, and those found taken."""
    name = re.escape(task)
    text = "\n".join(outputs)
    ran = re.findall(rf"periodic {name} at (\S+): ran", text)
    taken = re.findall(rf"periodic {name} at (\S+): taken by another run", text)
    return ran, taken


def test_two_workers_run_each_slot_once(app):
    learner = make_user(email="seat@example.test")
    session = make_workshop(starts_in=timedelta(hours=3))
    registration.register(learner, session)
    db.session.commit()
    # The nightly slot (03:30 UTC) stays due all test long with a two-day grace: both workers
    # enqueue the same slot, so exactly one run and one "taken" are expected.
    env = {"GRADING_KERNEL_POOL": "0", "PERIODIC_CHECK_SECONDS": "0.2", "PERIODIC_GRACE_SECONDS": str(2 * 86400)}
    workers = [Worker(app.config, workers=1, **env), Worker(app.config, workers=1, **env)]
    try:
        outputs = lambda: [w.output() for w in workers]
        wait_for(lambda: sum(map(len, _ran(outputs(), NIGHTLY))) == 2, 120, "both workers' nightly slot")
        wait_for(lambda: sum(map(len, _ran(outputs(), REMINDERS))) >= 2, 60, "both workers' reminder slot")
    finally:
        for worker in workers:
            worker.stop()
    logs = [w.output() for w in workers]
    for task in (NIGHTLY, REMINDERS):
        ran, taken = _ran(logs, task)
        assert len(ran) == len(set(ran)), (task, logs)  # no slot ran twice
        assert set(taken) <= set(ran), (task, logs)
    ran, taken = _ran(logs, NIGHTLY)
    assert len(ran) == 1 and taken == ran, logs
    db.session.expire_all()
    runs = db.session.scalars(select(PeriodicRun).where(PeriodicRun.task == NIGHTLY)).all()
    assert [(r.slot.isoformat(), r.finished_at is not None) for r in runs] == [(ran[0], True)]
    reminders = db.session.scalars(select(Notification).where(Notification.user_id == learner.id)).all()
    assert [(r.kind, r.key) for r in reminders] == [
        (NotificationKind.WORKSHOP_REMINDER, f"session:{session.id}:24h:{session.starts_at.isoformat()}")
    ]


def test_every_registered_schedule_is_a_valid_crontab(app):
    schedules = queue.schedules()
    assert {REMINDERS, NIGHTLY} <= set(schedules)
    for task, crontab in schedules.items():
        periodic.matcher(crontab)  # raises ValueError for a field Huey cannot read
        assert callable(queue.function(task))


def test_a_run_that_fails_keeps_its_slot_and_the_reason(app):
    slot = datetime(2026, 12, 7, 18, 10, tzinfo=UTC)
    gone = "lms.removed.tasks.old_job"  # enqueued before a deploy that removed the task
    assert run_periodic(gone, slot.isoformat()).startswith("failed: KeyError")
    run = db.session.get(PeriodicRun, (gone, slot))
    assert run.finished_at is not None and run.outcome == f"failed: KeyError: '{gone}'"
    assert run_periodic(gone, slot.isoformat()) == "taken"
