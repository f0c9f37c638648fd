"""Segments: an admin's saved rule (an AND of OR-groups of {"field", "op", "value"}) compiled to one
SELECT of user ids, and its members materialised in `segment_members`.

Other domains read `segment_members`, `segments.member_count` and `computed_at` from the tables and
listen to `segment_recomputed`; nothing outside this module compiles a rule. Membership is exact
after `recompute` (on save, nightly, `flask segments recompute`); between two runs one person's
memberships follow their profile (`refresh_person`, on `profile_saved`), while team, placement and
activity changes wait for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, Table, and_, delete, func, insert, literal, or_, select, true

from lms.accounts.models import ROLES, Team, User, team_members
from lms.catalog.models import TIERS
from lms.db import utcnow
from lms.developers.models import (
    DEVELOPER_TYPES,
    MIN_SEGMENT_SIZE,
    PROFILE_FIELDS,
    DeveloperInterest,
    DeveloperProfile,
    Segment,
    SegmentMember,
)
from lms.extensions import db
from lms.learning.models import LearningEvent
from lms.recommend.models import PlacementResult
from lms.signals import segment_recomputed

log = logging.getLogger(__name__)

OPS = ("eq", "in", "range", "exists")
OP_LABELS = {"eq": _l("is"), "in": _l("is one of"), "range": _l("between"), "exists": _l("is filled in")}
NAME_LIMIT = 100
DESCRIPTION_LIMIT = 1000
MAX_GROUPS = 20
MAX_CONDITIONS = 20  # per group
MAX_DAYS = 3650

Condition = dict[str, Any]
Rules = list[list[Condition]]


@dataclass(frozen=True)
class Field:
    """What a rule may say about one field. `kind`: text (compared without case), choice (one of
    `choices`), int, or days (active_days: a number of days). `multi`: a person may have several
    values (interests, teams), so two `eq` conditions on it do not contradict each other."""

    label: Any
    kind: str
    ops: tuple[str, ...]
    choices: tuple[str, ...] = ()
    multi: bool = False


_TEXT_OPS = ("eq", "in", "exists")
FIELDS: dict[str, Field] = {
    "developer_type": Field(_l("Developer type"), "choice", _TEXT_OPS, DEVELOPER_TYPES),
    "organisation": Field(_l("Organisation"), "text", _TEXT_OPS),
    "job_role": Field(_l("Job role"), "text", _TEXT_OPS),
    "interests": Field(_l("Interests"), "text", _TEXT_OPS, multi=True),
    "main_language": Field(_l("Main language"), "text", _TEXT_OPS),
    "stack": Field(_l("Stack"), "text", _TEXT_OPS),
    "years_experience": Field(_l("Years of experience"), "int", OPS),
    "country": Field(_l("Country"), "text", _TEXT_OPS),
    "team": Field(_l("Team"), "text", _TEXT_OPS, multi=True),
    "placement_level": Field(_l("Placement level"), "choice", _TEXT_OPS, TIERS),
    "active_days": Field(_l("Active in the last N days"), "days", ("eq", "range", "exists")),
    "signed_up": Field(_l("Signed up in the last N days"), "days", ("eq", "range")),
    "role": Field(_l("Account role"), "choice", ("eq", "in"), ROLES),
}
assert set(PROFILE_FIELDS) <= set(FIELDS)


# --- checking -----------------------------------------------------------------------------------


def validate_rules(rules: Any) -> list[str]:
    """What is wrong with these rules, in words the admin understands; [] when they can be saved."""
    return normalise(rules)[1]


def normalise(rules: Any) -> tuple[Rules, list[str]]:
    """The rules with clean values (trimmed text, upper-case country codes, whole numbers), and the
    messages of everything wrong: unknown field or operator, a value of the wrong kind, an empty
    segment or group, a range the wrong way round, conditions that can never all hold."""
    if not isinstance(rules, list) or not rules:
        return [], [_("The segment has no condition: add at least one.")]
    if len(rules) > MAX_GROUPS:
        return [], [_("A segment has at most %(num)d groups.", num=MAX_GROUPS)]
    clean: Rules = []
    messages: list[str] = []
    for g, group in enumerate(rules, start=1):
        if not isinstance(group, list) or not group:
            messages.append(_("Group %(group)d is empty: give it a condition or leave it out.", group=g))
            continue
        if len(group) > MAX_CONDITIONS:
            messages.append(_("Group %(group)d has more than %(num)d conditions.", group=g, num=MAX_CONDITIONS))
            continue
        conditions = []
        for c, condition in enumerate(group, start=1):
            value, problem = _condition(condition)
            if problem:
                messages.append(_("Group %(group)d, condition %(row)d: %(problem)s", group=g, row=c, problem=problem))
            else:
                conditions.append(value)
        clean.append(conditions)
    if not messages:
        messages = _contradictions(clean)
    return (clean if not messages else []), messages


def _condition(condition: Any) -> tuple[Condition, str | None]:
    if not isinstance(condition, dict):
        return {}, _("a condition names a field, an operator and a value.")
    name, op = condition.get("field"), condition.get("op")
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None:
        return {}, _("“%(field)s” is not a field a segment can use.", field=name or "")
    if op not in spec.ops:
        return {}, _(
            "“%(op)s” does not apply to %(field)s; use %(ops)s.",
            op=OP_LABELS.get(op, op or "") if isinstance(op, str) else op,
            field=spec.label,
            ops=", ".join(str(OP_LABELS[o]) for o in spec.ops),
        )
    value, problem = _value(spec, op, condition.get("value"))
    return {"field": name, "op": op, "value": value}, problem


def _value(spec: Field, op: str, value: Any) -> tuple[Any, str | None]:
    if op == "exists":
        if value is None:
            return True, None
        if not isinstance(value, bool):
            return None, _("“is filled in” takes yes or no.")
        return value, None
    if op == "in":
        if not isinstance(value, list) or not value:
            return None, _("list one or more values, separated by commas.")
        values = []
        for item in value:
            one, problem = _scalar(spec, item)
            if problem:
                return None, problem
            if one not in values:
                values.append(one)
        return values, None
    if op == "range":
        return _range(spec, value)
    return _scalar(spec, value)


def _range(spec: Field, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, dict) or (value.get("min") is None and value.get("max") is None):
        return None, _("a range needs a lowest value, a highest value, or both (e.g. 2-10, 5-, -3).")
    bounds: dict[str, Any] = {}
    for end in ("min", "max"):
        bound = value.get(end)
        if bound is None:
            bounds[end] = None
            continue
        number, problem = _scalar(spec, bound)
        if problem:
            return None, problem
        bounds[end] = number
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        return None, _(
            "the range goes from %(min)s down to %(max)s: put the smaller number first.",
            min=bounds["min"],
            max=bounds["max"],
        )
    return bounds, None


def _scalar(spec: Field, value: Any) -> tuple[Any, str | None]:
    if value is None or value == "":
        return None, _("give %(field)s a value.", field=spec.label)
    if spec.kind in ("int", "days"):
        if isinstance(value, bool) or not isinstance(value, int):
            return None, _("%(field)s takes whole numbers, not “%(value)s”.", field=spec.label, value=value)
        top = MAX_DAYS if spec.kind == "days" else 60
        if not 0 <= value <= top:
            return None, _("%(field)s goes from 0 to %(max)d.", field=spec.label, max=top)
        return value, None
    if not isinstance(value, str) or not value.strip():
        return None, _("give %(field)s a value.", field=spec.label)
    text = value.strip()
    if spec.choices:
        if text not in spec.choices:
            return None, _(
                "“%(value)s” is not a %(field)s: choose one of %(choices)s.",
                value=text,
                field=str(spec.label).lower(),
                choices=", ".join(spec.choices),
            )
        return text, None
    if spec is FIELDS["country"]:
        if len(text) != 2 or not text.isalpha():
            return None, _("a country is its two-letter code (e.g. FR, CN), not “%(value)s”.", value=text)
        return text.upper(), None
    if len(text) > 200:
        return None, _("a value has at most 200 characters.")
    return text, None


def _contradictions(rules: Rules) -> list[str]:
    """Groups of a single condition must each hold, so two of them on the same one-valued field
    that no value satisfies together mean an empty segment: say which two."""
    singles: dict[str, list[Condition]] = {}
    for group in rules:
        if len(group) == 1:
            singles.setdefault(group[0]["field"], []).append(group[0])
    messages = []
    for name, conditions in singles.items():
        for i, a in enumerate(conditions):
            for b in conditions[i + 1 :]:
                if not _compatible(FIELDS[name], a, b):
                    messages.append(
                        _(
                            "“%(a)s” and “%(b)s” cannot both be true, so nobody would match. "
                            "To match either, put them in the same group.",
                            a=describe(a),
                            b=describe(b),
                        )
                    )
    return messages


def _compatible(spec: Field, a: Condition, b: Condition) -> bool:
    exists = [c["value"] for c in (a, b) if c["op"] == "exists"]
    if False in exists:
        return all(c["op"] == "exists" and c["value"] is False for c in (a, b))
    if exists or spec.multi:
        return True
    sa, sb = _allowed(spec, a), _allowed(spec, b)
    if isinstance(sa, set) and isinstance(sb, set):
        return bool(sa & sb)
    if isinstance(sa, tuple) and isinstance(sb, tuple):
        return max(sa[0], sb[0]) <= min(sa[1], sb[1])
    values, (lo, hi) = (sa, sb) if isinstance(sa, set) else (sb, sa)
    return any(lo <= v <= hi for v in values)


def _allowed(spec: Field, c: Condition) -> set[Any] | tuple[float, float]:
    """The values a condition lets through: a set, or an interval for numbers."""
    op, value = c["op"], c["value"]
    if spec.kind == "days" and op == "eq":
        return (0, value)
    if op == "range":
        low, high = value["min"], value["max"]
        return (low if low is not None else float("-inf"), high if high is not None else float("inf"))
    values = value if op == "in" else [value]
    return {v.lower() if isinstance(v, str) else v for v in values}


# --- words --------------------------------------------------------------------------------------


def describe(condition: Condition) -> str:
    """One condition in words: "Developer type is partner", "Active in the last 30 days"."""
    spec = FIELDS[condition["field"]]
    op, value = condition["op"], condition["value"]
    if condition["field"] == "signed_up":
        return _signed_up_words(op, value)
    if spec.kind == "days":
        if op == "eq":
            return _("Active in the last %(num)d days", num=value)
        if op == "exists":
            return _("Active at least once") if value else _("Never active")
        if value["min"] is None:
            return _("Active in the last %(num)d days", num=value["max"])
        if value["max"] is None:
            return _("Last active more than %(num)d days ago", num=value["min"])
        return _("Last active between %(min)d and %(max)d days ago", min=value["min"], max=value["max"])
    if op == "exists":
        return _("%(field)s is filled in", field=spec.label) if value else _("%(field)s is empty", field=spec.label)
    if op == "in":
        return _("%(field)s is one of %(values)s", field=spec.label, values=", ".join(map(str, value)))
    if op == "range":
        if value["max"] is None:
            return _("%(field)s at least %(min)s", field=spec.label, min=value["min"])
        if value["min"] is None:
            return _("%(field)s at most %(max)s", field=spec.label, max=value["max"])
        return _("%(field)s between %(min)s and %(max)s", field=spec.label, min=value["min"], max=value["max"])
    return _("%(field)s is %(value)s", field=spec.label, value=value)


def _signed_up_words(op: str, value: Any) -> str:
    if op == "eq" or value["min"] is None:
        return _("Signed up in the last %(num)d days", num=value if op == "eq" else value["max"])
    if value["max"] is None:
        return _("Signed up more than %(num)d days ago", num=value["min"])
    return _("Signed up between %(min)d and %(max)d days ago", min=value["min"], max=value["max"])


def value_text(condition: Condition) -> str:
    """A stored value as the form's value box shows it (the inverse of `parse_rows`)."""
    op, value = condition["op"], condition["value"]
    if op == "exists":
        return "yes" if value else "no"
    if op == "in":
        return ", ".join(map(str, value))
    if op == "range":
        return f"{'' if value['min'] is None else value['min']}-{'' if value['max'] is None else value['max']}"
    return str(value)


# --- the form's rows ----------------------------------------------------------------------------


@dataclass
class Row:
    """One row of the rule form, exactly as typed (re-shown as typed when something is wrong)."""

    field: str = ""
    op: str = ""
    value: str = ""

    @property
    def blank(self) -> bool:
        return not (self.field or self.value.strip())


def rows_of(rules: Rules) -> list[list[Row]]:
    """A saved segment's rules as the form's rows."""
    return [[Row(c["field"], c["op"], value_text(c)) for c in group] for group in rules]


def parse_rows(groups: Sequence[Sequence[Row]]) -> tuple[Rules, list[str]]:
    """The form's rows as rules (values typed as text: "a, b" for a list, "2-10" for a range, yes/no
    for "is filled in"), then checked as `normalise` does. Wholly blank rows and groups are left out."""
    rules: Rules = []
    messages: list[str] = []
    for group in groups:
        rows = [row for row in group if not row.blank]
        if not rows:
            continue
        number = len(rules) + 1
        conditions = []
        for r, row in enumerate(rows, start=1):
            condition, problem = _row(row)
            if problem:
                messages.append(
                    _("Group %(group)d, condition %(row)d: %(problem)s", group=number, row=r, problem=problem)
                )
            conditions.append(condition)
        rules.append(conditions)
    if messages:
        return [], messages
    return normalise(rules)


def _row(row: Row) -> tuple[Condition, str | None]:
    if not row.field:
        return {}, _("choose a field.")
    if not row.op:
        return {}, _("choose an operator.")
    spec = FIELDS.get(row.field)
    text = row.value.strip()
    number = spec is not None and spec.kind in ("int", "days")
    if row.op == "exists":
        if text.lower() in ("", "yes", "true"):
            return {"field": row.field, "op": "exists", "value": True}, None
        if text.lower() in ("no", "false"):
            return {"field": row.field, "op": "exists", "value": False}, None
        return {}, _("“is filled in” takes yes or no.")
    if row.op == "in":
        parts = [p.strip() for p in text.split(",") if p.strip()]
        return {"field": row.field, "op": "in", "value": [_typed(p, number) for p in parts]}, None
    if row.op == "range":
        low, sep, high = text.partition("-")
        if not sep:
            return {}, _("write a range as lowest-highest (e.g. 2-10, 5- or -3).")
        bounds = {"min": _typed(low.strip(), number), "max": _typed(high.strip(), number)}
        return {"field": row.field, "op": "range", "value": bounds}, None
    return {"field": row.field, "op": row.op, "value": _typed(text, number)}, None


def _typed(text: str, number: bool) -> Any:
    """Digits become a number for number fields; anything else stays text (and is refused as such);
    blank is None."""
    if not text:
        return None
    return int(text) if number and text.isdigit() else text


# --- SQL ----------------------------------------------------------------------------------------


def member_ids(rules: Rules, now: datetime | None = None) -> Select[Any]:
    """ONE statement selecting the ids of the active accounts these (checked) rules match."""
    now = now or utcnow()
    groups = [or_(*[_sql(c, now) for c in group]) for group in rules]
    return select(User.id).where(User.active.is_(True), *groups)


def count(rules: Rules) -> int:
    """How many people the rules match now (the form's preview)."""
    return db.session.scalar(select(func.count()).select_from(member_ids(rules).subquery())) or 0


def _sql(c: Condition, now: datetime) -> ColumnElement[bool]:
    name, op, value = c["field"], c["op"], c["value"]
    spec = FIELDS[name]
    if name == "role":
        return User.role.in_(value if op == "in" else [value])
    if name == "active_days":
        return _activity(op, value, now)
    if name == "signed_up":
        low, high = (0, value) if op == "eq" else (value["min"], value["max"])
        return and_(
            User.created_at >= now - timedelta(days=high) if high is not None else true(),
            User.created_at <= now - timedelta(days=low) if low else true(),
        )
    if name in ("interests", "team", "placement_level"):
        column, ids = _related(name)
    else:
        column = getattr(DeveloperProfile, name)
        ids = select(DeveloperProfile.user_id)
    if op == "exists":
        present = column.is_not(None) & (column != "") if spec.kind == "text" else column.is_not(None)
        inner = ids.where(present)
        return User.id.in_(inner) if value else User.id.not_in(inner)
    return User.id.in_(ids.where(_match(spec, column, op, value)))


def _related(name: str) -> tuple[Any, Select[Any]]:
    """The column a multi-row field is matched on, and the select of its people's ids."""
    if name == "interests":
        return DeveloperInterest.tag, select(DeveloperInterest.user_id)
    if name == "team":
        return Team.name, select(team_members.c.user_id).join(Team, Team.id == team_members.c.team_id)
    latest = select(func.max(PlacementResult.id)).group_by(PlacementResult.user_id)
    return PlacementResult.suggested_tier, select(PlacementResult.user_id).where(PlacementResult.id.in_(latest))


def _match(spec: Field, column: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == "range":
        parts = []
        if value["min"] is not None:
            parts.append(column >= value["min"])
        if value["max"] is not None:
            parts.append(column <= value["max"])
        return and_(*parts)
    values = value if op == "in" else [value]
    if spec.kind == "text":
        return func.lower(column).in_([v.lower() for v in values])
    return column.in_(values)


def _activity(op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    """Activity = a learning event. eq N: one in the last N days; range min-max: the latest one
    between min and max days ago; exists: any at all (or none)."""
    events = select(LearningEvent.user_id)
    if op == "exists":
        return User.id.in_(events) if value else User.id.not_in(events)
    if op == "eq":
        return User.id.in_(events.where(LearningEvent.occurred_at >= now - timedelta(days=value)))
    low, high = value["min"], value["max"]
    window = events
    if high is not None:
        window = window.where(LearningEvent.occurred_at >= now - timedelta(days=high))
    if not low:
        return User.id.in_(window)
    since = now - timedelta(days=low)
    return and_(
        User.id.in_(window.where(LearningEvent.occurred_at <= since)),
        User.id.not_in(events.where(LearningEvent.occurred_at > since)),
    )


# --- saving and materialising -------------------------------------------------------------------


def save(
    segment: Segment | None, name: str, description: str, rules: Any, actor_id: int | None
) -> tuple[Segment | None, list[str]]:
    """Create (segment None) or change a segment and recompute its members; nothing is written when
    anything is wrong (the messages say what). Flushes; the caller commits."""
    clean, messages = normalise(rules)
    messages = name_problems(name, segment) + messages
    if len(description) > DESCRIPTION_LIMIT:
        messages.insert(0, _("Keep the description under %(max)d characters.", max=DESCRIPTION_LIMIT))
    if messages:
        return None, messages
    if segment is None:
        segment = Segment(created_by_id=actor_id)
        db.session.add(segment)
    segment.name, segment.description, segment.rules = name.strip(), description.strip(), clean
    db.session.flush()
    recompute(segment)
    return segment, []


def name_problems(name: str, segment: Segment | None) -> list[str]:
    """A name is required, short, and not another segment's (whatever the case)."""
    name = name.strip()
    if not name:
        return [_("Give the segment a name.")]
    if len(name) > NAME_LIMIT:
        return [_("Keep the name under %(max)d characters.", max=NAME_LIMIT)]
    taken = select(Segment.id).where(func.lower(Segment.name) == name.lower())
    if segment is not None:
        taken = taken.where(Segment.id != segment.id)
    if db.session.scalar(taken) is not None:
        return [_("A segment called “%(name)s” exists already: choose another name.", name=name)]
    return []


def _member_set(segment_id: int) -> set[int]:
    return set(db.session.scalars(select(SegmentMember.user_id).where(SegmentMember.segment_id == segment_id)))


def recompute(segment: Segment, now: datetime | None = None) -> set[int]:
    """Replace the segment's members (a DELETE, then one INSERT ... SELECT of the compiled rules),
    set its size and time, and send `segment_recomputed` with the ids that joined or left. Flushes."""
    before = _member_set(segment.id)
    members = SegmentMember.__table__
    assert isinstance(members, Table)
    db.session.execute(delete(members).where(members.c.segment_id == segment.id))
    ids = member_ids(segment.rules, now).subquery()
    db.session.execute(insert(members).from_select(["segment_id", "user_id"], select(literal(segment.id), ids.c.id)))
    after = _member_set(segment.id)
    segment.member_count = len(after)
    segment.computed_at = now or utcnow()
    db.session.flush()
    changed = before ^ after
    segment_recomputed.send(segment, user_ids=changed)
    return changed


def recompute_all(now: datetime | None = None) -> int:
    """Every segment, one after the other; a segment whose saved rules no longer check (a field
    retired since) is logged and left as it was. Returns how many were recomputed."""
    done = 0
    for segment in db.session.scalars(select(Segment).order_by(Segment.id)):
        if validate_rules(segment.rules):
            log.warning("segment %d (%s): its rules no longer check; left as it was", segment.id, segment.name)
            continue
        recompute(segment, now)
        done += 1
    return done


def refresh_person(user_id: int) -> None:
    """One person's memberships after their profile changed: each segment's statement restricted
    to their id, rows added or removed and sizes moved by one (no full recompute). Flushes."""
    member_of = set(db.session.scalars(select(SegmentMember.segment_id).where(SegmentMember.user_id == user_id)))
    for segment in db.session.scalars(select(Segment).order_by(Segment.id)):
        if validate_rules(segment.rules):
            continue
        matches = db.session.scalar(member_ids(segment.rules).where(User.id == user_id)) is not None
        if matches == (segment.id in member_of):
            continue
        if matches:
            db.session.add(SegmentMember(segment_id=segment.id, user_id=user_id))
            segment.member_count += 1
        else:
            db.session.execute(
                delete(SegmentMember).where(SegmentMember.segment_id == segment.id, SegmentMember.user_id == user_id)
            )
            segment.member_count -= 1
        db.session.flush()
        segment_recomputed.send(segment, user_ids={user_id})


def remove(segment: Segment) -> None:
    """Delete a segment (its membership rows go with it); its former members are sent as changed."""
    former = _member_set(segment.id)
    db.session.delete(segment)
    db.session.flush()
    segment_recomputed.send(segment, user_ids=former)


def all_segments() -> list[Segment]:
    return list(db.session.scalars(select(Segment).order_by(func.lower(Segment.name))))


def get(segment_id: int) -> Segment | None:
    return db.session.get(Segment, segment_id)


def shown_size(segment: Segment, exact: bool) -> int | None:
    """The size to show: None ("fewer than 5 people") below MIN_SEGMENT_SIZE unless `exact` (admins)."""
    return segment.member_count if exact or segment.member_count >= MIN_SEGMENT_SIZE else None
