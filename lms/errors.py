"""The one kind of error a service raises for a person to read."""

from __future__ import annotations


class UserError(ValueError):
    """A refusal meant for a person. Each domain subclasses it; services raise it with a lazily
    translated message (`_l(...)`) and views show `str(exc)`, so the words are chosen in the
    reader's language when shown, not in the language of whoever raised them (a CLI, a worker)."""
