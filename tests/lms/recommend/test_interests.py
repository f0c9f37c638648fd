"""Interests (issue 18) only reorder candidates the rules already rank equally."""

from __future__ import annotations

from lms.developers.services import profiles
from lms.extensions import db
from lms.recommend import ranking, services
from tests.factories import make_user


def _node(mid: int, course: int, tier: str, tags: set[str]) -> ranking.ModuleNode:
    return ranking.ModuleNode(
        mid, f"m{mid}", f"M{mid}", course, f"c{course}", f"C{course}", tier, 0, (f"s{mid}",), True, frozenset(tags)
    )


def test_equal_candidates_reorder_by_interests_and_gated_modules_stay_out():
    rag = _node(1, 1, "beginner", {"rag"})
    prompts = _node(2, 2, "beginner", {"prompting"})
    locked = _node(3, 3, "beginner", {"rag", "embeddings"})  # needs course 2 finished first
    catalog = ranking.Catalog([rag, prompts, locked], {1: (), 2: (), 3: (2,)})
    plain = ranking.recommend(catalog, ranking.LearnerState())
    assert [r.module.id for r in plain] == [1, 2]  # same score: catalog order
    keen = ranking.recommend(catalog, ranking.LearnerState(interests=frozenset({"prompting"})))
    assert [r.module.id for r in keen] == [2, 1]
    assert {r.score for r in keen} == {r.score for r in plain}  # the reasons and scores are unchanged
    # The locked course matches two interests, and still never appears before its prerequisite.
    gated = ranking.recommend(catalog, ranking.LearnerState(interests=frozenset({"rag", "embeddings"})), limit=5)
    assert 3 not in [r.module.id for r in gated]
    # A stronger reason wins over any interest: a started course's next module outranks a tie-break.
    second = ranking.ModuleNode(4, "m4", "M4", 1, "c1", "C1", "beginner", 1, ("s4",), True, frozenset({"rag"}))
    catalog = ranking.Catalog([rag, second, prompts], {1: (), 2: ()})
    state = ranking.LearnerState(
        results={1: ranking.Result(True, 100, "q")}, started_courses={1}, interests=frozenset({"prompting"})
    )
    assert [r.module.id for r in ranking.recommend(catalog, state)][0] == 4


def test_the_learner_state_reads_the_profile_and_the_graph_the_tags(catalog):
    user = make_user(email="keen@example.com")
    profiles.save_profile(user, profiles.ProfileInput(interests=("testing",)))
    db.session.commit()
    graph, items, by_id = services.catalog_graph()
    state = services.learner_state(user.id, graph, items, by_id)
    assert state.interests == {"testing"}
    assert {m.course_slug: m.tags for m in graph.modules}["python-basics"] == {"python", "testing"}
