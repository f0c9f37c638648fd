"""search: one table of searchable documents and its full-text index (FTS5 on SQLite, a
tsvector column with GIN and a pg_trgm title index on PostgreSQL)

Revision ID: 1100
Revises: 0001
Create Date: 2026-12-07 20:00:00

"""
import sqlalchemy as sa
from alembic import op

import lms.db

# Frozen copies of lms/search/models.py's statements as of this revision.
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

# revision identifiers, used by Alembic.
revision = '1100'
down_revision = '0001'
branch_labels = ('search',)
depends_on = None


def upgrade():
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=40), nullable=False),
    sa.Column('doc_id', sa.String(length=200), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('title_terms', sa.Text(), nullable=False),
    sa.Column('body_terms', sa.Text(), nullable=False),
    sa.Column('updated_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('doc_type', 'doc_id', name='uq_search_documents_doc'),
    )
    op.create_index('ix_search_documents_type_course', 'search_documents', ['doc_type', 'course_id'], unique=False)
    statements = POSTGRES_DDL if op.get_bind().dialect.name == 'postgresql' else SQLITE_DDL
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        for statement in SQLITE_DROP:
            op.execute(statement)
    op.drop_index('ix_search_documents_type_course', table_name='search_documents')
    op.drop_table('search_documents')
