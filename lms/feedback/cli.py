"""`flask feedback ...` commands."""

from __future__ import annotations

import click
from flask_login import AnonymousUserMixin

from lms.feedback.content_reports import inbox, response_time

feedback_cli = click.Group("feedback", help="Surveys and content reports.")


class _Everyone(AnonymousUserMixin):
    role = "admin"


@feedback_cli.command("response-time")
def response_time_command() -> None:
    """Print how fast instructors first answer content reports (a programme metric)."""
    stats = response_time(inbox(_Everyone()))
    median = f"{stats.median_hours} h" if stats.median_hours is not None else "n/a"
    click.echo(f"Answered: {stats.answered}, waiting: {stats.waiting}, median time to first answer: {median}.")
