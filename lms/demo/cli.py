"""`flask platform init` (first run and every start) and `flask demo seed` (benchmarks)."""

from __future__ import annotations

import time

import click
from flask import current_app

from lms.catalog.sync import sync_tree
from lms.demo import services
from lms.extensions import db
from lms.workshops.cli import sync_from_files as sync_workshop_files

platform_cli = click.Group("platform", help="Set up and maintain this installation.")
demo_cli = click.Group("demo", help="Demo accounts and synthetic data.")


@platform_cli.command("init")
@click.option("--no-demo", is_flag=True, help="Do not create the demo accounts.")
def init(no_demo: bool) -> None:
    """Apply migrations, load courses/, create demo accounts: safe to run on every start."""
    from flask_migrate import upgrade  # Alembic: loaded by the commands that migrate

    started = time.perf_counter()
    upgrade(revision="heads")  # each domain keeps its own migration branch
    outcome = sync_tree(current_app.config["COURSES_DIR"])
    if outcome.report is None:
        for problem in outcome.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("Course files have problems; fix them (flask courses validate). Nothing was loaded.")
    report = outcome.report
    created = [] if no_demo else services.ensure_demo_accounts()
    click.echo(f"Workshops: {sync_workshop_files(current_app.config['COURSES_DIR'] / 'workshops').summary()}.")
    db.session.commit()
    click.echo(f"Database ready, courses: {report.summary()} ({time.perf_counter() - started:.2f} s).")
    if created:
        click.echo("Demo accounts (passwords shown once; `flask users reset-password EMAIL` makes a new link):")
        for email, role, password in created:
            click.echo(f"  {role:<11} {email:<26} {password}")


@demo_cli.command("seed")
@click.option("--learners", default=10_000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--courses", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--events", default=1_000_000, show_default=True, type=click.IntRange(0, 100_000_000))
def seed(learners: int, courses: int, events: int) -> None:
    """Add synthetic learners, courses (up to --courses in all) and learning events."""
    started = time.perf_counter()
    counts = services.seed_population(learners, courses, events)
    db.session.commit()
    click.echo(f"Seeded {counts} in {time.perf_counter() - started:.1f} s.")
