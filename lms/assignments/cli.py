"""`flask grading ...` commands."""

import click

grading_cli = click.Group("grading", help="Grading commands.")
