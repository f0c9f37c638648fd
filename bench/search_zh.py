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

Speed (--speed N, e.g. 100000): N generated threads (Chinese and English, over 10 courses, the
set's documents among them) indexed through the service, then each query of the set (short)
and each document title of the set (long) searched warm, as a learner reading 2 courses, and the
same strings found with a plain LIKE scan of titles and bodies (the anchor): p50 and p95 in ms,
with the load average. It also prints the set's recall@5 among the N threads.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.search import services  # noqa: E402
from lms.search.text import index_text  # noqa: E402
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


def words(text: str) -> list[str]:
    return text.split()


# Speed: generated threads, words drawn with Zipf's law (the n-th commonest word weighs 1/n) from
# common words first, then the set's words, then 5,000 made-up words of 1-3 characters, so that
# frequent characters and pairs (的, 怎么, 一个...) are in most threads and a topic word such as
# 模型 in a few percent of them, as in a course's questions.
COMMON_ZH = words(
    "的 了 是 在 我 有 和 就 不 人 都 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那 怎么 为什么 "
    "什么 可以 应该 需要 问题 代码 数据 函数 变量 错误 运行 结果 时候 课程 作业 老师 同学 请问 谢谢 "
    "已经 还是 但是 如果 因为 所以 然后 这个 那个 一下 知道 觉得 现在 文件 程序 输出 输入 测试 学习"
)
COMMON_EN = words(
    "the a to is in how do i my error when with for python list function value file data code not "
    "why what does work use get set loop class return test output input run install version key "
    "pandas numpy model train loss csv plot dict string import module package path env api request"
)
SPEED_COURSES = 10
READER_COURSES = [1, 2]
REPEATS = 3


def zipf(words: list[str]) -> tuple[list[str], list[float]]:
    """The words with cumulative Zipf weights, for random.choices."""
    total, cumulative = 0.0, []
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        cumulative.append(total)
    return words, cumulative


def vocabulary(docs: dict[str, tuple[str, str]], rng: random.Random) -> tuple[list[str], list[float]]:
    """Chinese words with cumulative weights: jieba's dictionary by its frequencies when jieba is
    installed (real Chinese: 的 in most texts, 模型 in few); else Zipf over common words, the
    set's words and made-up ones."""
    try:
        import jieba
    except ImportError:
        jieba = None
    if jieba is not None:
        entries = []
        with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as lines:
            for line in lines:
                word, freq, *_ = line.split()
                entries.append((int(freq), word))
        entries.sort(reverse=True)
        total, cumulative = 0.0, []
        for freq, _ in entries[:50_000]:
            total += freq
            cumulative.append(total)
        return [w for _, w in entries[:50_000]], cumulative
    words = list(COMMON_ZH)
    for title, body in docs.values():
        for run in re.findall(r"[\u4e00-\u9fff]+", title + body):
            words.extend(run[i : i + 2] for i in range(0, len(run) - 1, 2))
    pool = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]
    words.extend("".join(rng.choices(pool, k=rng.randint(1, 3))) for _ in range(5000))
    return zipf(list(dict.fromkeys(words)))


def generated(n: int, docs: dict[str, tuple[str, str]], rng: random.Random) -> list[services.Document]:
    """n threads: about two in three Chinese (a 6-16 word title, a 30-120 word body), the rest
    English; the set's documents among them (course 1)."""
    zh, zh_weights = vocabulary(docs, rng)
    en, en_weights = zipf(COMMON_EN)
    out = [services.Document("bench", k, t, b, "zh", 1) for k, (t, b) in docs.items()]
    for i in range(n - len(out)):
        if rng.random() < 0.67:
            title = "".join(rng.choices(zh, cum_weights=zh_weights, k=rng.randint(6, 16)))
            body = "".join(rng.choices(zh, cum_weights=zh_weights, k=rng.randint(30, 120)))
        else:
            title = " ".join(rng.choices(en, cum_weights=en_weights, k=rng.randint(5, 12)))
            body = " ".join(rng.choices(en, cum_weights=en_weights, k=rng.randint(30, 120)))
        out.append(services.Document("bench", f"g{i}", title, body, "zh", rng.randint(1, SPEED_COURSES)))
    return out


def seed(documents: list[services.Document]) -> None:
    """Bulk rows as services.index writes them (one statement per 2,000, not 100,000 upserts)."""
    table = services.SearchDocument.__table__
    for start in range(0, len(documents), 2000):
        rows = [
            {
                "doc_type": d.doc_type,
                "doc_id": d.doc_id,
                "course_id": d.course_id,
                "language": d.language,
                "title": d.title,
                "body": d.body,
                "title_terms": index_text(d.title),
                "body_terms": index_text(d.body),
            }
            for d in documents[start : start + 2000]
        ]
        db.session.execute(table.insert(), rows)
    db.session.commit()


def like_scan(query: str) -> list[str]:
    """The anchor: the query as one substring of titles or bodies, no index, no ranking."""
    sql = text(
        "SELECT doc_id FROM search_documents WHERE doc_type = 'bench' AND course_id IN (1, 2) "
        "AND (title LIKE :p OR body LIKE :p) LIMIT 10"
    )
    return list(db.session.scalars(sql, {"p": f"%{query}%"}))


def timings(run: Callable[[str], object], queries: list[str]) -> tuple[float, float, float, float]:
    """Wall p50, p95 and worst, and CPU p95, over every query REPEATS times, warm (one untimed run
    first), in ms. SQLite runs in this process, so its CPU time is the search's own work."""
    for query in queries:
        run(query)
    wall, cpu = [], []
    for _ in range(REPEATS):
        for query in queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            run(query)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    wall.sort()
    cpu.sort()
    p95 = int(len(wall) * 0.95) - 1
    return statistics.median(wall), wall[p95], wall[-1], cpu[p95]


def speed(name: str, n: int, docs: dict[str, tuple[str, str]], queries: dict[str, list[str]]) -> None:
    seed(generated(n, docs, random.Random(17)))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE search_documents"))
        db.session.commit()

    def service(query: str) -> list[str]:
        return [h.doc_id for h in services.search(query, ["bench"], READER_COURSES, limit=TOP)]

    short, long = list(queries), [title for title, _ in docs.values()]
    print(f"{name}: {n:,} threads, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, batch in (("short", short), ("long", long)):
        for what, run in (("search", service), ("LIKE scan", like_scan)):
            p50, p95, worst, cpu = timings(run, batch)
            figures = f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  worst {worst:6.1f} ms  CPU p95 {cpu:6.1f} ms"
            print(f"  {label:5} queries ({len(batch)}), {what:9}: {figures}")
    report(f"{name}-at-{n // 1000}k", service, queries)


SIMILAR = ROOT / "tests/fixtures/search/similar.yaml"


def similar_threshold(docs: dict[str, tuple[str, str]]) -> None:
    """For typed titles (similar.yaml), the share of their words each hit contains, for the
    expected threads and for every other hit of the top 10; then what each minimum keeps."""
    from lms.search.text import coverage

    titles = yaml.safe_load(SIMILAR.read_text(encoding="utf-8"))
    good, other = [], []
    for title, expected in titles.items():
        for hit in services.search(title, ["bench"], course_ids=None, limit=10):
            share = coverage(title, " ".join(docs[hit.doc_id]))
            (good if hit.doc_id in expected else other).append(share)
    wanted = sum(map(len, titles.values()))
    print(f"similar: {len(titles)} typed titles, {wanted} expected threads, {len(good)} found in the top 10")
    print("  expected threads' shares: " + " ".join(f"{x:.2f}" for x in sorted(good)))
    print("  other hits' shares:       " + " ".join(f"{x:.2f}" for x in sorted(other)))
    for minimum in (0.25, 0.34, 0.4, 0.5, 0.6, 0.75):
        kept = sum(x >= minimum for x in good)
        dropped = sum(x < minimum for x in other)
        print(f"  minimum {minimum:.2f}: expected kept {kept}/{wanted}, other hits dropped {dropped}/{len(other)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="also measure pg_trgm and the service on PostgreSQL")
    parser.add_argument("--speed", type=int, metavar="N", help="time searches over N generated threads")
    parser.add_argument("--similar", action="store_true", help="measure the minimum share for suggestions")
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
                if args.similar:
                    similar_threshold(docs)
                if name == "pg":
                    report("pg-trgm", pg_trgm(docs), queries)
                if args.speed:
                    db.session.execute(text("DELETE FROM search_documents"))
                    db.session.commit()
                    speed(name, args.speed, docs, queries)
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
