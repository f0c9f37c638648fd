"""The search API: index, remove and search documents of any domain, and rebuild them all from
the indexers the domains register (see the design note in lms/search/__init__.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Row, TextClause, bindparam, delete, select, text

from lms.db import insert_for, utcnow
from lms.extensions import db
from lms.search.models import SearchDocument
from lms.search.text import content_terms, index_text, phrase, query_terms

SNIPPET_CHARS = 160
MAX_LIMIT = 50
MAX_QUERY_TERMS = 20
BM25 = "bm25(5.0, 1.0)"  # SQLite's ranking: a title word counts five times a body word
WINDOW = 1000  # best matches ranked by FTS5 alone before the join (see _search_sqlite)


@dataclass(frozen=True)
class Document:
    """What an indexer yields: one searchable thing (course_id None: platform-wide)."""

    doc_type: str
    doc_id: str
    title: str
    body: str
    language: str = "en"
    course_id: int | None = None


@dataclass(frozen=True)
class Hit:
    """One result: higher score is better (comparable within one search only)."""

    doc_type: str
    doc_id: str
    course_id: int | None
    title: str
    snippet: str
    score: float


Indexer = Callable[[], Iterable[Document]]


def register_indexer(app: Flask, doc_type: str, indexer: Indexer) -> None:
    """Let `reindex` rebuild `doc_type` from `indexer()`, which yields every current document."""
    app.extensions.setdefault("search_indexers", {})[doc_type] = indexer


def indexers() -> dict[str, Indexer]:
    return current_app.extensions.get("search_indexers", {})


def index(doc: Document) -> None:
    """Add or replace the document (doc_type, doc_id); the caller commits with its own change."""
    values = {
        "doc_type": doc.doc_type,
        "doc_id": doc.doc_id,
        "course_id": doc.course_id,
        "language": doc.language,
        "title": doc.title,
        "body": doc.body,
        "title_terms": index_text(doc.title),
        "body_terms": index_text(doc.body),
    }
    insert = insert_for(db.session.get_bind())(SearchDocument).values(**values)
    changed = {k: insert.excluded[k] for k in values if k not in ("doc_type", "doc_id")}
    changed["updated_at"] = utcnow()
    db.session.execute(insert.on_conflict_do_update(index_elements=["doc_type", "doc_id"], set_=changed))


def remove(doc_type: str, doc_id: str) -> None:
    """Forget the document (nothing happens if it was never indexed)."""
    db.session.execute(
        delete(SearchDocument).where(SearchDocument.doc_type == doc_type, SearchDocument.doc_id == doc_id)
    )


def reindex(doc_types: Collection[str] | None = None) -> dict[str, int]:
    """Rebuild each registered type (all, or those named) from its indexer: its old rows go, its
    current documents are indexed. Returns the documents indexed per type; the caller commits."""
    registered = indexers()
    unknown = set(doc_types or ()) - set(registered)
    if unknown:
        raise ValueError(f"no indexer for {', '.join(sorted(unknown))}; known: {', '.join(sorted(registered))}")
    counts: dict[str, int] = {}
    for doc_type, indexer in registered.items():
        if doc_types and doc_type not in doc_types:
            continue
        db.session.execute(delete(SearchDocument).where(SearchDocument.doc_type == doc_type))
        counts[doc_type] = 0
        for doc in indexer():
            if doc.doc_type != doc_type:
                raise ValueError(f"the {doc_type} indexer yielded a {doc.doc_type} document")
            index(doc)
            counts[doc_type] += 1
    return counts


def index_unindexed_types() -> dict[str, int]:
    """Index each registered type that has no document in the index yet: rows that existed before
    their type was indexed (e.g. item reports moved into the feedback hub by a migration) become
    searchable at the next start, without anyone running `flask search reindex`. The caller commits."""
    indexed = set(db.session.scalars(select(SearchDocument.doc_type).distinct()))
    missing = [doc_type for doc_type in indexers() if doc_type not in indexed]
    return reindex(missing) if missing else {}


def search(
    query: str,
    doc_types: Collection[str],
    course_ids: Collection[int] | None,
    limit: int = 10,
) -> list[Hit]:
    """The best `limit` documents of `doc_types` matching any term of `query`, best first.
    `course_ids` are the courses the reader may see (platform-wide documents always count);
    None means every course (staff tools only). An empty or wordless query finds nothing."""
    terms = content_terms(query_terms(query))[:MAX_QUERY_TERMS]
    if not terms or not doc_types:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    if db.session.get_bind().dialect.name == "postgresql":
        rows = _search_postgres(terms, doc_types, course_ids, limit)
    else:
        rows = _search_sqlite(terms, doc_types, course_ids, limit)
    return [Hit(r.doc_type, r.doc_id, r.course_id, r.title, snippet(r.body, terms), float(r.score)) for r in rows]


def _audience(course_ids: Collection[int] | None) -> str:
    if course_ids is None:
        return ""
    return "AND (d.course_id IS NULL OR d.course_id IN :course_ids)" if course_ids else "AND d.course_id IS NULL"


def _bind(sql: str, doc_types: Collection[str], course_ids: Collection[int] | None) -> TextClause:
    statement = text(sql).bindparams(bindparam("doc_types", list(doc_types), expanding=True))
    if course_ids:
        statement = statement.bindparams(bindparam("course_ids", list(course_ids), expanding=True))
    return statement


def _search_sqlite(
    terms: list[str], doc_types: Collection[str], course_ids: Collection[int] | None, limit: int
) -> Sequence[Row[Any]]:
    # Each term an FTS5 string (a CJK pair: a two-token phrase); terms are only letters and digits.
    params: dict[str, object] = {"match": " OR ".join(f'"{phrase(term)}"' for term in terms), "limit": limit}
    # FTS5 ranks every match by itself first (its own sorter, `rank` computed once a row) and only
    # the best WINDOW rows are joined to their documents and filtered by type and audience: the
    # join and SQLite's sort over every match were a third of a common query's time. The best
    # `limit` of the window are the best overall unless fewer than `limit` pass the filter; then
    # the whole match is ranked again (exact, as before).
    windowed = f"""
        SELECT d.doc_type, d.doc_id, d.course_id, d.title, d.body, -top.rank AS score
        FROM (SELECT rowid, rank FROM search_fts WHERE search_fts MATCH :match AND rank MATCH '{BM25}'
              ORDER BY rank LIMIT {WINDOW}) AS top
        JOIN search_documents d ON d.id = top.rowid
        WHERE d.doc_type IN :doc_types {_audience(course_ids)}
        ORDER BY top.rank, d.id LIMIT :limit"""
    rows = db.session.execute(_bind(windowed, doc_types, course_ids), params).all()
    if len(rows) == limit:
        return rows
    whole = f"""
        SELECT d.doc_type, d.doc_id, d.course_id, d.title, d.body, -search_fts.rank AS score
        FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
        WHERE search_fts MATCH :match AND search_fts.rank MATCH '{BM25}'
          AND d.doc_type IN :doc_types {_audience(course_ids)}
        ORDER BY search_fts.rank, d.id LIMIT :limit"""
    return db.session.execute(_bind(whole, doc_types, course_ids), params).all()


def _search_postgres(
    terms: list[str], doc_types: Collection[str], course_ids: Collection[int] | None, limit: int
) -> Sequence[Row[Any]]:
    query = " || ".join(f"phraseto_tsquery('simple', :t{i})" for i in range(len(terms)))
    sql = f"""
        SELECT d.doc_type, d.doc_id, d.course_id, d.title, d.body, ts_rank(d.tsv, q) AS score
        FROM search_documents d, ({"SELECT " + query + " AS q"}) AS query
        WHERE d.tsv @@ q AND d.doc_type IN :doc_types {_audience(course_ids)}
        ORDER BY score DESC, d.id LIMIT :limit"""
    params: dict[str, object] = {f"t{i}": phrase(term) for i, term in enumerate(terms)}
    params["limit"] = limit
    return db.session.execute(_bind(sql, doc_types, course_ids), params).all()


def snippet(body: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """Plain text around the first place in `body` where a term occurs (the start when none
    does), whitespace collapsed, with … where it was cut; callers escape it."""
    flat = re.sub(r"\s+", " ", body).strip()
    lowered = flat.lower()
    found = [i for i in (lowered.find(t) for t in terms) if i >= 0]
    start = max(0, min(found) - width // 4) if found else 0
    end = min(len(flat), start + width)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
