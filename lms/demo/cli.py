"""`flask platform init` (first run and every start) and the demo data commands: `flask demo
accounts`, `flask demo cohort` (what `make run` loads once, with the demo community's threads) and
`flask demo seed` (benchmarks)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app

from lms.catalog.sync import sync_tree
from lms.demo import services
from lms.demo.audiences import load_audiences
from lms.demo.cohort import CohortError, check_ready, load_cohort
from lms.demo.community import load_community
from lms.demo.feedback_hub import load_feedback
from lms.demo.profiles import load_profiles
from lms.demo.segments import load_segments
from lms.demo.targets import load_targets
from lms.extensions import db
from lms.search import services as search
from lms.workshops.cli import sync_from_files as sync_workshop_files

platform_cli = click.Group("platform", help="Set up and maintain this installation.")
demo_cli = click.Group("demo", help="Demo accounts and data (development only).")
COHORT = "cohort"
COHORT_LEARNERS = 36


@platform_cli.command("init")
@click.option("--no-demo", is_flag=True, help="Do not create the demo accounts.")
@click.option("--cohort", "with_cohort", is_flag=True, help="Also load the demo cohort, once (what `make run` does).")
def init(no_demo: bool, with_cohort: bool) -> None:
    """Apply migrations, load courses/, create demo accounts (development): safe to run on every start."""
    from flask_migrate import upgrade  # Alembic: loaded by the commands that migrate

    if with_cohort:
        _development_only("platform init --cohort")
    started = time.perf_counter()
    upgrade(revision="heads")  # each domain keeps its own migration branch
    outcome = sync_tree(current_app.config["COURSES_DIR"])
    if outcome.report is None:
        for problem in outcome.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("Course files have problems; fix them (flask courses validate). Nothing was loaded.")
    report = outcome.report
    for doc_type, count in search.index_unindexed_types().items():
        if count:
            click.echo(f"Search: {count} {doc_type} documents indexed (their first time).")
    created = [] if no_demo or _production() else services.ensure_demo_accounts()
    click.echo(f"Workshops: {sync_workshop_files(current_app.config['COURSES_DIR'] / 'workshops').summary()}.")
    db.session.commit()
    click.echo(f"Database ready, courses: {report.summary()} ({time.perf_counter() - started:.2f} s).")
    _print_accounts(created)
    if with_cohort:
        _load_cohort(COHORT_LEARNERS)
        _load_community()
        _load_developer_relations()


@demo_cli.command("accounts")
def accounts_command() -> None:
    """Create the four demo accounts (learner, instructor, manager, admin) that are missing."""
    _development_only("demo accounts")
    created = services.ensure_demo_accounts()
    db.session.commit()
    if not created:
        click.echo("The demo accounts exist already (`flask users reset-password EMAIL` makes a new link).")
    _print_accounts(created)


@demo_cli.command("cohort")
@click.option("--learners", default=COHORT_LEARNERS, show_default=True, type=click.IntRange(1, 360))
@click.option(
    "--community/--no-community",
    default=True,
    show_default=True,
    help="Also their questions and answers on the demo lessons (once).",
)
def cohort(learners: int, community: bool) -> None:
    """Load the living demo once: learners in the manager's two teams with six weeks of real,
    graded work (needs the demo catalog: `flask platform init`), a handful of community threads
    they asked and answered, their developer profiles, segments and feedback. A second run does nothing."""
    _development_only("demo cohort")
    created = services.ensure_demo_accounts()
    db.session.commit()
    _print_accounts(created)
    _load_cohort(learners)
    if community:
        _load_community()
    _load_developer_relations()


@demo_cli.command("seed")
@click.option("--learners", default=10_000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--courses", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--events", default=1_000_000, show_default=True, type=click.IntRange(0, 100_000_000))
@click.option("--notifications", default=5, show_default=True, type=click.IntRange(0, 1000), help="unread, per learner")
@click.option("--profiles", default=0.0, show_default=True, type=click.FloatRange(0, 1), help="share with a profile")
@click.option("--feedback", default=0, show_default=True, type=click.IntRange(0, 10**7), help="feedback items")
@click.option("--certificates", is_flag=True, help="a certificate for every finished enrolment")
@click.option(
    "--surveys", default=0.0, show_default=True, type=click.FloatRange(0, 1), help="share finished who answer"
)
@click.option("--registrations", default=0, show_default=True, type=click.IntRange(0, 10**7), help="workshop seats")
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3650), help="sign-ups spread over")
def seed(
    learners: int,
    courses: int,
    events: int,
    notifications: int,
    profiles: float,
    feedback: int,
    certificates: bool,
    surveys: float,
    registrations: int,
    days: int,
) -> None:
    """Add synthetic learners, courses (up to --courses in all), learning events and unread notifications;
    for the programme benchmark also developer profiles, feedback items, certificates, survey answers
    and workshop registrations, spread over --days."""
    _development_only("demo seed")
    started = time.perf_counter()
    extras = services.Extras(
        profiles=profiles,
        feedback=feedback,
        certificates=certificates,
        surveys=surveys,
        registrations=registrations,
        survey_secret=current_app.config["SECRET_KEY"],
        days=days,
    )
    counts = services.seed_population(learners, courses, events, notifications=notifications, extras=extras)
    db.session.commit()
    click.echo(f"Seeded {counts} in {time.perf_counter() - started:.1f} s.")


def _production() -> bool:
    return current_app.config["ACADEMY_ENV"] == "production"


def _development_only(command: str) -> None:
    """Demo data never goes into a production database: refuse before writing anything."""
    if _production():
        raise click.ClickException(
            f"`flask {command}` makes demo data and is refused in production (ACADEMY_ENV=production). "
            "Nothing was written."
        )


def _print_accounts(created: list[tuple[str, str, str]]) -> None:
    if created:
        click.echo("Demo accounts (passwords shown once; `flask users reset-password EMAIL` makes a new link):")
        for email, role, password in created:
            click.echo(f"  {role:<11} {email:<26} {password}")


def _load_cohort(learners: int) -> None:
    """Load the cohort unless its marker says it was; the marker is committed first."""
    load = services.demo_load(COHORT)
    if load is not None:
        db.session.rollback()
        if load.finished_at is None:
            click.echo(
                f"Demo cohort: a load started {load.started_at:%Y-%m-%d %H:%M} UTC did not finish; nothing added. "
                "To load it again, start from a new database.",
                err=True,
            )
        else:
            click.echo(f"Demo cohort: loaded on {load.finished_at:%Y-%m-%d}, nothing to do.")
        return
    try:
        check_ready()
    except CohortError as exc:
        raise click.ClickException(str(exc)) from None
    started = time.perf_counter()
    click.echo(f"Demo cohort: replaying six weeks of {learners} learners (graded in the sandbox; up to two minutes)...")
    load = services.start_load(COHORT)
    db.session.commit()
    config = current_app.config
    with _quiet("lms.accounts.services", "traitlets"):
        counts = load_cohort(
            learners,
            secret=config["SECRET_KEY"],
            max_bytes=config["GRADING_MAX_UPLOAD_BYTES"],
            courses_dir=config["COURSES_DIR"],
        )
    services.finish_load(load, counts)
    db.session.commit()
    figures = ", ".join(f"{n} {what}" for what, n in counts.items())
    click.echo(f"Demo cohort loaded in {time.perf_counter() - started:.1f} s: {figures}.")


def _load_community() -> None:
    """The demo's threads (lms/demo/community.py), once, on a loaded cohort: also on a database
    whose cohort was loaded before the community existed."""
    load = services.demo_load(COHORT)
    if load is None or load.finished_at is None:
        return
    started = time.perf_counter()
    counts = load_community()
    db.session.commit()
    if counts is None:
        click.echo("Demo community: loaded before, nothing to do.")
    else:
        figures = ", ".join(f"{n} {what}" for what, n in counts.items())
        click.echo(f"Demo community loaded in {time.perf_counter() - started:.1f} s: {figures}.")


def _load_developer_relations() -> None:
    """Profiles of the cohort's learners (before the segments that select them), segments, the
    team-only workshop, the feedback hub's items and this year's programme targets: each part once,
    on a loaded cohort; one line each."""
    load = services.demo_load(COHORT)
    if load is None or load.finished_at is None:
        return
    for part in (load_profiles, load_segments, load_audiences, load_feedback, load_targets):
        click.echo(part())
        db.session.commit()


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Only errors from these loggers while the cohort loads: a line per account created and
    nbgrader's notes on the hidden tests it restores would bury the summary."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
