"""The run job: execute a draft's cells in one fresh sandbox, storing outputs per cell.

Test cells run exactly as in final grading (grading.engine.Cells): in the checker, or in the
kernel when the instructor marked them so, so "passed" here means what the grade will say."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app

import grading
from lms.assignments.worker import limits as grading_limits
from lms.db import utcnow
from lms.extensions import db
from lms.workspace import outputs
from lms.workspace.models import Run
from lms.workspace.runner import WorkspaceRunner, get_runner
from lms.workspace.runs import Step

log = logging.getLogger(__name__)


def runner_for(config: dict[str, Any]) -> WorkspaceRunner:
    """The run pool with the grading limits (the same limits as final grading), started on first use."""
    return get_runner(
        lambda: WorkspaceRunner(
            grading_limits(config), threads=config["WORKSPACE_RUN_THREADS"], kernels=config["WORKSPACE_KERNEL_POOL"]
        )
    )


def enqueue_run(run_id: int, steps: list[Step], release: grading.Release) -> None:
    """Hand a committed run to the pool; the page polls its row for outputs."""
    app = current_app._get_current_object()
    runner_for(app.config).submit(execute_run, app, run_id, steps, release)


def _store(run_id: int, **values: Any) -> None:
    run = db.session.get(Run, run_id)
    for name, value in values.items():
        setattr(run, name, value)
    db.session.commit()


def execute_run(app: Flask, run_id: int, steps: list[Step], release: grading.Release) -> str:
    """Run the steps in order on one sandbox under grading's limits; commit each cell's outputs
    as soon as it finishes, so the page shows them as they arrive."""
    with app.app_context():
        limits = grading_limits(app.config)
        runner = runner_for(app.config)
        results = dict(db.session.get(Run, run_id).results)
        try:
            _store(run_id, state="running")
            with runner.kernel(limits) as kernel:
                from grading import engine  # Jupyter's client loads with the first run

                cells = engine.Cells(kernel, limits, engine.checker_plan(release))
                in_kernel = set(release.check_plan.kernel_tests)
                for step in steps:
                    if not step.test:
                        ran = cells.learner(step.code)
                    elif step.key in in_kernel:
                        ran = cells.in_kernel(step.code, step.key)
                    else:
                        ran = cells.checked(step.code, hidden=False)
                    passed = engine.full_marks(ran, step.points) if step.test else None
                    results = {**results, step.key: {
                        "status": ran.status, "outputs": outputs.clean_all(ran.outputs), "test": step.test,
                        "passed": passed, "reason": ran.reason,
                    }}  # fmt: skip
                    _store(run_id, results=results)
            _store(run_id, state="done", finished_at=utcnow(), error=cells.stopped)
            return "done"
        except grading.SandboxError as exc:
            log.exception("workspace run %s", run_id)
            db.session.rollback()
            _store(run_id, state="failed", finished_at=utcnow(), error=f"the sandbox could not start: {exc}")
            return "failed"
        except Exception as exc:  # never leave the learner's run spinning
            log.exception("workspace run %s", run_id)
            db.session.rollback()
            _store(run_id, state="failed", finished_at=utcnow(), error=f"{type(exc).__name__}: {exc}")
            return "failed"
        finally:
            db.session.remove()
