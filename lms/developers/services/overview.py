"""What analysts and admins see of developer profiles: counts per answer, never a person.

Cut by a segment (its materialised `segment_members`); a segment under MIN_SEGMENT_SIZE shows no
figures at all, and any count under SMALL_CELL is shown as "fewer than 5", so that no answer of a
small group can be read off the page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, literal_column, select

from lms.developers.models import MIN_SEGMENT_SIZE, DeveloperInterest, DeveloperProfile, Segment, SegmentMember
from lms.developers.services.profiles import TYPE_LABELS, country_name
from lms.extensions import db

SMALL_CELL = 5  # counts below this are suppressed
TOP = 15  # rows per free-text distribution (languages)
BANDS = ((0, 1, "0–1"), (2, 4, "2–4"), (5, 9, "5–9"), (10, 19, "10–19"), (20, 60, "20+"))


@dataclass(frozen=True)
class Cell:
    label: str
    count: int | None  # None: fewer than SMALL_CELL, not shown


@dataclass(frozen=True)
class Distribution:
    title: Any
    cells: list[Cell]


@dataclass(frozen=True)
class Overview:
    profiles: int | None  # profiles in scope (None when suppressed)
    distributions: list[Distribution]
    too_small: bool = False  # the segment is under MIN_SEGMENT_SIZE: nothing is shown
    min_size: int = MIN_SEGMENT_SIZE


def _shown(count: int) -> int | None:
    return count if count >= SMALL_CELL else None


def _scoped(stmt: Select, user_id: Any, segment: Segment | None) -> Select:
    if segment is None:
        return stmt
    members = select(SegmentMember.user_id).where(SegmentMember.segment_id == segment.id)
    return stmt.where(user_id.in_(members))


def _cells(rows: Sequence[Any], label: Callable[[Any], Any] = str) -> list[Cell]:
    return [Cell(str(label(value)), _shown(count)) for value, count in rows]


def overview(segment: Segment | None, locale: str) -> Overview:
    """Distributions of the profiles in scope (every profile, or a segment's members')."""
    if segment is not None and segment.member_count < MIN_SEGMENT_SIZE:
        return Overview(None, [], too_small=True)
    total = db.session.scalar(
        _scoped(select(func.count()).select_from(DeveloperProfile), DeveloperProfile.user_id, segment)
    )

    def counted(column: Any, *where: Any, order_by_count: bool = True, limit: int | None = None) -> list:
        stmt = _scoped(select(column, func.count()).where(*where).group_by(column), DeveloperProfile.user_id, segment)
        stmt = stmt.order_by(func.count().desc(), column) if order_by_count else stmt.order_by(column)
        return list(db.session.execute(stmt.limit(limit)).all())

    not_given = str(_l("Not given"))
    types = counted(DeveloperProfile.developer_type)
    countries = counted(DeveloperProfile.country, DeveloperProfile.country.is_not(None))
    languages = counted(DeveloperProfile.main_language, DeveloperProfile.main_language != "", limit=TOP)
    # Literal numbers, not bound parameters: PostgreSQL matches the GROUP BY to the selected CASE
    # only when both are the same text, and each bound parameter gets a name of its own.
    band = case(
        *(
            (DeveloperProfile.years_experience <= literal_column(str(high)), literal_column(str(n)))
            for n, (_, high, _) in enumerate(BANDS)
        )
    )
    bands = counted(band, DeveloperProfile.years_experience.is_not(None), order_by_count=False)
    interests = list(
        db.session.execute(
            _scoped(
                select(DeveloperInterest.tag, func.count()).group_by(DeveloperInterest.tag),
                DeveloperInterest.user_id,
                segment,
            ).order_by(func.count().desc(), DeveloperInterest.tag)
        ).all()
    )
    return Overview(
        _shown(total or 0),
        [
            Distribution(_l("Developer type"), _cells(types, lambda t: TYPE_LABELS[t] if t else not_given)),
            Distribution(_l("Country"), _cells(countries, lambda c: country_name(c, locale))),
            Distribution(_l("Interests"), _cells(interests)),
            Distribution(_l("Main language"), _cells(languages)),
            Distribution(_l("Years of experience"), _cells(bands, lambda n: BANDS[n][2])),
        ],
    )


def segment_choices() -> list[Segment]:
    return list(db.session.scalars(select(Segment).order_by(Segment.name)))
