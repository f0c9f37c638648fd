"""Helpers shared by the catalog tests and the end-to-end catalog journey."""

from __future__ import annotations

import re


def placeholder_examples(placeholder: str) -> list[str]:
    """The example words a search box's placeholder offers: what follows "e.g." (or "例如："),
    split on commas or the Chinese enumeration comma."""
    parts = re.split(r"e\.g\.|例如[：:]", placeholder, maxsplit=1)
    assert len(parts) == 2, f"the placeholder names no example: {placeholder!r}"
    return [word.strip() for word in re.split(r"[,，、]", parts[1]) if word.strip()]
