"""A searchable document of any domain, and the database's full-text index over its terms."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow


class SearchDocument(Base):
    """One searchable thing, named by its domain's (doc_type, doc_id); the raw text for display,
    the terms (lms.search.text) for the index."""

    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("doc_type", "doc_id", name="uq_search_documents_doc"),
        Index("ix_search_documents_type_course", "doc_type", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_id: Mapped[str] = mapped_column(String(200))
    course_id: Mapped[int | None] = mapped_column(Integer)  # NULL: seen by everyone who may search
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    title_terms: Mapped[str] = mapped_column(Text)
    body_terms: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), default=utcnow, onupdate=utcnow)


# The full-text index, per database. The migration (1100) runs the same statements.
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title_terms, body_terms, content='search_documents', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms); END",
    "CREATE TRIGGER IF NOT EXISTS search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms); END",
    "CREATE TRIGGER IF NOT EXISTS search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms); "
    "INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms); END",
)
SQLITE_DROP = ("DROP TABLE IF EXISTS search_fts",)
POSTGRES_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', title_terms), 'A') || setweight(to_tsvector('simple', body_terms), 'B')"
    ") STORED",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
    "CREATE INDEX ix_search_documents_title_trgm ON search_documents USING gin (title gin_trgm_ops)",
)

for _statement in SQLITE_DDL:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_DDL:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_DROP:
    event.listen(SearchDocument.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))

# What the statements above create outside the models (FTS5's table and its shadow tables, the
# tsvector column and the two indexes): Alembic's comparison skips them (migrations/env.py).
UNMODELLED_TABLES = ("search_fts",)
UNMODELLED_NAMES = {
    ("column", "tsv"),
    ("index", "ix_search_documents_tsv"),
    ("index", "ix_search_documents_title_trgm"),
}


def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Alembic's `include_name` hook: False for the search index's unmodelled objects."""
    if type_ == "table":
        return not (name or "").startswith(UNMODELLED_TABLES)
    return not (parent_names.get("table_name") == "search_documents" and (type_, name) in UNMODELLED_NAMES)
