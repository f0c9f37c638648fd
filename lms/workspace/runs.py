"""Interactive runs of a draft: what runs (visible tests only), who may start one, and how often."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.workspace import notebook
from lms.workspace.models import Run
from lms.workspace.notebook import NotebookError
from lms.workspace.services import Workspace


@dataclass(frozen=True)
class Step:
    """One code cell to execute: the learner's answer or the release's own (read-only) source."""

    key: str
    code: str
    test: bool
    points: float = 0.0  # a test cell's points: "passed" means the grade would give them all


def plan(ws: Workspace, target: str | None) -> list[Step]:
    """Code cells from the top down to `target` (all when None) and, for an answer cell, the
    test cells right after it; all run in one fresh kernel.

    Sources come from the release notebook, where nbgrader already removed solutions and
    hidden tests, and from the draft for answer cells only: hidden tests never reach a run."""
    cells = notebook.merged(ws.release, ws.answers)
    if target is not None and target not in {c.key for c in cells if c.cell_type == "code"}:
        raise NotebookError(
            "unknown_cell", _l("The cell %(cell)s is not a code cell of this notebook.", cell=repr(target[:60]))
        )
    steps: list[Step] = []
    checking = False  # after an answer cell, its tests run too (Run on an answer shows its checks)
    for cell in cells:
        if cell.cell_type != "code":
            continue
        if checking and not cell.test:
            break
        steps.append(Step(cell.key, cell.source, cell.test, cell.points))
        if cell.key == target:
            if not cell.answer:
                break
            checking = True
    return steps


def start_run(
    ws: Workspace, user: User, item_id: int, target: str | None, *, per_minute: int, stale_after: float
) -> tuple[Run, list[Step]]:
    """Record a queued run, refusing a second run at once or more than `per_minute` a minute."""
    steps = plan(ws, target)
    now = utcnow()
    active = db.session.scalar(
        select(func.count()).where(
            Run.user_id == user.id,
            Run.state.in_(("queued", "running")),
            Run.created_at > now - timedelta(seconds=stale_after),
        )
    )
    if active:
        raise NotebookError("busy", _l("Your previous run is still going: wait for it to finish, then run again."))
    recent = db.session.scalar(
        select(func.count()).where(Run.user_id == user.id, Run.created_at > now - timedelta(seconds=60))
    )
    if recent >= per_minute:
        raise NotebookError(
            "rate_limited",
            _l("You can run code %(n)s times a minute. Wait a few seconds and run again.", n=per_minute),
        )
    run = Run(
        token=secrets.token_hex(16), user_id=user.id, item_id=item_id, state="queued", target=target,
        results={s.key: {"status": "pending", "outputs": [], "test": s.test} for s in steps}, created_at=now,
    )  # fmt: skip
    db.session.add(run)
    db.session.flush()
    return run, steps


def visible_run(user: User, token: str) -> Run | None:
    """A run only the learner who started it may read (None for anyone else's)."""
    run = db.session.scalar(select(Run).where(Run.token == token))
    return run if run is not None and run.user_id == user.id else None


def run_status(run: Run) -> dict[str, Any]:
    """What the page polls: the state, per-cell results so far, and why it stopped if it did."""
    return {
        "state": run.state,
        "done": run.state in ("done", "failed"),
        "results": run.results,
        "error": run.error,
    }
