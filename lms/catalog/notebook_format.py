"""nbformat, imported without jsonschema's IRI checker.

jsonschema loads `rfc3987_syntax` when it is installed (Jupyter brings it), which compiles a
Lark grammar at import: 1.5 s added to every `flask` command. Notebook validation never uses
the IRI format, so we make that optional import fail before nbformat pulls jsonschema in.
"""

import sys


def skip_iri_checker() -> None:
    """Make jsonschema's optional IRI import fail; only works before nbformat is first imported, so
    create_app calls it before any domain loads, and this module before its own import below."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


skip_iri_checker()

from nbformat import ValidationError, reads, validate  # noqa: E402

__all__ = ["ValidationError", "reads", "validate"]
