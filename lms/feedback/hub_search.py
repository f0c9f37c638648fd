"""Feedback items in the search layer (lms.search): the "feedback" indexer and the search behind
"similar items" on the filing page. A document is an item's title and text; merged duplicates are
left out (their votes went to the item they repeat). The hub's services call `sync` whenever a
title, text, status or visibility changes; `flask search reindex feedback` rebuilds them all (after
migration 0404 moved the item reports in). Who may read a hit is decided by lms.feedback.hub."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from flask import Flask
from sqlalchemy import select

from lms.extensions import db
from lms.feedback.models import FeedbackItem
from lms.search import services as search
from lms.search.text import CJK

DOC_TYPE = "feedback"
# A suggestion holds at least this share of the title's words (the community's threshold, measured
# there on tests/fixtures/search/similar.yaml).
_CJK_RUN = re.compile(f"[{CJK}]")


def _document(item: FeedbackItem) -> search.Document:
    language = "zh" if _CJK_RUN.search(item.title + item.body) else "en"
    # Platform-wide for the search's own audience filter: readers are checked per item by the hub.
    return search.Document(DOC_TYPE, str(item.id), item.title, item.body, language, None)


def sync(item_ids: Iterable[int]) -> None:
    """Index, replace or remove the items' documents, in the caller's transaction."""
    ids = sorted(set(item_ids))
    items = {i.id: i for i in db.session.scalars(select(FeedbackItem).where(FeedbackItem.id.in_(ids)))}
    for item_id in ids:
        item = items.get(item_id)
        if item is None or item.status == "duplicate":
            search.remove(DOC_TYPE, str(item_id))
        else:
            search.index(_document(item))


def all_documents() -> Iterator[search.Document]:
    rows = db.session.scalars(
        select(FeedbackItem)
        .where(FeedbackItem.status != "duplicate")
        .order_by(FeedbackItem.id)
        .execution_options(yield_per=1000)
    )
    for item in rows:
        yield _document(item)


def find(query: str) -> list[search.Hit]:
    """Items matching any word of `query`, best first (every item: the caller checks readers and
    `coverage`)."""
    return search.search(query, [DOC_TYPE], None, limit=search.MAX_LIMIT)


def connect(app: Flask) -> None:
    search.register_indexer(app, DOC_TYPE, all_documents)
