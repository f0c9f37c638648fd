"""Community benchmark (issue 17): 100,000 posts in 10,000 threads, read through HTTP.

One command, `python bench/community.py` (or `make bench-community`):
1. a fresh SQLite instance with the demo catalog, the demo accounts and `flask demo seed
   --learners 3000 --events 0` (each learner enrolled in one demo course, 5 unread notifications);
2. threads and posts written in bulk (multi-row Core INSERTs, never the services: no events, no
   notifications): --threads threads on the demo courses' lessons and assignments, the busiest items
   holding most of them (a long tail), a share in Chinese, one thread of 200 posts, --posts posts
   in all; the threads' counters (replies, votes) and answer times (first reply, first staff
   answer, accepted answer) are those of their posts; the opening posts' votes are real vote rows;
   each thread's search document (title and opening post) comes from the community's own indexer;
3. gunicorn with 2 workers, warm (both workers served each page first), an enrolled learner signed
   in: p50/p95 of (a) a lesson's thread list, first page by last activity (the busiest lesson, and
   the quietest of the same course, which the list's index serves least well), (b) the
   200-post thread's pages, (c) the similar-threads search over English and Chinese queries, beside
   (d) the anchor, a plain `LIKE '%query%'` scan of the same data (every thread's title and opening
   post) on a bare sqlite3 connection in this process, and the similar threads' service call in
   this process beside it; targets 50 / 80 / 100 ms; with each figure
   the workers' CPU time per request (other load on the shared machine disturbs it less than wall
   time) and the load average before and after.
`--instance DIR` keeps the seeded instance and reuses it on the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.serving import flask, gunicorn, latencies, login, percentiles, workers_cpu

LONG_THREAD_POSTS = 200
REPLY_CAP = 150  # every other thread is shorter than the long one
TARGETS = {"list": 50.0, "quiet": 50.0, "thread": 80.0, "search": 100.0}
QUERIES = (
    "rate limit",
    "tokenizer",
    "embedding dimension",
    "streaming response timeout",
    "LoRA rank",
    "模型",
    "向量数据库",
    "微调 显存",
    "上下文窗口",
    "temperature 温度",
)

# What people ask about, in English and in Chinese (the same topics, not translations).
EN_TOPICS = (
    "the tokenizer",
    "the rate limit",
    "streaming responses",
    "the embedding dimension",
    "function calling",
    "the temperature setting",
    "the context window",
    "retry with backoff",
    "the vector store",
    "chunk size",
    "LoRA rank",
    "quantization",
    "the KV cache",
    "batch size",
    "the eval harness",
    "prompt injection",
    "JSON mode",
    "the system prompt",
    "reranking",
    "gradient accumulation",
)
EN_TITLES = (
    "Why does {t} behave differently in the notebook?",
    "How should I choose {t} for this exercise?",
    "Confused about {t} in step {n}",
    "{T}: my output does not match the expected one",
    "Is there a rule of thumb for {t}?",
    "Error after changing {t}",
    "What is the difference between {t} and {u}?",
    "Tip: {t} made my solution twice as fast",
)
EN_SENTENCES = (
    "I followed the lesson but {t} gives me a different result than the example.",
    "When I change {t} the tests pass locally and fail in the grader.",
    "Here is what I tried:\n\n```python\nclient = make_client(timeout=30)\n"
    "result = client.complete(prompt, max_tokens=256)\n```",
    "The error says the request was rejected, and it only happens with {u}.",
    "Is this expected, or am I misreading the section about {t}?",
    "I read the docs twice and still do not see how {t} interacts with {u}.",
    "For reference my numbers are below; the second run is slower.",
    "Any pointer to the part of the lesson that explains this would help.",
)
EN_REPLIES = (
    "Check {t} first: the lesson's default is set for the small model.",
    "I had the same problem. Lowering {t} fixed it for me.",
    "The grader runs with a fresh kernel, so anything defined in an earlier cell you deleted is gone.",
    "This is covered at the end of the module, under **common mistakes**.",
    "Try printing the intermediate result:\n\n```python\nprint(len(tokens), tokens[:10])\n```",
    "Thanks, that was it!",
    "Same here, +1. Following.",
    "{T} and {u} are independent; change one at a time and compare.",
    "The docs say the limit is per minute, not per request.",
    "Good question. I think the example assumes the default settings.",
)
ZH_TOPICS = (
    "模型",
    "分词器",
    "向量数据库",
    "温度参数",
    "微调",
    "量化",
    "检索增强生成",
    "提示词",
    "上下文窗口",
    "速率限制",
)
ZH_TITLES = (
    "{t}为什么输出和示例不一样?",
    "请问第{n}步的{t}应该怎么设置?",
    "{t}报错,求帮助",
    "关于{t}和{u}的区别",
    "{t}显存不够怎么办?",
)
ZH_SENTENCES = (
    "我按照课程的步骤做了,但是{t}的结果和示例不一样。",
    "换了{u}以后测试在本地通过,评分时却失败了。",
    "这是我的代码:\n\n```python\nresult = client.complete(prompt, max_tokens=256)\n```",
    "是不是我理解错了{t}这一节?",
    "有没有人遇到过同样的问题?",
)
ZH_REPLIES = (
    "先检查一下{t}的设置,课程里的默认值是针对小模型的。",
    "我也遇到过,把{t}调小就好了。",
    "谢谢,解决了!",
    "评分器每次都用新的内核运行,删掉的单元格里定义的变量就没有了。",
    "这个问题在本模块最后的常见错误部分有讲。",
)
TAGS = ("api", "notebook", "grading", "performance", "error", "setup", "concepts", "tips")


def seed_label(args: argparse.Namespace) -> str:
    return f"{args.learners} learners, {args.threads} threads, {args.posts} posts, {args.chinese} Chinese"


def reply_counts(rng: random.Random, threads: int, posts: int) -> list[int]:
    """Replies per thread: thread 0 has LONG_THREAD_POSTS - 1, the others a long tail (Pareto) capped
    below it, summing to `posts` posts in all (each thread's opening post included)."""
    replies = posts - threads - (LONG_THREAD_POSTS - 1)
    if replies < 0 or threads < 2:
        sys.exit("--posts must be at least --threads + 199")
    weights = [rng.paretovariate(1.1) - 1 for _ in range(threads - 1)]
    scale = replies / sum(weights)
    counts = [min(REPLY_CAP, int(w * scale)) for w in weights]
    short = replies - sum(counts)
    while short > 0:  # what rounding and the cap left over, one at a time to threads under the cap
        k = rng.randrange(len(counts))
        if counts[k] < REPLY_CAP:
            counts[k] += 1
            short -= 1
    return [LONG_THREAD_POSTS - 1, *counts]


def fill(template: str, rng: random.Random, topics: tuple[str, ...]) -> str:
    t, u = rng.sample(topics, 2)
    return template.format(t=t, u=u, T=t[:1].upper() + t[1:], n=rng.randint(1, 6))


def opening(rng: random.Random, zh: bool) -> tuple[str, str]:
    topics = ZH_TOPICS if zh else EN_TOPICS
    title = fill(rng.choice(ZH_TITLES if zh else EN_TITLES), rng, topics)
    sentences = ZH_SENTENCES if zh else EN_SENTENCES
    body = "\n\n".join(fill(s, rng, topics) for s in rng.sample(sentences, rng.randint(2, 4)))
    return title, body


class Seeder:
    """The rows of the seeded community, built in memory thread by thread, then written in bulk."""

    def __init__(self, rng: random.Random, now: datetime, learners: dict, staff: dict, modules: dict) -> None:
        from lms.community.services import render_post

        self.rng, self.now, self.render = rng, now, render_post
        self.learners, self.staff, self.modules = learners, staff, modules
        self.rows: dict[str, list[dict]] = {k: [] for k in ("threads", "posts", "votes", "follows", "tags", "accepted")}
        self.rendered: dict[str, str] = {}
        self.post_id = 0

    def html(self, body: str) -> str:
        if body not in self.rendered:
            self.rendered[body] = self.render(body)
        return self.rendered[body]

    def thread(self, thread_id: int, item, replies: int, zh: bool, anchored: bool, course_wide: bool) -> None:
        from lms.community.models import ThreadKind

        rng, course_id = self.rng, item.course_id
        title, body = opening(rng, zh)
        kind = ThreadKind.QUESTION if rng.random() < 0.8 else ThreadKind.DISCUSSION
        author = rng.choice(self.learners[course_id])
        created = self.now - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        module = item[4] if anchored else (None if course_wide else rng.choice(self.modules[course_id]))
        thread = {
            "id": thread_id,
            "course_id": course_id,
            "module_slug": module,
            "item_slug": item.slug if anchored else None,
            "item_id": item.id if anchored else None,
            "item_sha256": item.content_sha256 if anchored else None,
            "kind": kind,
            "title": title,
            "author_id": author,
            "created_at": created,
            "reply_count": replies,
            "first_reply_at": None,
            "first_staff_answer_at": None,
        }
        answers = self.posts(thread, body, replies, zh)
        if kind == ThreadKind.QUESTION and answers and rng.random() < 0.4:
            chosen, answered = rng.choice(answers)
            at = min(self.now, answered + timedelta(hours=3))
            self.rows["accepted"].append({"tid": thread_id, "pid": chosen, "by": author, "at": at})
        self.rows["threads"].append(thread)
        self.rows["follows"].append({"thread_id": thread_id, "user_id": author, "created_at": created})
        self.rows["tags"] += [{"thread_id": thread_id, "tag": tag} for tag in rng.sample(TAGS, rng.randint(0, 2))]

    def posts(self, thread: dict, body: str, replies: int, zh: bool) -> list[tuple[int, datetime]]:
        """The opening post and the replies, minutes to days apart; sets the thread's vote count,
        answer times and last activity from them; returns the answers (replies by others)."""
        rng, author, course_id = self.rng, thread["author_id"], thread["course_id"]
        people, staff = self.learners[course_id], self.staff.get(course_id, [])
        at, answers = thread["created_at"], []
        for position in range(1, replies + 2):
            self.post_id += 1
            if position == 1:
                writer, text = author, body
            else:
                at = min(self.now, at + timedelta(minutes=rng.expovariate(1 / 240)))
                roll = rng.random()
                writer = rng.choice(staff or people) if roll < 0.08 else author if roll < 0.2 else rng.choice(people)
                text = fill(rng.choice(ZH_REPLIES if zh else EN_REPLIES), rng, ZH_TOPICS if zh else EN_TOPICS)
            voters = rng.sample(people, min(len(people), int(rng.paretovariate(2)))) if rng.random() < 0.3 else []
            voters = [v for v in voters if v != writer]
            self.rows["posts"].append(
                {
                    "id": self.post_id,
                    "thread_id": thread["id"],
                    "position": position,
                    "author_id": writer,
                    "body": text,
                    "body_html": self.html(text),
                    "by_staff": writer in staff,
                    "vote_count": len(voters),
                    "created_at": at,
                }
            )
            self.rows["votes"] += [{"post_id": self.post_id, "user_id": v, "created_at": at} for v in voters]
            if position == 1:
                thread["vote_count"] = len(voters)
            elif writer != author:
                thread["first_reply_at"] = thread["first_reply_at"] or at
                if writer in staff:
                    thread["first_staff_answer_at"] = thread["first_staff_answer_at"] or at
                answers.append((self.post_id, at))
        thread["last_activity_at"] = at
        return answers


def seed_community(threads: int, posts: int, chinese: float, rng_seed: int = 17) -> dict[str, int]:
    """Write the threads, posts, votes, follows, tags and search documents in bulk (app context);
    returns how many of each were written."""
    from sqlalchemy import func, insert, select, update

    from lms.accounts.models import User
    from lms.catalog.models import Course, CourseInstructor, Item, Module
    from lms.community.models import Post, PostVote, Thread, ThreadFollow, ThreadTag
    from lms.community.services.search import DOC_TYPE
    from lms.extensions import db
    from lms.learning.models import Enrollment
    from lms.search import services as search
    from lms.search.models import SearchDocument
    from lms.search.text import index_text

    rng = random.Random(rng_seed)
    items = db.session.execute(
        select(Item.id, Item.course_id, Item.slug, Item.content_sha256, Module.slug)
        .join(Module, Module.id == Item.module_id)
        .join(Course, Course.id == Item.course_id)
        .where(Item.kind.in_(("lesson", "assignment")), Item.archived_at.is_(None), Course.slug.not_like("bench-%"))
        .order_by(Item.id)
    ).all()
    rng.shuffle(items)  # the busiest items are anywhere in the catalog
    zipf = [1 / (rank + 1) ** 1.1 for rank in range(len(items))]
    learners: dict[int, list[int]] = {}
    for user_id, course_id in db.session.execute(select(Enrollment.user_id, Enrollment.course_id)):
        learners.setdefault(course_id, []).append(user_id)
    staff: dict[int, list[int]] = {}
    for course_id, user_id in db.session.execute(
        select(CourseInstructor.course_id, User.id).join(User, User.email == CourseInstructor.email)
    ):
        staff.setdefault(course_id, []).append(user_id)
    modules: dict[int, list[str]] = {}
    for item in items:
        modules.setdefault(item.course_id, []).append(item[4])

    seeder = Seeder(rng, datetime.now(UTC), learners, staff, modules)
    seeder.post_id = db.session.scalar(select(func.coalesce(func.max(Post.id), 0)))
    first_thread = db.session.scalar(select(func.coalesce(func.max(Thread.id), 0))) + 1
    for n, replies in enumerate(reply_counts(rng, threads, posts)):
        where = rng.random()  # most threads are about an item; the others about a module or the course
        item = items[0] if n == 0 else rng.choices(items, zipf)[0]
        seeder.thread(first_thread + n, item, replies, rng.random() < chinese, n == 0 or where < 0.88, where > 0.94)

    rows = seeder.rows
    tables = (Thread, Post, PostVote, ThreadFollow, ThreadTag)
    for table, name in zip(tables, ("threads", "posts", "votes", "follows", "tags"), strict=True):
        for start in range(0, len(rows[name]), 2000):
            db.session.execute(insert(table), rows[name][start : start + 2000])
    for row in rows["accepted"]:
        db.session.execute(
            update(Thread)
            .where(Thread.id == row["tid"])
            .values(accepted_post_id=row["pid"], accepted_by_id=row["by"], accepted_at=row["at"])
        )
    # The threads' search documents as the community's own indexer makes them, written in bulk
    # (what `flask search reindex thread` writes one upsert at a time).
    docs = [
        {**asdict(doc), "title_terms": index_text(doc.title), "body_terms": index_text(doc.body)}
        for doc in search.indexers()[DOC_TYPE]()
    ]
    for start in range(0, len(docs), 2000):
        db.session.execute(insert(SearchDocument), docs[start : start + 2000])
    db.session.commit()

    return {
        "threads": len(rows["threads"]),
        "posts": len(rows["posts"]),
        "votes": len(rows["votes"]),
        "accepted answers": len(rows["accepted"]),
        "Chinese threads": sum(d["language"] == "zh" for d in docs),
    }


def subjects() -> dict[str, object]:
    """What the requests ask for, read from the seeded database (app context): the item with the
    most threads and the one with the fewest in the same course, the longest thread, and a bench
    learner enrolled in that course."""
    from sqlalchemy import func, select

    from lms.accounts.models import User
    from lms.catalog.models import Course
    from lms.community.models import Thread
    from lms.extensions import db
    from lms.learning.models import Enrollment

    per_item = (
        select(Thread.course_id, Thread.item_slug, func.count().label("n"))
        .where(Thread.item_slug.is_not(None))
        .group_by(Thread.course_id, Thread.item_slug)
    )
    course_id, busiest, most = db.session.execute(per_item.order_by(func.count().desc()).limit(1)).one()
    _, quietest, fewest = db.session.execute(
        per_item.where(Thread.course_id == course_id).order_by(func.count()).limit(1)
    ).one()
    long_thread = db.session.execute(
        select(Thread.id, Course.slug).join(Course).order_by(Thread.reply_count.desc())
    ).first()
    learner = db.session.scalar(
        select(User.email)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course_id, User.email.like("%@bench.test"))
        .order_by(User.id)
        .limit(1)
    )
    return {
        "course": db.session.get(Course, course_id).slug,
        "busiest": (busiest, most),
        "quietest": (quietest, fewest),
        "course_threads": db.session.scalar(select(func.count()).where(Thread.course_id == course_id)),
        "long_thread": f"/courses/{long_thread.slug}/community/{long_thread.id}",
        "learner": learner,
    }


def similar_threads(email: str) -> Callable[[str], object]:
    """The similar threads as the page asks for them (lms.community.services.search.similar: the
    search layer's query, the threads' rows, the coverage check), for this learner, in this process."""
    from lms.accounts.services import find_user
    from lms.community.services.search import similar

    user = find_user(email)
    return lambda query: similar(user, query)


def like_scan(database: Path) -> Callable[[str], None]:
    """The anchor: the query as one `LIKE '%query%'` over every thread's title and opening post,
    all matches fetched, on a bare sqlite3 connection."""
    conn = sqlite3.connect(database)
    sql = (
        "SELECT t.id FROM threads t JOIN posts p ON p.thread_id = t.id AND p.position = 1 "
        "WHERE t.title LIKE :q OR p.body LIKE :q"
    )
    return lambda query: conn.execute(sql, {"q": f"%{query}%"}).fetchall()


def in_process(call: Callable[[str], object], rounds: int) -> tuple[float, ...]:
    """p50, p95 and CPU ms per call of `call` over QUERIES (warmed once each), and the load average
    before and after."""
    for query in QUERIES:
        call(query)
    load, cpu, times = os.getloadavg()[0], time.process_time(), []
    for n in range(rounds):
        started = time.perf_counter()
        call(QUERIES[n % len(QUERIES)])
        times.append((time.perf_counter() - started) * 1000)
    cpu_ms = 1000 * (time.process_time() - cpu) / rounds
    return (*percentiles(times), cpu_ms, load, os.getloadavg()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--learners", type=int, default=3_000)
    parser.add_argument("--chinese", type=float, default=0.15, help="share of threads written in Chinese")
    parser.add_argument("--requests", type=int, default=300, help="sequential requests per figure")
    parser.add_argument("--instance", type=Path, help="keep the seeded instance here and reuse it next time")
    args = parser.parse_args()

    instance = args.instance.resolve() if args.instance else Path(tempfile.mkdtemp(prefix="academy-bench-community-"))
    marker = instance / "bench-seeded"
    reuse = marker.is_file() and marker.read_text().startswith(seed_label(args))
    env = {
        **os.environ,
        "FLASK_APP": "app.py",
        "ACADEMY_INSTANCE": str(instance),
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "GRADING_KERNEL_POOL": "0",
    }
    env.pop("DATABASE_URL", None)
    os.environ.update({k: v for k, v in env.items() if k != "FLASK_APP"})
    try:
        if not reuse:
            if instance.exists() and any(instance.iterdir()) and not marker.is_file():
                sys.exit(f"{instance} is not empty and is not a bench instance: choose another folder")
            shutil.rmtree(instance, ignore_errors=True)
            instance.mkdir(parents=True)
            marker.write_text("seeding")
        flask(env, "db", "upgrade", "heads")  # a kept instance too: the migrations added since
        if not reuse:
            flask(env, "courses", "sync")
            flask(env, "platform", "init")
            print(f"seeding {args.learners:,} learners...", flush=True)
            flask(env, "demo", "seed", "--learners", str(args.learners), "--courses", "1", "--events", "0")
        from lms import create_app
        from lms.extensions import db

        app = create_app()
        with app.app_context():
            if reuse:
                seeded = json.loads(marker.read_text().split("\n", 1)[1])
            else:
                print(f"seeding {args.threads:,} threads, {args.posts:,} posts...", flush=True)
                started = time.perf_counter()
                seeded = {"counts": seed_community(args.threads, args.posts, args.chinese)}
                seeded["seconds"] = time.perf_counter() - started
                marker.write_text(f"{seed_label(args)}\n{json.dumps(seeded)}")
            asked = subjects()
            database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
            db.session.remove()
            db.engine.dispose()
        figures = measure(env, asked, args.requests)
        with app.app_context():
            figures["service"] = in_process(similar_threads(asked["learner"]), args.requests)
            db.session.remove()
        figures["like"] = in_process(like_scan(database), args.requests)
    finally:
        if not args.instance:
            shutil.rmtree(instance, ignore_errors=True)
    report(seeded, reuse, asked, figures)


def measure(env: dict, asked: dict, requests: int) -> dict[str, tuple[float, ...]]:
    """p50, p95, the workers' CPU ms per request and the load average before and after, per page."""
    community = f"/courses/{asked['course']}/community"
    pages = {
        "list": f"{community}?{urlencode({'item': asked['busiest'][0]})}",
        "quiet": f"{community}?{urlencode({'item': asked['quietest'][0]})}",
        "thread": [f"{asked['long_thread']}?page={n}" for n in (1, 2, 3, 4)],
        "search": [f"{community}/similar?{urlencode({'q': q})}" for q in QUERIES],
    }
    figures = {}
    with gunicorn(env) as (server, port):
        cookies = [login(port, asked["learner"])]
        for paths in pages.values():  # warm both workers
            latencies(port, paths, cookies, 20)
        for name, paths in pages.items():
            load, cpu = os.getloadavg()[0], workers_cpu(server.pid)
            p50, p95 = latencies(port, paths, cookies, requests)
            cpu_ms = 1000 * (workers_cpu(server.pid) - cpu) / requests
            figures[name] = (p50, p95, cpu_ms, load, os.getloadavg()[0])
    return figures


def report(seeded: dict, reuse: bool, asked: dict, figures: dict[str, tuple[float, ...]]) -> None:
    counts = ", ".join(f"{v:,} {k}" for k, v in seeded["counts"].items())
    when = "reused instance" if reuse else f"seeded in {seeded['seconds']:.1f} s"
    print(f"\nSQLite; {counts}; {when}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"course {asked['course']}: {asked['course_threads']:,} threads")
    labels = {
        "list": f"(a) a lesson's thread list, first page of 20: the busiest ({asked['busiest'][1]:,} threads)",
        "quiet": f"    the same, the course's quietest lesson ({asked['quietest'][1]:,} threads)",
        "thread": f"(b) the {LONG_THREAD_POSTS}-post thread, its pages 1-4",
        "search": f"(c) similar-threads search, {len(QUERIES)} queries (en, zh)",
        "service": "    its service call alone (community search.similar), in process",
        "like": "(d) anchor: LIKE '%query%' on titles and opening posts, bare sqlite3 in process",
    }
    for name, label in labels.items():
        p50, p95, cpu_ms, load_before, load_after = figures[name]
        target = TARGETS.get(name)
        verdict = f"target p95 < {target:.0f} ms: {'pass' if p95 < target else 'FAIL'}" if target else ""
        loads = f"(load {load_before:.2f} / {load_after:.2f})"
        print(f"{label:76} p50 {p50:5.1f} ms  p95 {p95:5.1f} ms  CPU {cpu_ms:4.1f} ms/req  {verdict:28} {loads}")
    search, service, like = figures["search"], figures["service"], figures["like"]
    print(
        f"against the LIKE scan, p95: the page {search[1] / like[1]:.2f}x, "
        f"the search call {service[1] / like[1]:.2f}x; CPU: the page {search[2] / like[2]:.2f}x, "
        f"the call {service[2] / like[2]:.2f}x"
    )


if __name__ == "__main__":
    main()
