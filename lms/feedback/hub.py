"""The feedback hub (issue 18): one place for what developers tell us. Filing (with similar open
items offered first), votes and followers, staff triage (status, owner, priority, response targets),
merging duplicates, closing with an outcome, and the notices to followers. Item reports moved in
(migration 0404) and survey comments get a linked copy here.

Who reads an item: everyone signed in when it is public; otherwise its reporter and its triagers.
Who triages: admins everywhere; a course's instructors its course-linked items, a workshop's
instructors its workshop-linked ones. Platform-wide items are the admins'."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, delete, false, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.catalog.models import Course, CourseInstructor, Item
from lms.db import utcnow
from lms.developers.services import audiences
from lms.extensions import db
from lms.feedback import hub_search
from lms.feedback.errors import FeedbackError
from lms.feedback.models import (
    FEEDBACK_CATEGORIES,
    FEEDBACK_STATUSES,
    OPEN_STATUSES,
    PRIORITIES,
    FeedbackChange,
    FeedbackFollow,
    FeedbackItem,
    FeedbackMessage,
    FeedbackVote,
)
from lms.notifications.models import NotificationKind
from lms.notifications.services import notify_many
from lms.search.text import MIN_COVERAGE, coverage
from lms.signals import feedback_filed, feedback_status_changed
from lms.teaching.services import teaches
from lms.workshops.models import Workshop
from lms.workshops.services import teaches as teaches_workshop

if TYPE_CHECKING:
    from lms.feedback.models import Survey, SurveyResponse

TITLE_MIN, TITLE_MAX, BODY_MAX, OUTCOME_MAX = 5, 200, 4000, 1000
TITLE_CHARS = 120  # a title made from a text's first line (moved reports, survey copies)
CLOSED_STATUSES = ("done", "declined")
DEFAULT_RESPONSE_DAYS = {"P1": 1, "P2": 3, "P3": 7, "P4": 30}
UNSET_PRIORITY = "P3"  # the target of an item nobody has prioritised yet
PAGE_SIZE = 20


def title_from(text: str) -> str:
    """The first non-empty line, cut at TITLE_CHARS (migration 0404 uses the same rule)."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return (line[: TITLE_CHARS - 1] + "…") if len(line) > TITLE_CHARS else (line or "-")


# Access


def may_triage(user: Any, item: FeedbackItem) -> bool:
    """Admins; the instructors of the item's course or workshop. Platform items: admins only."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    if not user.has_role("instructor"):
        return False
    if item.course_id is not None:
        return teaches(user, item.course_id)
    if item.workshop_id is not None:
        workshop = db.session.get(Workshop, item.workshop_id)
        return workshop is not None and teaches_workshop(user, workshop)
    return False


def may_read(user: Any, item: FeedbackItem, hidden: Collection[int] | None = None) -> bool:
    """A public item about a course is public to the course's audience only (lms.developers
    audiences); `hidden` is the viewer's hidden course ids, when the caller checks many items."""
    if not getattr(user, "is_authenticated", False):
        return False
    if item.public and not item.anonymous:
        if item.course_id is None:
            return True
        if item.course_id not in (audiences.hidden_course_ids(user) if hidden is None else hidden):
            return True
    return (item.reporter_id is not None and item.reporter_id == user.id) or may_triage(user, item)


def _in_audience(user: Any) -> Any:
    """SQL: the item names no course, or one this viewer may see."""
    hidden = audiences.hidden_course_ids(user)
    return or_(FeedbackItem.course_id.is_(None), FeedbackItem.course_id.not_in(hidden)) if hidden else true()


def readable_item(user: Any, item_id: int) -> FeedbackItem | None:
    """The item if this user may read it, None otherwise (shown as 404)."""
    item = db.session.get(FeedbackItem, item_id)
    return item if item is not None and may_read(user, item) else None


def is_staff(user: Any) -> bool:
    """May see the triage pages at all (each item is still checked)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role("instructor"))


# Filing


def _file(item: FeedbackItem) -> FeedbackItem:
    db.session.add(item)
    db.session.flush()
    if item.reporter_id is not None:
        db.session.add(FeedbackFollow(item_id=item.id, user_id=item.reporter_id))
        db.session.flush()
    hub_search.sync([item.id])
    feedback_filed.send(item)
    return item


def file_item(
    user: User,
    category: str,
    title: str,
    body: str,
    *,
    course: Course | None = None,
    item: Item | None = None,
) -> FeedbackItem:
    """File a public item in the hub; the reporter follows it. The caller commits."""
    title, body = " ".join(title.split()), body.strip()
    if category not in FEEDBACK_CATEGORIES:
        raise FeedbackError(_l("Choose what kind of feedback this is."))
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise FeedbackError(_l("Give a title of 5 to 200 characters."))
    if len(body) > BODY_MAX:
        raise FeedbackError(_l("The details are limited to 4000 characters."))
    if item is not None and course is not None and item.course_id != course.id:
        raise FeedbackError(_l("That lesson is not part of the chosen course."))
    course_id = item.course_id if item is not None else (course.id if course else None)
    return _file(
        FeedbackItem(
            category=category,
            title=title,
            body=body,
            course_id=course_id,
            item_id=item.id if item else None,
            reporter_id=user.id,
            public=True,
            source="hub",
        )
    )


REPORT_CATEGORIES = {"problem": "content_error", "suggestion": "usage_suggestion"}


def file_report(user: User, item: Item, kind: str, body: str) -> FeedbackItem:
    """The report button of a lesson, quiz or assignment: a private item linked to it, read by the
    reporter and the course's instructors (as item reports always were). The caller commits."""
    body = body.strip()
    if kind not in REPORT_CATEGORIES:
        raise FeedbackError(_l("Choose whether this is a problem or a suggestion."))
    if len(body) < 5:
        raise FeedbackError(_l("Describe the problem or suggestion in a few words."))
    return _file(
        FeedbackItem(
            category=REPORT_CATEGORIES[kind],
            title=title_from(body),
            body=body[:BODY_MAX],
            course_id=item.course_id,
            item_id=item.id,
            reporter_id=user.id,
            public=False,
            source="report",
        )
    )


def copy_survey_comment(response: SurveyResponse, survey: Survey) -> FeedbackItem | None:
    """A survey comment's linked copy (the response itself is unchanged). Anonymous: no reporter,
    no follower, so nobody is notified and no identity is shown; its time is the stored one."""
    if not response.comment.strip():
        return None
    return _file(
        FeedbackItem(
            category="usage_suggestion",
            title=title_from(response.comment),
            body=response.comment,
            course_id=survey.course_id,
            workshop_id=survey.workshop_id,
            reporter_id=response.user_id,
            anonymous=response.user_id is None,
            public=False,
            source="survey",
            survey_response_id=response.id,
            created_at=response.submitted_at,
        )
    )


# Similar items, votes, follows


@dataclass(frozen=True)
class Similar:
    item: FeedbackItem
    snippet: str


def similar(user: Any, query: str, limit: int = 5) -> list[Similar]:
    """Open items like `query` that the viewer may read, best first (the filing page shows them
    while the title is typed, each with a Vote button)."""
    hits = hub_search.find(query)
    if not hits:
        return []
    ids = [int(h.doc_id) for h in hits]
    rows = {
        i.id: i
        for i in db.session.scalars(
            select(FeedbackItem).where(FeedbackItem.id.in_(ids), FeedbackItem.status.in_(OPEN_STATUSES))
        )
    }
    found = []
    hidden = audiences.hidden_course_ids(user) if getattr(user, "is_authenticated", False) else frozenset()
    for hit in hits:
        item = rows.get(int(hit.doc_id))
        if (
            item is not None
            and coverage(query, f"{item.title} {item.body}") >= MIN_COVERAGE
            and may_read(user, item, hidden)
        ):
            found.append(Similar(item, hit.snippet))
            if len(found) == limit:
                break
    return found


def follow(user_id: int, item_id: int) -> None:
    """Add a follower (nothing when they already follow)."""
    if db.session.get(FeedbackFollow, (item_id, user_id)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(FeedbackFollow(item_id=item_id, user_id=user_id))
                db.session.flush()
        except IntegrityError:
            pass  # a racing request added it


def vote(user: User, item: FeedbackItem) -> None:
    """One vote per person on an open item they may read, instead of filing a duplicate; the voter
    follows it. The vote and the counter are written in one SAVEPOINT: when a racing request voted
    first, the primary key refuses this row and the counter stays. The caller commits."""
    if not may_read(user, item):
        raise FeedbackError(_l("This item is not open for votes."))
    if item.status not in OPEN_STATUSES:
        raise FeedbackError(_l("This item is closed; votes are no longer counted."))
    if item.reporter_id == user.id:
        raise FeedbackError(_l("You filed this item; you follow it already."))
    already = FeedbackError(_l("You already voted for this item."))
    if db.session.get(FeedbackVote, (item.id, user.id)) is not None:
        raise already
    try:
        with db.session.begin_nested():
            db.session.add(FeedbackVote(item_id=item.id, user_id=user.id))
            db.session.flush()
            db.session.execute(
                update(FeedbackItem).where(FeedbackItem.id == item.id).values(vote_count=FeedbackItem.vote_count + 1)
            )
    except IntegrityError:
        raise already from None
    db.session.refresh(item, ["vote_count"])
    follow(user.id, item.id)


def voted_ids(user: Any, item_ids: Iterable[int]) -> set[int]:
    ids = list(item_ids)
    if not getattr(user, "is_authenticated", False) or not ids:
        return set()
    return set(
        db.session.scalars(
            select(FeedbackVote.item_id).where(FeedbackVote.user_id == user.id, FeedbackVote.item_id.in_(ids))
        )
    )


def _followers(item: FeedbackItem, actor_id: int | None) -> Select[Any]:
    statement = select(FeedbackFollow.user_id).where(FeedbackFollow.item_id == item.id)
    return statement.where(FeedbackFollow.user_id != actor_id) if actor_id is not None else statement


# Messages


def add_message(item: FeedbackItem, author: User, body: str) -> FeedbackMessage:
    """A message on the item by its reporter or a triager. A triager's first answer stamps the first
    response, and followers hear of it (not the author). The caller commits."""
    body = body.strip()
    staff = may_triage(author, item)
    if not (staff or (item.reporter_id is not None and author.id == item.reporter_id)):
        raise FeedbackError(_l("Only the reporter and the staff write on this item."))
    if not body:
        raise FeedbackError(_l("Write a message first."))
    if item.status in ("done", "declined", "duplicate"):
        raise FeedbackError(_l("This item is closed."))
    message = FeedbackMessage(item_id=item.id, author_id=author.id, body=body[:BODY_MAX])
    db.session.add(message)
    if staff and author.id != item.reporter_id:
        item.first_response_at = item.first_response_at or utcnow()
    item.updated_at = utcnow()
    db.session.flush()
    if staff and author.id != item.reporter_id and not item.anonymous:
        subject = {"title": item.title, "url": f"/feedback/items/{item.id}", "item_id": item.id}
        context = {"about": item.title, "by": author.display_name, "reply": message.body[:1000]}
        context["replied_at"] = message.created_at.isoformat()
        notify_many(
            _followers(item, author.id),
            NotificationKind.FEEDBACK_REPLY,
            subject,
            context,
            f"feedback-message:{message.id}",
        )
    return message


# Triage


def _record(item: FeedbackItem, actor: User, field: str, old: str, new: str) -> None:
    db.session.add(FeedbackChange(item_id=item.id, actor_id=actor.id, field=field, old=old[:200], new=new[:200]))


def _tell_status(item: FeedbackItem, actor: User) -> None:
    """Followers (reporter, voters) hear of each status an item reaches, once per status."""
    if item.anonymous:
        return
    subject = {"title": item.title, "url": f"/feedback/items/{item.id}", "item_id": item.id}
    context = {"status": item.status, "outcome": item.outcome[:1000], "by": actor.display_name}
    notify_many(
        _followers(item, actor.id),
        NotificationKind.FEEDBACK_STATUS,
        subject,
        context,
        f"feedback-status:{item.id}:{item.status}",
    )


def _set_status(item: FeedbackItem, actor: User, status: str) -> None:
    old = item.status
    item.status = status
    now = utcnow()
    item.first_response_at = item.first_response_at or now
    item.resolved_at = now if status in (*CLOSED_STATUSES, "duplicate") else None
    item.updated_at = now
    _record(item, actor, "status", old, status)
    db.session.flush()
    hub_search.sync([item.id])
    feedback_status_changed.send(item, old=old, actor=actor)
    _tell_status(item, actor)


def _check_triage(
    item: FeedbackItem, actor: User, status: str, priority: str | None, owner_id: int | None, outcome: str, public: bool
) -> None:
    """Refuse triage changes that cannot be accepted, with a message for the triager."""
    if not may_triage(actor, item):
        raise FeedbackError(_l("Only the item's staff triage it."))
    if status not in FEEDBACK_STATUSES:
        raise FeedbackError(_l("Choose a status."))
    if status == "duplicate" and item.status != "duplicate":
        raise FeedbackError(_l("Mark a duplicate by merging it into the item it repeats."))
    if item.status == "duplicate" and status != "duplicate":
        raise FeedbackError(_l("This item was merged into another one; triage that one instead."))
    if priority not in (None, *PRIORITIES):
        raise FeedbackError(_l("Choose a priority from P1 to P4."))
    if status in CLOSED_STATUSES and not outcome:
        raise FeedbackError(_l("Say what came of it (the outcome) before closing the item."))
    if owner_id is not None and owner_id not in {u.id for u in owner_choices(item)}:
        raise FeedbackError(_l("Choose an owner among the item's staff."))
    if item.anonymous and public:
        raise FeedbackError(_l("An anonymous survey comment stays private."))


def triage(
    item: FeedbackItem,
    actor: User,
    *,
    status: str,
    priority: str | None,
    owner_id: int | None,
    outcome: str,
    public: bool,
) -> list[str]:
    """Apply a triager's changes; each changed field writes a FeedbackChange row. Closing as done
    or declined needs the outcome ("fixed in lesson X"). Returns the fields changed."""
    outcome = outcome.strip()[:OUTCOME_MAX]
    _check_triage(item, actor, status, priority, owner_id, outcome, public)
    changed = []
    if priority != item.priority:
        _record(item, actor, "priority", item.priority or "", priority or "")
        item.priority = priority
        changed.append("priority")
    if owner_id != item.owner_id:
        _record(item, actor, "owner", str(item.owner_id or ""), str(owner_id or ""))
        item.owner_id = owner_id
        changed.append("owner")
    if outcome != item.outcome:
        _record(item, actor, "outcome", item.outcome, outcome)
        item.outcome = outcome
        changed.append("outcome")
    if public != item.public:
        _record(item, actor, "public", str(item.public).lower(), str(public).lower())
        item.public = public
        changed.append("public")
    if changed:
        item.updated_at = utcnow()
        db.session.flush()
        hub_search.sync([item.id])
    if status != item.status:
        _set_status(item, actor, status)
        changed.append("status")
    return changed


def owner_choices(item: FeedbackItem) -> list[User]:
    """Who may own an item: the admins and the instructors of its course or workshop."""
    staff: Any = false()
    if item.course_id is not None:
        staff = User.email.in_(select(CourseInstructor.email).where(CourseInstructor.course_id == item.course_id))
    elif item.workshop_id is not None:
        workshop = db.session.get(Workshop, item.workshop_id)
        staff = User.email.in_(workshop.instructor_emails if workshop else [])
    who = or_(User.role == "admin", and_(User.role == "instructor", staff))
    return list(db.session.scalars(select(User).where(who, User.active.is_(true())).order_by(User.display_name)))


def merge(item: FeedbackItem, target: FeedbackItem, actor: User) -> None:
    """Merge a duplicate into the item it repeats: its votes and followers move to the target (no
    double votes; its reporter becomes a voter), it becomes `duplicate`. Refused: into itself, into
    a duplicate (a chain) or anything that would make a cycle. The caller commits."""
    if not (may_triage(actor, item) and may_triage(actor, target)):
        raise FeedbackError(_l("You may only merge items you triage."))
    if item.id == target.id:
        raise FeedbackError(_l("An item cannot be merged into itself."))
    if item.status == "duplicate":
        raise FeedbackError(_l("This item is already merged into another one."))
    if target.status == "duplicate" or target.duplicate_of_id is not None:
        raise FeedbackError(
            _l("Item #%(id)s is itself a duplicate; merge into the item it was merged into.", id=target.id)
        )
    seen, cursor = {target.id}, target.duplicate_of_id
    while cursor is not None:  # never true while the rule above holds; a guard against stale rows
        if cursor == item.id or cursor in seen:
            raise FeedbackError(_l("That merge would make a cycle of duplicates."))
        seen.add(cursor)
        cursor = db.session.scalar(select(FeedbackItem.duplicate_of_id).where(FeedbackItem.id == cursor))
    movers = set(db.session.scalars(select(FeedbackVote.user_id).where(FeedbackVote.item_id == item.id)))
    if item.reporter_id is not None:
        movers.add(item.reporter_id)
    movers.discard(target.reporter_id)  # type: ignore[arg-type]
    present = set(db.session.scalars(select(FeedbackVote.user_id).where(FeedbackVote.item_id == target.id)))
    db.session.add_all(FeedbackVote(item_id=target.id, user_id=u) for u in sorted(movers - present))
    followers = set(db.session.scalars(select(FeedbackFollow.user_id).where(FeedbackFollow.item_id == item.id)))
    present_followers = set(
        db.session.scalars(select(FeedbackFollow.user_id).where(FeedbackFollow.item_id == target.id))
    )
    db.session.add_all(FeedbackFollow(item_id=target.id, user_id=u) for u in sorted(followers - present_followers))
    db.session.execute(delete(FeedbackVote).where(FeedbackVote.item_id == item.id))
    db.session.flush()
    target.vote_count = db.session.scalar(
        select(func.count()).select_from(FeedbackVote).where(FeedbackVote.item_id == target.id)
    )
    item.vote_count = 0
    item.duplicate_of_id = target.id
    _record(item, actor, "merged_into", "", str(target.id))
    _set_status(item, actor, "duplicate")


# Lists, filters, overdue


def response_days() -> dict[str, int]:
    if has_app_context():
        return current_app.config.get("FEEDBACK_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS)
    return DEFAULT_RESPONSE_DAYS


def due_at(item: FeedbackItem) -> datetime:
    return item.created_at + timedelta(days=response_days()[item.priority or UNSET_PRIORITY])


def is_overdue(item: FeedbackItem, now: datetime | None = None) -> bool:
    """Open, no first response yet, and past its priority's target."""
    return item.status in OPEN_STATUSES and item.first_response_at is None and due_at(item) < (now or utcnow())


def _overdue_clause(now: datetime) -> Any:
    days = response_days()
    by_priority = [
        and_(
            func.coalesce(FeedbackItem.priority, UNSET_PRIORITY) == p,
            FeedbackItem.created_at < now - timedelta(days=days[p]),
        )
        for p in PRIORITIES
    ]
    return and_(FeedbackItem.status.in_(OPEN_STATUSES), FeedbackItem.first_response_at.is_(None), or_(*by_priority))


def triaged_scope(user: Any) -> Any:
    """The items this user triages, as a WHERE clause (admins: all)."""
    if user.role == "admin":
        return true()
    if not user.has_role("instructor"):
        return false()
    taught = select(CourseInstructor.course_id).where(CourseInstructor.email == user.email)
    workshop_ids = [w.id for w in db.session.scalars(select(Workshop)) if teaches_workshop(user, w)]
    return or_(FeedbackItem.course_id.in_(taught), FeedbackItem.workshop_id.in_(workshop_ids))


@dataclass(frozen=True)
class Filters:
    status: str = ""
    category: str = ""
    course_id: int | None = None
    owner_id: int | None = None
    priority: str = ""
    overdue: bool = False

    @classmethod
    def parse(cls, args: Any) -> Filters:
        """From the query string; unknown values are dropped (the page shows everything then)."""

        def number(name: str) -> int | None:
            value = str(args.get(name, ""))
            return int(value) if value.isdigit() else None

        status = args.get("status", "")
        category = args.get("category", "")
        priority = args.get("priority", "")
        return cls(
            status=status if status in (*FEEDBACK_STATUSES, "open") else "",
            category=category if category in FEEDBACK_CATEGORIES else "",
            course_id=number("course"),
            owner_id=number("owner"),
            priority=priority if priority in (*PRIORITIES, "none") else "",
            overdue=args.get("overdue") == "1",
        )


def triage_list(user: Any, filters: Filters, now: datetime | None = None) -> list[FeedbackItem]:
    """The items this user triages matching the filters: overdue first, then priority, votes, newest."""
    now = now or utcnow()
    statement = select(FeedbackItem).where(triaged_scope(user))
    if filters.status == "open":
        statement = statement.where(FeedbackItem.status.in_(OPEN_STATUSES))
    elif filters.status:
        statement = statement.where(FeedbackItem.status == filters.status)
    if filters.category:
        statement = statement.where(FeedbackItem.category == filters.category)
    if filters.course_id is not None:
        statement = statement.where(FeedbackItem.course_id == filters.course_id)
    if filters.owner_id is not None:
        statement = statement.where(FeedbackItem.owner_id == filters.owner_id)
    if filters.priority == "none":
        statement = statement.where(FeedbackItem.priority.is_(None))
    elif filters.priority:
        statement = statement.where(FeedbackItem.priority == filters.priority)
    if filters.overdue:
        statement = statement.where(_overdue_clause(now))
    statement = statement.order_by(
        func.coalesce(FeedbackItem.priority, "P9"), FeedbackItem.vote_count.desc(), FeedbackItem.id.desc()
    ).limit(500)
    return list(db.session.scalars(statement))


def public_open(user: Any, limit: int = 30) -> list[FeedbackItem]:
    """The hub's home: public open items the viewer's audiences allow, most votes first."""
    return list(
        db.session.scalars(
            select(FeedbackItem)
            .where(FeedbackItem.public.is_(true()), FeedbackItem.status.in_(OPEN_STATUSES), _in_audience(user))
            .order_by(FeedbackItem.vote_count.desc(), FeedbackItem.id.desc())
            .limit(limit)
        )
    )


def mine(user: User) -> list[FeedbackItem]:
    """What this person filed or voted for, newest first."""
    voted = select(FeedbackVote.item_id).where(FeedbackVote.user_id == user.id)
    return list(
        db.session.scalars(
            select(FeedbackItem)
            .where(or_(FeedbackItem.reporter_id == user.id, FeedbackItem.id.in_(voted)))
            .order_by(FeedbackItem.id.desc())
            .limit(100)
        )
    )


def we_did(user: Any, page: int) -> tuple[list[FeedbackItem], bool]:
    """Public done items with their outcome (about courses this viewer may see), newest first; and
    whether a next page exists."""
    page = max(page, 1)
    rows = list(
        db.session.scalars(
            select(FeedbackItem)
            .where(
                FeedbackItem.status == "done",
                FeedbackItem.public.is_(true()),
                FeedbackItem.outcome != "",
                _in_audience(user),
            )
            .order_by(FeedbackItem.resolved_at.desc(), FeedbackItem.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def history(item: FeedbackItem) -> list[FeedbackChange]:
    return list(
        db.session.scalars(select(FeedbackChange).where(FeedbackChange.item_id == item.id).order_by(FeedbackChange.id))
    )


def moved_report(report_id: int) -> FeedbackItem | None:
    """The hub item an old item report became (its URL lives on in notifications and mails)."""
    return db.session.scalar(select(FeedbackItem).where(FeedbackItem.content_report_id == report_id))


# Response time (a programme metric; `flask feedback response-time`)


@dataclass(frozen=True)
class ResponseTime:
    answered: int
    waiting: int
    median: timedelta | None

    @property
    def median_hours(self) -> float | None:
        return round(self.median.total_seconds() / 3600, 1) if self.median is not None else None


def response_time(items: Iterable[FeedbackItem]) -> ResponseTime:
    """Median time to first response over responded items, and how many open ones still wait."""
    rows = list(items)
    waits = [i.first_response_at - i.created_at for i in rows if i.first_response_at is not None]
    waiting = sum(1 for i in rows if i.first_response_at is None and i.status in OPEN_STATUSES)
    return ResponseTime(len(waits), waiting, median(waits) if waits else None)


def metric_items(user: Any) -> list[FeedbackItem]:
    """The items this user triages that ask for an answer: filed in the hub or moved item reports
    (survey comments are answered on the survey's results, if at all)."""
    return list(db.session.scalars(select(FeedbackItem).where(triaged_scope(user), FeedbackItem.source != "survey")))
