"""`flask feedback ...` commands."""

import click

feedback_cli = click.Group("feedback", help="Feedback commands.")
