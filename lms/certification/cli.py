"""`flask certificates ...` commands."""

import click

certificates_cli = click.Group("certificates", help="Certificates commands.")
