"""`flask grading grade|regrade|status`: try tests, regrade after a fix, count states (the worker that
grades is `flask worker run`, lms/operations/cli.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

import grading
from lms.assignments import audit, gradebook, services, worker
from lms.assignments.models import Submission
from lms.assignments.tasks import enqueue_grading
from lms.catalog import services as catalog
from lms.extensions import db

grading_cli = click.Group("grading", help="Grading commands.")


def _assignment(ref: str):
    """COURSE/ASSIGNMENT to the item, or a clear error."""
    course_slug, _, item_slug = ref.partition("/")
    course = catalog.get_course(course_slug)
    item = catalog.get_item(course, item_slug) if course and item_slug else None
    if item is None or item.kind != "assignment":
        raise click.ClickException(
            f"no assignment {ref!r} (expected COURSE/ASSIGNMENT, e.g. llm-api-fundamentals/token-counter)"
        )
    return item


@grading_cli.command("grade")
@click.argument("assignment")
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print score, max_score and tests as JSON.")
def grade_command(assignment: str, notebook: Path, as_json: bool) -> None:
    """Grade one notebook now, in the same sandbox as learners' work (nothing is stored)."""
    item = _assignment(assignment)
    stored = services.current_release(item.id)
    if stored is None:
        raise click.ClickException("this assignment has no release yet: run `flask courses sync`")
    # The feedback HTML is not printed, so it is not rendered (~0.4 s).
    limits = worker.limits(current_app.config)
    result = grading.grade(services.engine_release(stored), notebook.read_bytes(), limits=limits, feedback=False)
    click.echo(result.report(as_json))


@grading_cli.command("regrade")
@click.argument("assignment")
@click.option("--reason", default="", help="Why (kept in the grade history), e.g. 'fixed test_train'.")
def regrade_command(assignment: str, reason: str) -> None:
    """Grade every submission of an assignment again (after fixing a test and syncing); each one's
    history records the command line as the actor."""
    item = _assignment(assignment)
    rounds = gradebook.regrade(item, by=audit.CLI, reason=reason)
    db.session.commit()
    missed = enqueue_grading(rounds)
    click.echo(f"{len(rounds)} submission(s) queued for regrading.")
    if missed:
        click.echo(f"The queue is unreachable: the workers will enqueue {len(missed)} of them when it is back.")


@grading_cli.command("status")
def status_command() -> None:
    """Submissions per grading state (queued, grading, graded, failed)."""
    rows = db.session.execute(select(Submission.state, func.count()).group_by(Submission.state)).all()
    click.echo(", ".join(f"{state}: {n}" for state, n in sorted(rows)) or "no submissions")
