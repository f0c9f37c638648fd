"""`flask reports ...` commands."""

import click

reports_cli = click.Group("reports", help="Reports commands.")
