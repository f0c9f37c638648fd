"""Fitting the learner's name: estimate a font size from its length, then check the real layout."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator

from weasyprint.document import Document

MM = 72 / 25.4
BOX_WIDTH_PT = 230 * MM     # .name-box in certificate.css
BOX_HEIGHT_PT = 32 * MM
MAX_PT, MIN_PT = 44.0, 7.0
LINE_HEIGHT = 1.15
SLACK = 1.15                # wrapped lines are never perfectly full
HEIGHT_BUDGET = 0.9         # keep a margin: fallback fonts can make lines taller
TOLERANCE_PT = 0.5


class NameFitError(ValueError):
    """The name cannot be printed legibly inside its box on a single page."""


def _em(char: str) -> float:
    """Approximate advance of one character in ems for the certificate fonts."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0
    if ord(char) >= 0x1F000 or unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.1
    return 0.67 if char.isupper() else 0.55  # Noto Serif averages (fontTools hmtx)


def name_font_size(name: str) -> float:
    """Return the largest size (pt) at which the name should fit the box, wrapping if it must."""
    ems = sum(_em(c) for c in name) or 1.0
    longest = max((sum(_em(c) for c in word) for word in name.split()), default=ems) or 1.0
    size = MAX_PT
    while size > MIN_PT:
        one_line = ems * size <= BOX_WIDTH_PT
        lines = 1 if one_line else math.ceil(ems * size * SLACK / BOX_WIDTH_PT)
        word_fits = longest * size <= BOX_WIDTH_PT or longest > ems / 2
        if lines * LINE_HEIGHT * size <= BOX_HEIGHT_PT * HEIGHT_BUDGET and word_fits:
            return size
        size -= 0.5
    return MIN_PT


def fit_attempts(name: str) -> Iterator[float]:
    """Yield the estimated size, then smaller ones in case the real layout disagrees."""
    size = name_font_size(name)
    yield size
    while size > MIN_PT:
        size = max(MIN_PT, size * 0.85)
        yield size


def name_direction(name: str) -> str:
    """Return 'rtl' when the first strong character is right-to-left (Arabic, Hebrew)."""
    for char in name:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def _element_id(box: object) -> str | None:
    """Return the id attribute of the element a layout box comes from."""
    element = getattr(box, "element", None)
    return element.get("id") if element is not None else None


def _border_rect(box: object) -> tuple[float, float, float, float]:
    """Return (left, top, right, bottom) of a box's border box in points."""
    left = box.position_x + box.margin_left
    top = box.position_y + box.margin_top
    return left, top, left + box.border_width(), top + box.border_height()


def name_fits(document: Document) -> bool:
    """Check on the laid-out document that there is one page and the name stays in its box."""
    if len(document.pages) != 1:
        return False
    page = document.pages[0]._page_box
    boxes = list(page.descendants())
    frame = next((b for b in boxes if _element_id(b) == "name-box"), page)
    inner = [d for b in boxes if _element_id(b) == "learner-name" for d in b.descendants()]
    if not inner:
        return False
    left, top, right, bottom = _border_rect(frame)
    for box in inner:
        if not hasattr(box, "border_width"):
            continue
        b_left, b_top, b_right, b_bottom = _border_rect(box)
        if (b_left < left - TOLERANCE_PT or b_right > right + TOLERANCE_PT
                or b_top < top - TOLERANCE_PT or b_bottom > bottom + TOLERANCE_PT):
            return False
    return True
