"""`flask recommend ...` commands."""

import click

recommend_cli = click.Group("recommend", help="Recommend commands.")
