"""The rules: prerequisites unlock, mastered is skipped, review after a failure, path first, next tier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lms.db import utcnow
from lms.extensions import db
from lms.learning import services as learning
from lms.recommend import paths, ranking, services
from lms.recommend.mastery import mark_known
from tests.factories import item, login, make_user
from tests.lms.recommend.helpers import RIGHT, WRONG


def _module_slugs(user_id):
    return [(r.course_slug, r.module_slug, r.reason) for r in services.recommendations(user_id)]


def test_new_learner_starts_with_what_is_unlocked(catalog):
    learner = make_user()
    recs = _module_slugs(learner.id)
    # python-next needs python-basics: locked; later modules wait for the first.
    assert recs == [("python-basics", "start", "tier")]


def test_failed_quiz_brings_a_review_with_its_reason(catalog):
    learner = make_user()
    learning.enroll(learner.id, catalog["python-basics"])
    learning.submit_quiz(learner.id, item("basics"), WRONG)
    first = services.recommendations(learner.id)[0]
    assert (first.module_slug, first.reason) == ("start", "review")
    assert first.message == "You scored 0% on Basics check: review Getting started before Practice."


def test_advice_reads_the_attempt_that_counts(catalog):
    """keep: best: a pass, then a worse attempt, is still a pass; no "You scored ..., review" advice."""
    learner = make_user()
    learning.enroll(learner.id, catalog["python-basics"])
    learning.submit_quiz(learner.id, item("basics"), RIGHT)
    learning.submit_quiz(learner.id, item("basics"), WRONG)
    recs = services.recommendations(learner.id)
    assert recs[0].reason != "review" and not any("You scored" in r.message for r in recs)
    assert ("python-basics", "practice", "continue") in _module_slugs(learner.id)
    quiz = item("basics")
    quiz.data = {**quiz.data, "keep": "last"}  # with keep: last, the worse attempt is the one that counts
    catalog["python-basics"].updated_at = utcnow()  # what a sync does: the cached catalog graph is read again
    db.session.flush()
    first = services.recommendations(learner.id)[0]
    assert (first.module_slug, first.reason) == ("start", "review")
    assert first.message.startswith("You scored 0% on Basics check")


def test_passing_moves_on_and_opens_the_next_tier(catalog):
    learner = make_user()
    learning.enroll(learner.id, catalog["python-basics"])
    learning.submit_quiz(learner.id, item("basics"), RIGHT)
    assert _module_slugs(learner.id)[0] == ("python-basics", "practice", "continue")
    learning.record_event(
        learner.id, catalog["python-basics"].id, "assignment_graded", item_id=item("add").id, score=5, max_score=5
    )
    recs = _module_slugs(learner.id)
    assert recs[0][:2] == ("python-next", "functions")
    assert recs[0][2] == "unlocked"
    assert (
        services.recommendations(learner.id)[0].message == "You completed Python basics, so Python next steps is open."
    )


def test_mastered_skills_are_skipped(catalog):
    learner = make_user()
    mark_known(learner.id, ["python-syntax"])  # as the placement quiz does
    assert _module_slugs(learner.id) == [("python-basics", "practice", "placed_next")]
    mark_known(learner.id, ["python", "testing"])
    assert _module_slugs(learner.id) == []  # everything mastered: nothing left to recommend


def test_assigned_path_comes_first_and_flags_overdue(catalog):
    instructor, learner = make_user("instructor"), make_user()
    late = datetime.now(UTC) - timedelta(days=2)
    path = paths.create_path(instructor, "Onboarding", "", [(catalog["python-basics"], late)])
    paths.assign(instructor, path, learner=learner)
    recs = services.recommendations(learner.id)
    assert recs[0].reason == "path_overdue" and "Onboarding" in recs[0].message
    (shown,) = paths.learner_paths(learner.id)
    assert shown.rows[0].overdue and not shown.rows[0].done
    db.session.commit()


def test_api_lists_the_assigned_path(client, catalog):
    instructor, learner = make_user("instructor"), make_user()
    due = datetime(2099, 1, 31, 23, 59, 59, tzinfo=UTC)
    path = paths.create_path(instructor, "Onboarding", "Start here", [(catalog["python-basics"], due)])
    paths.assign(instructor, path, learner=learner)
    db.session.commit()
    login(client, learner.email)
    (shown,) = client.get("/api/v1/me/recommendations").get_json()["paths"]
    assert shown["title"] == "Onboarding"
    assert shown["courses"][0]["course_slug"] == "python-basics"
    assert shown["courses"][0]["due_at"].startswith("2099-01-31T23:59:59")
    assert shown["courses"][0]["overdue"] is False


def test_goal_tier_orders_candidates():
    a = ranking.ModuleNode(1, "a", "A", 1, "c1", "C1", "beginner", 0, ("s1",))
    b = ranking.ModuleNode(2, "b", "B", 2, "c2", "C2", "intermediate", 0, ("s2",))
    catalog = ranking.Catalog([a, b], {1: (), 2: ()})
    goal_b = ranking.recommend(catalog, ranking.LearnerState(goal_tier="intermediate"))
    assert [r.module.slug for r in goal_b] == ["b", "a"]
    assert [r.reason for r in goal_b] == ["goal", "foundation"]
    no_goal = ranking.recommend(catalog, ranking.LearnerState())
    assert [r.module.slug for r in no_goal] == ["a"]  # the next tier waits for this one
    passed = ranking.LearnerState(results={1: ranking.Result(True, 90, "Quiz A")})
    assert [(r.module.slug, r.reason) for r in ranking.recommend(catalog, passed)] == [
        ("b", "next_tier"),
        ("a", "strengthen"),
    ]


def test_repeated_failure_reviews_the_weakest_prerequisite():
    a = ranking.ModuleNode(1, "a", "BPE", 1, "c1", "C1", "beginner", 0, ("bpe",))
    b = ranking.ModuleNode(2, "b", "Embeddings", 2, "c2", "C2", "intermediate", 0, ("emb",))
    catalog = ranking.Catalog([a, b], {1: (), 2: (1,)})
    state = ranking.LearnerState(
        mastery={"bpe": 0.6, "emb": 0.1},
        results={1: ranking.Result(True, 70, "Tokens quiz"), 2: ranking.Result(False, 40, "Embeddings quiz", 2)},
    )
    top = ranking.recommend(catalog, state)[0]
    assert (top.module.slug, top.reason, top.params["next"]) == ("a", "review", "Embeddings")
