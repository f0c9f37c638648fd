"""Fitting text in fixed boxes: estimate a font size from its length, then check the real layout."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from typing import Any

from weasyprint.document import Document

MM = 72 / 25.4
NAME_BOX_PT = (230 * MM, 32 * MM)  # .name-box in certificate.css
TITLE_BOX_PT = (220 * MM, 19 * MM)  # .achievement: two lines at most
NAME_MAX_PT, TITLE_MAX_PT, MIN_PT = 44.0, 21.0, 7.0
BOLD_WIDTH = 1.08  # bold glyphs are wider than the regular averages below
LINE_HEIGHT = 1.15
SLACK = 1.15  # wrapped lines are never perfectly full
HEIGHT_BUDGET = 0.9  # keep a margin: fallback fonts can make lines taller
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


def fit_font_size(text: str, box: tuple[float, float], max_pt: float, width_factor: float = 1.0) -> float:
    """Return the largest size (pt) at which `text` should fit the box, wrapping if it must."""
    width, height = box
    ems = width_factor * sum(_em(c) for c in text) or 1.0
    longest = max((width_factor * sum(_em(c) for c in word) for word in text.split()), default=ems) or 1.0
    size = max_pt
    while size > MIN_PT:
        lines = 1 if ems * size <= width else math.ceil(ems * size * SLACK / width)
        word_fits = longest * size <= width or longest > ems / 2
        if lines * LINE_HEIGHT * size <= height * HEIGHT_BUDGET and word_fits:
            return size
        size -= 0.5
    return MIN_PT


def name_font_size(name: str) -> float:
    """Return the starting size for the learner's name in the default template."""
    return fit_font_size(name, NAME_BOX_PT, NAME_MAX_PT)


def title_font_size(title: str) -> float:
    """Return the size for the (bold) course or track title, at most two lines."""
    return fit_font_size(title, TITLE_BOX_PT, TITLE_MAX_PT, BOLD_WIDTH)


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


def _border_rect(box: Any) -> tuple[float, float, float, float]:
    """Return (left, top, right, bottom) of a box's border box in points."""
    left = box.position_x + box.margin_left
    top = box.position_y + box.margin_top
    return left, top, left + box.border_width(), top + box.border_height()


def name_fits(document: Document) -> bool:
    """Check the layout: one page, and the name (if the template marks it) stays in its box."""
    if len(document.pages) != 1:
        return False
    page = document.pages[0]._page_box
    boxes = list(page.descendants())
    frame = next((b for b in boxes if _element_id(b) == "name-box"), page)
    inner = [d for b in boxes if _element_id(b) == "learner-name" for d in b.descendants()]
    left, top, right, bottom = _border_rect(frame)
    for box in inner:
        if not hasattr(box, "border_width"):
            continue
        b_left, b_top, b_right, b_bottom = _border_rect(box)
        if (
            b_left < left - TOLERANCE_PT
            or b_right > right + TOLERANCE_PT
            or b_top < top - TOLERANCE_PT
            or b_bottom > bottom + TOLERANCE_PT
        ):
            return False
    return True
