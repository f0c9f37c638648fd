"""`flask segments recompute [NAME]`: materialise segment members now, as the nightly task does."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from lms.developers.models import Segment
from lms.developers.services import segments
from lms.developers.tasks import nightly_segments
from lms.extensions import db

segments_cli = AppGroup("segments", help="Developer segments.")


@segments_cli.command("recompute")
@click.argument("name", required=False)
def recompute_command(name: str | None) -> None:
    """Recompute one segment (by name) or, without NAME, every segment."""
    if name is None:
        click.echo(nightly_segments())
        return
    segment = db.session.scalar(select(Segment).where(func.lower(Segment.name) == name.strip().lower()))
    if segment is None:
        raise click.ClickException(f"No segment is called {name!r}.")
    if problems := segments.validate_rules(segment.rules):
        raise click.ClickException(f"{segment.name}: " + " ".join(problems))
    segments.recompute(segment)
    db.session.commit()
    click.echo(f"{segment.name}: {segment.member_count} member(s).")
