"""`flask courses validate|sync`: check course files and load them."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app

from lms.catalog.content import load_courses
from lms.catalog.problems import Problem
from lms.catalog.services import get_course
from lms.catalog.specs import CourseSpec
from lms.catalog.sync import sync_tree
from lms.developers.services import audiences
from lms.extensions import db

courses_cli = click.Group("courses", help="Check and load course files.")


def _root(path: str | None) -> Path:
    return Path(path) if path else current_app.config["COURSES_DIR"]


def _report_problems(problems, warnings=()) -> None:
    for problem in [*problems, *warnings]:
        click.echo(str(problem), err=True)
    also = f" and {len(warnings)} warning(s)" if warnings else ""
    click.echo(f"{len(problems)} problem(s){also} found.", err=True)


def _report_warnings(warnings) -> None:
    for warning in warnings:
        click.echo(str(warning), err=True)


@courses_cli.command("validate")
@click.argument("path", required=False, type=click.Path())
def validate(path: str | None) -> None:
    """Check course files; print each problem as path:line: message. Warnings (path:line:
    warning: message) are printed too but do not fail: exit 1 only for errors."""
    result = load_courses(_root(path))
    if not result.ok:
        _report_problems(result.problems, result.warnings)
        raise SystemExit(1)
    _report_warnings(result.warnings)
    modules = sum(len(c.modules) for c in result.courses)
    items = sum(len(m.items) for c in result.courses for m in c.modules)
    verdict = f"no errors, {len(result.warnings)} warning(s)" if result.warnings else "no problems"
    click.echo(f"OK: {len(result.courses)} course(s), {modules} module(s), {items} item(s), {verdict}.")


@courses_cli.command("sync")
@click.argument("path", required=False, type=click.Path())
@click.option("--force", is_flag=True, help="Re-load even if no file changed since the last sync.")
def sync(path: str | None, force: bool) -> None:
    """Validate, then load courses into the database in one transaction."""
    started = time.perf_counter()
    try:
        outcome = sync_tree(_root(path), force=force)
        if outcome.report is None:
            _report_problems(outcome.problems, outcome.warnings)
            click.echo("Nothing was changed.", err=True)
            raise SystemExit(1)
        _report_warnings(outcome.warnings)  # warnings never block a sync
        _report_audiences(outcome.courses)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    click.echo(f"Synced in {time.perf_counter() - started:.2f} s: {outcome.report.summary()}.")


def _report_audiences(specs: list[CourseSpec]) -> None:
    """After a sync: warn about segment and team names nobody made yet (segments are made in the
    UI, often after the content: the course waits for them), and say how many enrolled learners
    stand outside a narrowed audience (they keep their access)."""
    for spec in specs:
        course = get_course(spec.slug) if spec.file.audience not in ("public", "signed-in") else None
        if course is None:
            continue
        check = audiences.check_course_audience(course)
        for kind, names in (("segment", check.unknown_segments), ("team", check.unknown_teams)):
            for name in names:
                message = f"audience: no {kind} is called {name!r} yet; nobody sees the course through it"
                click.echo(str(Problem(spec.manifest, spec.audience_line, message, warning=True)), err=True)
        if check.kept_outside:
            click.echo(
                f"{spec.slug}: {check.kept_outside} enrolled learner(s) are outside the audience and keep their access."
            )
