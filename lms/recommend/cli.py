"""`flask recommend ...` commands: fit the mastery model, show a learner's recommendations."""

from __future__ import annotations

import click
from flask import current_app

from lms.accounts.services import find_user
from lms.extensions import db, queue
from lms.recommend import services
from lms.recommend.placement import PlacementError, check_against_catalog, load_placement
from lms.recommend.tasks import fit_mastery_model

recommend_cli = click.Group("recommend", help="Mastery model and recommendations.")


@recommend_cli.command("fit")
@click.option("--forgetting", is_flag=True, help="Also fit a forgetting probability per skill.")
@click.option("--enqueue", is_flag=True, help="Run it on the worker instead of here.")
def fit(forgetting: bool, enqueue: bool) -> None:
    """Fit BKT parameters per skill on the whole event log and recompute every learner's mastery."""
    if enqueue:
        queue.enqueue(fit_mastery_model, forgetting)
        click.echo("Fit queued; the worker runs it.")
        return
    from lms.recommend import fitting  # numpy loads for the fit only

    report = fitting.fit_all(forgetting=forgetting)
    db.session.commit()
    click.echo(report.summary())


@recommend_cli.command("show")
@click.argument("email")
def show(email: str) -> None:
    """Print a learner's top recommendations with their reasons."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No user {email}.")
    for n, rec in enumerate(services.recommendations(user.id), start=1):
        click.echo(f"{n}. {rec.course_title} / {rec.module_title}: {rec.message}")


@recommend_cli.command("check-placement")
def check_placement() -> None:
    """Validate courses/placement.yml against the loaded catalog."""
    try:
        problems = check_against_catalog(load_placement(current_app.config["COURSES_DIR"]))
    except PlacementError as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("placement.yml is valid.")
