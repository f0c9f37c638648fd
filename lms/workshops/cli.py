"""`flask workshops ...` commands."""

import click

workshops_cli = click.Group("workshops", help="Workshops commands.")
