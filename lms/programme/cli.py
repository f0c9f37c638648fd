"""`flask programme rebuild`: the dashboard's read model from the event log (after bulk imports)."""

from __future__ import annotations

import time

import click

from lms.extensions import db
from lms.programme.services.buckets import rebuild

programme_cli = click.Group("programme", help="The programme dashboard's read model.")


@programme_cli.command("rebuild")
def rebuild_command() -> None:
    """Delete and rebuild the daily buckets in one transaction."""
    started = time.perf_counter()
    counts = rebuild()
    db.session.commit()
    rows = ", ".join(f"{table}: {n}" for table, n in counts.items())
    click.echo(f"Rebuilt the programme read model ({rows}) in {time.perf_counter() - started:.1f} s.")
