"""`flask search reindex [TYPE...]`: rebuild the search index from the domains' indexers."""

from __future__ import annotations

import click

from lms.extensions import db
from lms.search import services

search_cli = click.Group("search", help="The keyword search index.")


@search_cli.command("reindex")
@click.argument("doc_types", nargs=-1)
def reindex(doc_types: tuple[str, ...]) -> None:
    """Rebuild every registered document type, or only those named (e.g. `thread`)."""
    try:
        counts = services.reindex(doc_types or None)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    if not counts:
        click.echo("No indexers are registered: nothing to index.")
    for doc_type, count in counts.items():
        click.echo(f"{doc_type}: {count} documents indexed")
