"""The demo's community: a handful of threads on the demo courses' lessons, asked and answered by
the cohort's learners and the instructor through the real services (ask, reply, upvote, accept),
so the panels, the lists, the staff queue and the figures have something true to show. Loaded once,
after the cohort (`flask demo cohort`, `make run`); its own marker makes a second run add nothing, also on a
database whose cohort was loaded before the community existed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog import services as catalog
from lms.community import services as community
from lms.community.models import Post, ThreadKind
from lms.community.services import answers, conduct
from lms.db import clock_at, utcnow
from lms.demo.cohort import EMAIL_DOMAIN
from lms.demo.services import demo_load, demo_user, finish_load, start_load
from lms.extensions import db
from lms.learning.models import Enrollment

MARKER = "community"
STAFF = "staff"  # a reply by the course's instructor; numbers are the course's cohort learners in order


@dataclass(frozen=True)
class DemoThread:
    course: str
    item: str
    asker: int
    days_ago: float
    title: str
    body: str
    replies: tuple[tuple[int | str, float, str], ...] = ()  # (who, hours after the question, body)
    kind: ThreadKind = ThreadKind.QUESTION
    tags: tuple[str, ...] = ()
    upvotes: tuple[tuple[int, int | str], ...] = ()  # (post: 0 the question, n the nth reply; who)
    accepted: int | None = None  # the reply the asker accepts (1 the first), an hour after the last


THREADS = (
    DemoThread(
        "llm-api-fundamentals",
        "02-tokens-and-bpe",
        0,
        20,
        'Why is "hello" one token but " hello" a different one?',
        "In the tokenizer playground `hello` and ` hello` (with the leading space) get different ids:\n\n"
        "```python\n>>> enc.encode('hello'), enc.encode(' hello')\n([15339], [24748])\n```\n\n"
        "Does that mean my prompt costs more if I put spaces in front of words?",
        (
            (
                1,
                3,
                "The space is part of the token: BPE merged ` hello` as one unit because it is so common "
                "after a space. Same length, different id, so no extra cost.",
            ),
            (
                STAFF,
                7,
                "Right. Words in running text almost always carry their leading space, which is why "
                "the vocabulary has both. The lesson's section on *merges* shows how the pair gets learned.",
            ),
            (0, 8, "That makes sense, thanks both!"),
        ),
        tags=("tokens",),
        upvotes=((0, 3), (1, 0), (1, 4), (2, 0), (2, 1), (2, 3)),
        accepted=2,
    ),
    DemoThread(
        "llm-api-fundamentals",
        "05-errors-and-rate-limits",
        2,
        14,
        "Should my retry loop also retry a 400?",
        "My helper retries with exponential backoff on every error. The exercise says that is wrong "
        "but I do not see why a retry would hurt.",
        (
            (
                STAFF,
                2,
                "A 400 says the request itself is wrong (a bad parameter, a prompt too long): sending "
                "it again gets the same answer and spends your rate limit. Retry 429 and 5xx, with backoff "
                "and a cap; fail fast on the other 4xx and show the message.",
            ),
            (3, 5, "I also log the `retry-after` header on a 429, the server tells you how long to wait."),
        ),
        tags=("errors", "rate-limits"),
        upvotes=((1, 2), (1, 0), (1, 4), (2, 2)),
        accepted=1,
    ),
    DemoThread(
        "llm-api-fundamentals",
        "token-counter",
        1,
        9,
        "Token counter: passes locally, one check fails in the grader",
        "All the visible tests pass in my notebook but the grade says 2 of 3 checks. "
        "Is there an edge case the visible tests do not cover?",
        (
            (4, 4, "Check what your function does with an empty string. Mine raised an IndexError there."),
            (1, 6, "That was it: `count_tokens('')` should be 0. Resubmitted and it passes."),
        ),
        tags=("assignment",),
        upvotes=((0, 4), (1, 1), (1, 0)),
        accepted=1,
    ),
    DemoThread(
        "llm-api-fundamentals",
        "03-context-windows-and-cost",
        3,
        6,
        "Share your cost estimates for the exercises",
        "I tallied what the module's exercises would cost on a paid API: about 40k input and 6k output "
        "tokens in all, so a few cents. What did you get? Curious whether anyone found a way to cut the "
        "input side.",
        (
            (0, 20, "Similar here. Caching the system prompt halved my input tokens on the chat exercise."),
            (5, 30, "Trimming the conversation history to the last 4 turns was the biggest saving for me."),
        ),
        kind=ThreadKind.DISCUSSION,
        tags=("cost",),
        upvotes=((0, 1), (1, 3), (2, 3), (2, 0)),
    ),
    DemoThread(
        "llm-api-fundamentals",
        "01-first-request",
        5,
        3,
        "运行第一个请求时提示 API 密钥无效",
        "我已经在 `.env` 文件里设置了密钥,但是运行第一个请求时还是提示 `401 invalid api key`。"
        "是不是还需要重新启动内核?",
        ((2, 1, "对,环境变量是在内核启动时读取的。修改 `.env` 以后要重启内核再运行。"),),
        tags=("setup",),
        accepted=1,
    ),
    DemoThread(
        "llm-api-fundamentals",
        "04-streaming",
        4,
        1,
        "How do I stop a stream half-way?",
        "When the user clicks *Stop* in my little chat app I break out of the loop over the chunks. "
        "Does the server keep generating (and billing) after that, or is closing the response enough?",
        tags=("streaming",),
    ),
)


def load_community() -> dict[str, int] | None:
    """Ask, answer, upvote and accept THREADS once; None when they were loaded already. Needs the demo cohort's
    learners (their conduct is taken as accepted, as at sign-up). The caller commits."""
    if demo_load(MARKER) is not None:
        return None
    load = start_load(MARKER)
    instructor = demo_user("instructor")
    counts = {"threads": 0, "replies": 0, "upvotes": 0, "accepted answers": 0}
    for spec in THREADS:
        course = catalog.get_course(spec.course)
        item = next((i for m in course.modules for i in m.items if i.slug == spec.item), None) if course else None
        learners = _cohort_learners(course.id) if course else []
        people = {STAFF: instructor, **dict(enumerate(learners))}
        taking_part = {spec.asker, *(who for who, _, _ in spec.replies), *(who for _, who in spec.upvotes)}
        if item is None or not taking_part <= people.keys():
            continue  # that lesson, or enough of the cohort in its course, is not in this database
        for user in {p.id: p for p in people.values()}.values():
            if not conduct.has_accepted(user):  # as new accounts do at sign-up
                conduct.accept(user)
        asked_at = utcnow() - timedelta(days=spec.days_ago)
        with clock_at(asked_at):
            thread = community.ask(
                people[spec.asker], course, title=spec.title, body=spec.body, kind=spec.kind, item=item, tags=spec.tags
            )
        posts = [db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.position == 1))]
        counts["threads"] += 1
        for who, hours, body in spec.replies:
            with clock_at(min(asked_at + timedelta(hours=hours), utcnow())):
                posts.append(community.reply(people[who], thread, body))
            counts["replies"] += 1
        settled = min(posts[-1].created_at + timedelta(hours=1), utcnow())
        with clock_at(settled):
            for post, who in spec.upvotes:
                answers.upvote(people[who], posts[post])
                counts["upvotes"] += 1
            if spec.accepted is not None:
                answers.accept(people[spec.asker], posts[spec.accepted])
                counts["accepted answers"] += 1
    finish_load(load, counts)
    return counts


def _cohort_learners(course_id: int) -> list[User]:
    """The cohort's learners still enrolled in the course, oldest account first."""
    return list(
        db.session.scalars(
            select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(
                Enrollment.course_id == course_id, Enrollment.left_at.is_(None), User.email.like(f"%@{EMAIL_DOMAIN}")
            )
            .order_by(User.id)
        )
    )
