"""`flask feedback ...` commands."""

from __future__ import annotations

import click
from flask_login import AnonymousUserMixin

from lms.feedback.hub import metric_items, response_time

feedback_cli = click.Group("feedback", help="Surveys and the feedback hub.")


class _Everyone(AnonymousUserMixin):
    role = "admin"


@feedback_cli.command("response-time")
def response_time_command() -> None:
    """Print how fast staff first respond to feedback items (a programme metric): items filed in
    the hub and moved item reports, over every course."""
    stats = response_time(metric_items(_Everyone()))
    median = f"{stats.median_hours} h" if stats.median_hours is not None else "n/a"
    click.echo(f"Answered: {stats.answered}, waiting: {stats.waiting}, median time to first answer: {median}.")
