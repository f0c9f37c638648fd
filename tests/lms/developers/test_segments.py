"""Segments: rules checked in words, compiled to one SELECT, materialised, kept current."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Team
from lms.db import utcnow
from lms.developers.models import DeveloperInterest, DeveloperProfile, Segment, SegmentMember
from lms.developers.services import segments
from lms.developers.services.segments import Row
from lms.extensions import db, queue
from lms.learning.models import LearningEvent
from lms.recommend.models import PlacementResult
from lms.signals import profile_saved, segment_recomputed
from tests.factories import counted_queries, make_user


def rule(field, op, value):
    return {"field": field, "op": op, "value": value}


BAD = [
    ([], "no condition"),
    ([[rule("developer_type", "eq", "partner")], []], "Group 2 is empty"),
    ([[rule("shoe_size", "eq", "42")]], "“shoe_size” is not a field"),
    ([[rule("country", "range", {"min": 1, "max": 2})]], "“between” does not apply to Country"),
    ([[rule("years_experience", "range", {"min": 10, "max": 2})]], "from 10 down to 2"),
    ([[rule("years_experience", "eq", "ten")]], "takes whole numbers, not “ten”"),
    ([[rule("developer_type", "eq", "wizard")]], "“wizard” is not a developer type"),
    ([[rule("country", "eq", "France")]], "two-letter code"),
    ([[rule("interests", "in", [])]], "list one or more values"),
    (
        [[rule("developer_type", "eq", "partner")], [rule("developer_type", "eq", "student")]],
        "“Developer type is partner” and “Developer type is student” cannot both be true",
    ),
    (
        [[rule("years_experience", "range", {"min": 5, "max": None})], [rule("years_experience", "in", [1, 2])]],
        "cannot both be true",
    ),
    ([[rule("organisation", "exists", False)], [rule("organisation", "eq", "ACME")]], "cannot both be true"),
    ([[rule("active_days", "eq", 7)], [rule("active_days", "range", {"min": 30, "max": 90})]], "cannot both be true"),
]


def test_bad_rules_are_refused_in_words_and_nothing_is_saved(app):
    for rules, message in BAD:
        problems = segments.validate_rules(rules)
        assert any(message in p for p in problems), (rules, problems)
        segment, refused = segments.save(None, "Bad", "", rules, None)
        assert segment is None and refused == problems
    assert db.session.scalar(select(Segment.id)) is None
    # Not contradictions: either of two values in one group; two interests (a person has several).
    fine = [
        [[rule("developer_type", "eq", "partner"), rule("developer_type", "eq", "student")]],
        [[rule("interests", "eq", "rag")], [rule("interests", "eq", "gpu")]],
        [[rule("active_days", "eq", 60)], [rule("active_days", "range", {"min": 30, "max": 90})]],
    ]
    assert [segments.validate_rules(r) for r in fine] == [[], [], []]


def test_form_rows_become_rules_and_back(app):
    groups = [
        [Row("developer_type", "in", "partner, academic"), Row(), Row("years_experience", "range", "0-5")],
        [Row(), Row()],
        [Row("active_days", "eq", "30"), Row("team", "exists", "no")],
    ]
    rules, problems = segments.parse_rows(groups)
    assert problems == []
    assert rules == [
        [
            rule("developer_type", "in", ["partner", "academic"]),
            rule("years_experience", "range", {"min": 0, "max": 5}),
        ],
        [rule("active_days", "eq", 30), rule("team", "exists", False)],
    ]
    assert segments.rows_of(rules)[0][1] == Row("years_experience", "range", "0-5")
    _, problems = segments.parse_rows([[Row("", "eq", "x"), Row("country", "", "FR"), Row("stack", "range", "7")]])
    assert problems == [
        "Group 1, condition 1: choose a field.",
        "Group 1, condition 2: choose an operator.",
        "Group 1, condition 3: write a range as lowest-highest (e.g. 2-10, 5- or -3).",
    ]
    assert segments.parse_rows([[Row()]])[1] == ["The segment has no condition: add at least one."]


@pytest.fixture
def people(catalog):
    """Five developers with different profiles, teams, placements and activity."""
    course = catalog["python-basics"]
    now = utcnow()
    team = Team(name="Applied AI")
    db.session.add(team)
    made = {}
    for key, kind, language, years, tags, active_ago, tier in [
        ("ada", "partner", "Python", 12, ["rag", "gpu"], 2, "advanced"),
        ("bo", "student", "python", 1, ["rag"], 45, "beginner"),
        ("cy", "student", "Go", 3, [], None, None),
        ("di", None, "", None, [], 10, "intermediate"),
    ]:
        user = make_user(name=key, profile_asked=False)
        made[key] = user
        if kind or language:
            db.session.add(
                DeveloperProfile(user_id=user.id, developer_type=kind, main_language=language, years_experience=years)
            )
            db.session.flush()
            db.session.add_all(DeveloperInterest(user_id=user.id, tag=t) for t in tags)
        if active_ago is not None:
            when = now - timedelta(days=active_ago)
            db.session.add(LearningEvent(user_id=user.id, course_id=course.id, kind="enrolled", occurred_at=when))
        if tier:  # an older placement first: the latest counts
            for t in ("beginner", tier):
                db.session.add(PlacementResult(user_id=user.id, score=1, max_score=2, answers={}, suggested_tier=t))
                db.session.flush()
    team.members.append(made["bo"])
    made["old"] = make_user(name="old")
    made["old"].created_at = now - timedelta(days=400)
    made["ed"] = make_user(role="instructor", name="ed")
    db.session.commit()
    return made


def test_each_field_and_operator_selects_the_right_people(people):
    by_id = {user.id: key for key, user in people.items()}
    cases = [
        ([[rule("developer_type", "eq", "student")]], {"bo", "cy"}),
        ([[rule("developer_type", "exists", False)]], {"di", "ed", "old"}),
        ([[rule("main_language", "eq", "PYTHON")]], {"ada", "bo"}),
        ([[rule("main_language", "exists", True)]], {"ada", "bo", "cy"}),
        ([[rule("years_experience", "range", {"min": 2, "max": None})]], {"ada", "cy"}),
        ([[rule("years_experience", "in", [1, 3])]], {"bo", "cy"}),
        ([[rule("interests", "eq", "RAG")], [rule("interests", "eq", "gpu")]], {"ada"}),
        ([[rule("interests", "exists", False)]], {"cy", "di", "ed", "old"}),
        ([[rule("team", "eq", "applied ai")]], {"bo"}),
        ([[rule("team", "exists", False)], [rule("developer_type", "eq", "student")]], {"cy"}),
        ([[rule("placement_level", "eq", "beginner")]], {"bo"}),  # ada's and di's latest are higher
        ([[rule("placement_level", "in", ["advanced", "intermediate"])]], {"ada", "di"}),
        ([[rule("active_days", "eq", 30)]], {"ada", "di"}),
        ([[rule("active_days", "range", {"min": 30, "max": 90})]], {"bo"}),
        ([[rule("active_days", "range", {"min": 5, "max": None})]], {"bo", "di"}),
        ([[rule("active_days", "exists", False)]], {"cy", "ed", "old"}),
        ([[rule("role", "eq", "instructor")]], {"ed"}),
        ([[rule("signed_up", "eq", 7)]], {"ada", "bo", "cy", "di", "ed"}),
        ([[rule("signed_up", "range", {"min": 1, "max": None})]], {"old"}),
        # an AND of OR-groups: (student or partner) and active in the last 30 days
        (
            [
                [rule("developer_type", "eq", "student"), rule("developer_type", "eq", "partner")],
                [rule("active_days", "eq", 30)],
            ],
            {"ada"},
        ),
    ]
    for rules, expected in cases:
        assert segments.validate_rules(rules) == [], rules
        assert {by_id[i] for i in db.session.scalars(segments.member_ids(rules))} == expected, rules
        assert segments.count(rules) == len(expected)


def test_recompute_materialises_members_and_says_who_changed(people):
    seen = []

    def listen(segment, user_ids):
        seen.append((segment.name, user_ids))

    segment_recomputed.connect(listen)
    try:
        segment, problems = segments.save(None, "Students", "", [[rule("developer_type", "eq", "student")]], None)
        assert problems == []
        assert segment.member_count == 2 and segment.computed_at is not None
        assert seen == [("Students", {people["bo"].id, people["cy"].id})]
        saved, _ = segments.save(segment, "Students", "", [[rule("main_language", "eq", "python")]], None)
        assert saved is segment and segment.member_count == 2
        assert seen[-1] == ("Students", {people["ada"].id, people["cy"].id})  # ada joined, cy left
        with counted_queries() as seen:  # one INSERT ... SELECT, whatever the number of people
            segments.recompute(segment)
        inserts = [q for q in map(str, seen) if q.lstrip().upper().startswith("INSERT")]
        assert len(inserts) == 1 and "SELECT" in inserts[0].upper()
        members = set(db.session.scalars(select(SegmentMember.user_id).where(SegmentMember.segment_id == segment.id)))
        assert members == {people["ada"].id, people["bo"].id}

        # one person's profile saved: their memberships follow at once, the size with them
        profile = db.session.get(DeveloperProfile, people["cy"].id)
        profile.main_language = "Python"
        profile_saved.send(profile)
        assert segment.member_count == 3 and seen[-1] == ("Students", {people["cy"].id})
        profile.main_language = "Rust"
        profile_saved.send(profile)
        assert segment.member_count == 2
        db.session.commit()

        assert segments.save(None, "students ", "", [[rule("role", "eq", "learner")]], None)[1] == [
            "A segment called “students” exists already: choose another name."
        ]
        segments.remove(segment)
        assert seen[-1] == ("Students", {people["ada"].id, people["bo"].id})
        assert db.session.scalar(select(SegmentMember.user_id)) is None
    finally:
        segment_recomputed.disconnect(listen)


def test_nightly_task_and_command_recompute(people, runner):
    segment, _ = segments.save(None, "Active", "", [[rule("active_days", "eq", 30)]], None)
    db.session.commit()
    course_id = db.session.scalar(select(LearningEvent.course_id).limit(1))
    db.session.add(LearningEvent(user_id=people["cy"].id, course_id=course_id, kind="enrolled"))
    db.session.commit()
    huey = queue.huey(runner.app)
    assert "nightly_segments" in {t.name for t in huey.read_periodic(datetime(2026, 12, 1, 2, 15))}
    result = runner.invoke(args=["segments", "recompute", "active"])
    assert result.exit_code == 0 and "Active: 3 member(s)." in result.output
    assert runner.invoke(args=["segments", "recompute"]).output.strip() == "1 segment(s) recomputed"
    assert "No segment is called" in runner.invoke(args=["segments", "recompute", "nope"]).output


def test_demo_segments_load_once_with_or_without_profiles(people):
    from lms.demo.segments import DEMO_SEGMENTS, load_segments

    first = load_segments()
    assert first.startswith(f"Segments: {len(DEMO_SEGMENTS)} created")
    assert "Partners 1" in first and "Experienced Python developers 1" in first  # ada (12 years, Python)
    assert load_segments().startswith("Segments: 0 created")
    assert db.session.scalar(select(func.count(Segment.id))) == len(DEMO_SEGMENTS)
