"""Finding courses: the catalog with its filters, and one course with its syllabus."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lms.catalog.models import TIERS, Course, Item, Module, Tag, course_tags
from lms.extensions import db


def list_courses(
    *, tier: str | None = None, tag: str | None = None, query: str | None = None, hidden: Collection[int] = ()
) -> list[Course]:
    """Live courses, filtered by tier, tag and a search over title, summary and tags (see `search_terms`);
    `hidden`: ids the viewer may not see (lms.developers.services.audiences.hidden_course_ids)."""
    stmt = (
        select(Course)
        .where(Course.archived_at.is_(None))
        .options(selectinload(Course.tags), selectinload(Course.prerequisites))
        .order_by(Course.title)
    )
    if hidden:
        stmt = stmt.where(Course.id.not_in(hidden))
    if tier in TIERS:
        stmt = stmt.where(Course.tier == tier)
    if tag:
        stmt = stmt.where(Course.tags.any(Tag.name == tag))
    if terms := search_terms(query or ""):
        stmt = stmt.where(
            or_(
                *(
                    column.contains(term, autoescape=True)
                    for term in terms
                    for column in (func.lower(Course.title), func.lower(Course.summary))
                ),
                Course.tags.any(or_(*(func.lower(Tag.name).contains(term, autoescape=True) for term in terms))),
            )
        )
    courses = list(db.session.scalars(stmt))
    courses.sort(key=lambda c: (TIERS.index(c.tier), c.title))
    return courses


def search_terms(query: str) -> list[str]:
    """The forms of a search query to look for, each as a substring: lower case, without a
    leading '#' (as tags are shown), and singular as well as typed, so "GPUs", "gpu" and "#gpu"
    find the same courses. Empty when nothing is left to search for."""
    word = query.strip().lstrip("#").strip().lower()[:100]
    if not word:
        return []
    singular = _singular(word)
    return [word] if singular == word else [word, singular]


def _singular(word: str) -> str:
    """The simple English singular of the last word: -ies to -y, -ches/-shes/-sses/-xes/-zes
    lose -es, any other -s but -ss loses -s. Good enough for a substring search, not a stemmer."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def popular_tags(limit: int = 20, *, hidden: Collection[int] = ()) -> list[str]:
    """Tags used by most live courses the viewer may see (not the `hidden` ids), for the filter bar."""
    stmt = (
        select(Tag.name)
        .join(course_tags, course_tags.c.tag_id == Tag.id)
        .join(Course, Course.id == course_tags.c.course_id)
        .where(Course.archived_at.is_(None))
        .group_by(Tag.name)
        .order_by(func.count().desc(), Tag.name)
        .limit(limit)
    )
    if hidden:
        stmt = stmt.where(Course.id.not_in(hidden))
    return list(db.session.scalars(stmt))


def get_course(slug: str) -> Course | None:
    """A live course by slug."""
    return db.session.scalar(select(Course).where(Course.slug == slug, Course.archived_at.is_(None)))


def syllabus(course: Course) -> list[tuple[Module, list[Item]]]:
    """Live modules in order, each with its live items in order."""
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course.id, Module.archived_at.is_(None)).order_by(Module.position)
    ).all()
    items = db.session.scalars(
        select(Item).where(Item.course_id == course.id, Item.archived_at.is_(None)).order_by(Item.position)
    ).all()
    by_module: dict[int, list[Item]] = {m.id: [] for m in modules}
    for item in items:
        if item.module_id in by_module:
            by_module[item.module_id].append(item)
    return [(m, by_module[m.id]) for m in modules]


def get_item(course: Course, item_slug: str) -> Item | None:
    """A live item of a live module of the course."""
    return db.session.scalar(
        select(Item)
        .join(Module, Module.id == Item.module_id)
        .where(
            Item.course_id == course.id,
            Item.slug == item_slug,
            Item.archived_at.is_(None),
            Module.archived_at.is_(None),
        )
    )


def item_changed_since(item: Item, content_sha256: str | None) -> bool:
    """Whether the item's content differs from the content hash recorded earlier (by a thread at
    posting, a search index, a translation). An item whose own hash is unknown (archived before
    hashes were stored) is never reported changed: there is nothing to compare with. A record
    without a hash (None) counts as changed against a known one: whoever kept it must look again."""
    return item.content_sha256 is not None and item.content_sha256 != content_sha256
