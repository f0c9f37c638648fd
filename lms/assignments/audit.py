"""The grade audit trail: rows appended by the services that change grades, in their transaction;
a submission's history for the instructor's page, and an assignment's history as CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.assignments.models import ChangeKind, GradeChange, Submission
from lms.catalog.models import Item
from lms.extensions import db
from lms.spreadsheets import neutralize

REASON_MAX = 2000


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a person (their id and e-mail) or the system (`CLI`, `GRADER`)."""

    id: int | None
    label: str

    @classmethod
    def of(cls, user: User) -> Actor:
        """A signed-in person; their e-mail is kept on the row in case the account goes."""
        return cls(user.id, user.email)


CLI = Actor(None, "cli")
GRADER = Actor(None, "grader")
SYSTEM_LABELS = frozenset((CLI.label, GRADER.label))  # a person's label is an e-mail address


def clean_reason(reason: str | None) -> str | None:
    """A reason as stored: trimmed, at most REASON_MAX characters, None if blank."""
    return (reason or "").strip()[:REASON_MAX] or None


def record(
    kind: ChangeKind,
    *,
    by: Actor,
    item: Item,
    learner_id: int,
    submission_id: int | None = None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    reason: str | None = None,
) -> GradeChange:
    """Append one audit row to the caller's transaction; it is flushed and committed with the change."""
    change = GradeChange(
        actor_id=by.id,
        actor_label=by.label,
        course_id=item.course_id,
        item_id=item.id,
        learner_id=learner_id,
        submission_id=submission_id,
        kind=kind,
        field=field,
        old_value=old,
        new_value=new,
        reason=clean_reason(reason),
    )
    db.session.add(change)
    return change


def record_regrades(item: Item, rounds: list[tuple[int, int, int]], *, by: Actor, reason: str | None) -> None:
    """One REGRADE row per (submission id, learner id, new run): run - 1 -> run, in one INSERT."""
    if not rounds:
        return
    common = {
        "actor_id": by.id,
        "actor_label": by.label,
        "course_id": item.course_id,
        "item_id": item.id,
        "kind": ChangeKind.REGRADE,
        "field": "run",
        "reason": clean_reason(reason),
    }
    db.session.execute(
        insert(GradeChange),
        [
            {**common, "learner_id": learner, "submission_id": sub, "old_value": run - 1, "new_value": run}
            for sub, learner, run in rounds
        ],
    )


@dataclass(frozen=True)
class Entry:
    """One audit row as people read it."""

    at: datetime
    actor: str  # the person's name today, else the label kept on the row
    actor_label: str  # the person's e-mail then, or "cli" / "grader"
    system: bool
    kind: ChangeKind
    field: str | None
    old: Any
    new: Any
    reason: str | None
    submission_id: int | None
    learner_email: str = ""
    learner_name: str = ""


def _entry(change: GradeChange, actor_name: str | None, learner: User | None = None) -> Entry:
    old, new = change.old_value, change.new_value
    if change.kind == ChangeKind.EXTENSION_GRANTED:  # ISO dates on the row, datetimes for the page
        old, new = (datetime.fromisoformat(v) if v else None for v in (old, new))
    return Entry(
        change.at,
        actor_name or change.actor_label,
        change.actor_label,
        change.actor_label in SYSTEM_LABELS,
        ChangeKind(change.kind),
        change.field,
        old,
        new,
        change.reason,
        change.submission_id,
        learner.email if learner else "",
        learner.display_name if learner else "",
    )


def submission_history(submission: Submission) -> list[Entry]:
    """Changes to this submission's grade and to its learner's deadline for the item, newest first."""
    actor = aliased(User)
    rows = db.session.execute(
        select(GradeChange, actor.display_name)
        .outerjoin(actor, actor.id == GradeChange.actor_id)
        .where(
            or_(
                GradeChange.submission_id == submission.id,
                and_(
                    GradeChange.submission_id.is_(None),
                    GradeChange.learner_id == submission.user_id,
                    GradeChange.item_id == submission.item_id,
                ),
            )
        )
        .order_by(GradeChange.at.desc(), GradeChange.id.desc())
    )
    return [_entry(change, name) for change, name in rows]


def item_history(item: Item) -> list[Entry]:
    """Every change to the grades and deadlines of an assignment, oldest first (for the CSV)."""
    actor, learner = aliased(User), aliased(User)
    rows = db.session.execute(
        select(GradeChange, actor.display_name, learner)
        .outerjoin(actor, actor.id == GradeChange.actor_id)
        .join(learner, learner.id == GradeChange.learner_id)
        .where(GradeChange.item_id == item.id)
        .order_by(GradeChange.at, GradeChange.id)
    )
    return [_entry(change, name, person) for change, name, person in rows]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return json.dumps(value)
    if isinstance(value, int | float):
        return f"{value:.12g}"
    return neutralize(value) or ""


def history_csv(entries: list[Entry]) -> str:
    """The audit rows as CSV; text people typed (names, comments, reasons) cannot run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "at",
            "actor",
            "learner_email",
            "learner_name",
            "submission_id",
            "kind",
            "field",
            "old_value",
            "new_value",
            "reason",
        ]
    )
    for e in entries:
        writer.writerow(
            [
                e.at.isoformat(),
                neutralize(e.actor_label),
                neutralize(e.learner_email),
                neutralize(e.learner_name),
                e.submission_id or "",
                e.kind.value,
                neutralize(e.field) or "",
                _cell(e.old),
                _cell(e.new),
                neutralize(e.reason) or "",
            ]
        )
    return out.getvalue()
