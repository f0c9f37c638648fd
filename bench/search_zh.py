"""Recall@5 of the candidate keyword searches on Chinese and mixed Chinese/English queries.

Usage: .venv/bin/python bench/search_zh.py [--postgres]
The set is tests/fixtures/search/zh.yaml (documents, queries with the documents that answer
them). Candidates, each ranking every document and keeping the top 5:
  fts5-trigram   FTS5 trigram over the raw text; a query's runs of 3+ characters as OR'd trigrams
                 (a run shorter than 3 characters cannot be asked: the issue's 模型 case)
  fts5-jieba     FTS5 unicode61 over jieba's search-mode words, the query cut by jieba, OR'd
                 (only when jieba is installed: `pip install jieba`; it is not a dependency)
  fts5-bigram    what lms.search ships, through the real service: every CJK character a token,
                 a query's CJK runs as OR'd two-character phrases, bm25 (lms/search/text.py)
  pg-bigram      (--postgres) the same service on PostgreSQL: tsvector, phraseto_tsquery, ts_rank
  pg-trgm        (--postgres) pg_trgm word_similarity of the query to title and body
Recall@5 is per query (found / expected in the top 5), averaged over the queries; "first hit
right" is the share of queries whose best hit is one of the expected documents.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.search import services  # noqa: E402
from tests.conftest import _test_config  # noqa: E402

DATA = ROOT / "tests/fixtures/search/zh.yaml"
TOP = 5

Search = Callable[[str], list[str]]


def load() -> tuple[dict[str, tuple[str, str]], dict[str, list[str]]]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {k: (v[0], v[1]) for k, v in data["documents"].items()}, data["queries"]


def quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts5(
    docs: dict[str, tuple[str, str]], tokenizer: str, prepare: Callable[[str], str], match: Callable[[str], str]
) -> Search:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(doc_id UNINDEXED, title, body, tokenize='{tokenizer}')")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", [(k, prepare(t), prepare(b)) for k, (t, b) in docs.items()])

    def search(query: str) -> list[str]:
        expression = match(query)
        if not expression:
            return []
        sql = "SELECT doc_id FROM t WHERE t MATCH ? ORDER BY bm25(t, 0, 5.0, 1.0) LIMIT ?"
        return [r[0] for r in conn.execute(sql, (expression, TOP))]

    return search


def trigram_match(query: str) -> str:
    grams = {run[i : i + 3] for run in query.lower().split() for i in range(len(run) - 2)}
    return " OR ".join(quote(g) for g in sorted(grams))


def jieba_candidate(docs: dict[str, tuple[str, str]]) -> Search | None:
    try:
        import jieba
    except ImportError:
        return None
    jieba.setLogLevel(60)

    def words(cut: Callable[[str], list[str]], value: str) -> list[str]:
        return [w for w in (t.strip().lower() for t in cut(value)) if re.search(r"\w", w)]

    def prepare(value: str) -> str:
        return " ".join(words(jieba.lcut_for_search, value))

    def match(query: str) -> str:
        return " OR ".join(quote(w) for w in dict.fromkeys(words(jieba.lcut, query)))

    return fts5(docs, "unicode61", prepare, match)


def shipped(docs: dict[str, tuple[str, str]]) -> Search:
    """lms.search on the app's database (the caller's app context)."""
    for doc_id, (title, body) in docs.items():
        services.index(services.Document("bench", doc_id, title, body, language="zh"))
    db.session.commit()
    return lambda query: [h.doc_id for h in services.search(query, ["bench"], course_ids=None, limit=TOP)]


def pg_trgm(docs: dict[str, tuple[str, str]]) -> Search:
    """pg_trgm's word_similarity on the search_documents rows `shipped` wrote (same database)."""
    sql = text(
        "SELECT doc_id FROM search_documents WHERE doc_type = 'bench' "
        "ORDER BY greatest(word_similarity(:q, title), word_similarity(:q, body)) DESC, id LIMIT :top"
    )
    return lambda query: list(db.session.scalars(sql, {"q": query, "top": TOP}))


def recall(search: Search, queries: dict[str, list[str]]) -> tuple[float, float, list[str]]:
    """Recall@5 averaged over queries, the share of queries whose first hit is expected, misses."""
    scores, firsts, misses = [], 0, []
    for query, expected in queries.items():
        found = search(query)
        firsts += bool(found) and found[0] in expected
        hit = len(set(found) & set(expected))
        scores.append(hit / len(expected))
        if hit < len(expected):
            misses.append(f"{query} -> {found} (wanted {expected})")
    return sum(scores) / len(scores), firsts / len(queries), misses


def report(name: str, search: Search, queries: dict[str, list[str]]) -> None:
    value, first, misses = recall(search, queries)
    complete = f"{len(queries) - len(misses)}/{len(queries)} queries complete"
    print(f"{name:14} recall@{TOP} = {value:.2f}  first hit right = {first:.2f}  ({complete})")
    for miss in misses:
        print(f"{'':16}miss: {miss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="also measure pg_trgm and the service on PostgreSQL")
    args = parser.parse_args()
    docs, queries = load()
    print(f"{len(docs)} documents, {len(queries)} queries, {sum(map(len, queries.values()))} expected hits")
    report("fts5-trigram", fts5(docs, "trigram", str.lower, trigram_match), queries)
    jieba_search = jieba_candidate(docs)
    if jieba_search:
        report("fts5-jieba", jieba_search, queries)
    else:
        print("fts5-jieba     skipped: jieba is not installed (pip install jieba)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, url, server in _databases(Path(tmp), args.postgres):
            app = create_app(_test_config(url, Path(tmp) / "instance"))
            with app.app_context():
                db.create_all()
                report(f"{name}-bigram", shipped(docs), queries)
                if name == "pg":
                    report("pg-trgm", pg_trgm(docs), queries)
                db.session.remove()
                db.engine.dispose()
            if server:
                server.stop()


def _databases(tmp: Path, postgres: bool):
    yield "fts5", f"sqlite:///{tmp / 'bench.db'}", None
    if postgres:
        from tests.postgres import TempPostgres

        server = TempPostgres()
        yield "pg", server.start(), server


if __name__ == "__main__":
    main()
