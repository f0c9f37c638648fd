"""`flask workshops validate|sync`: check courses/workshops/*.yml and load them."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from lms.catalog.sync import SyncReport
from lms.developers.services import audiences
from lms.extensions import db
from lms.workshops.content import load_workshops
from lms.workshops.models import Workshop
from lms.workshops.sync import sync_workshops

workshops_cli = click.Group("workshops", help="Check and load workshop files.")


def _folder(path: str | None) -> Path:
    return Path(path) if path else current_app.config["COURSES_DIR"] / "workshops"


def sync_from_files(folder: Path) -> SyncReport:
    """Validate every workshop file, then sync them all (flushes; raises ClickException on problems)."""
    specs, problems = load_workshops(folder)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("Workshop files have problems (flask workshops validate). Nothing was loaded.")
    return sync_workshops(specs, archive_missing=True)


@workshops_cli.command("validate")
@click.argument("path", required=False, type=click.Path())
def validate(path: str | None) -> None:
    """Check workshop files; print each problem as path:line: message."""
    specs, problems = load_workshops(_folder(path))
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise SystemExit(1)
    sessions = sum(len(s.sessions) for s in specs)
    click.echo(f"OK: {len(specs)} workshop(s), {sessions} session(s), no problems.")


@workshops_cli.command("sync")
@click.argument("path", required=False, type=click.Path())
def sync(path: str | None) -> None:
    """Validate, then load workshops in one transaction (registrations are never lost)."""
    try:
        report = sync_from_files(_folder(path))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Workshops synced: {report.summary()}.")
    _report_audiences()


def _report_audiences() -> None:
    """Unknown segment or team names (the workshop waits for them) and registered people outside a
    narrowed audience (they keep their seats and access)."""
    limited = db.session.scalars(select(Workshop).where(Workshop.audience == "limited", Workshop.archived_at.is_(None)))
    for workshop in limited:
        check = audiences.check_workshop_audience(
            workshop.id, workshop.audience, workshop.audience_segments, workshop.audience_teams
        )
        for name in [*check.unknown_segments, *check.unknown_teams]:
            click.echo(f"{workshop.slug}: warning: audience: no segment or team is called {name!r} yet.", err=True)
        if check.kept_outside:
            click.echo(
                f"{workshop.slug}: {check.kept_outside} registered people are outside the audience "
                "and keep their seats and access."
            )
