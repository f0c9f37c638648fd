"""The search layer on the real database (SQLite, and PostgreSQL with ACADEMY_TEST_DB=postgres):
indexing, replacing, removing, ranking, the audience filter, hostile queries and reindex."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.search import services
from lms.search.services import Document

DOCS = [
    Document("thread", "1", "How do I reverse a list?", "I tried list.reverse() but it returns None.", course_id=1),
    Document(
        "thread", "2", "Loops over dictionaries", "Iterating a dict gives its keys; use items() for pairs.", course_id=1
    ),
    Document("thread", "3", "Exam retake policy", "Can I retake the final exam after failing?", course_id=2),
    Document("faq", "1", "Reverse a string", "Slicing with [::-1] reverses a string or a list.", course_id=None),
]


@pytest.fixture
def indexed(app):
    for doc in DOCS:
        services.index(doc)
    db.session.commit()
    return DOCS


def ids(hits):
    return [(h.doc_type, h.doc_id) for h in hits]


def test_english_query_finds_documents_ranked_title_first(indexed):
    hits = services.search("reverse list", ["thread", "faq"], course_ids=None)
    assert ids(hits)[:2] == [("thread", "1"), ("faq", "1")]
    assert hits[0].score >= hits[1].score
    assert ("thread", "3") not in ids(hits)


def test_case_and_punctuation_do_not_matter(indexed):
    assert ids(services.search("DICT, items()?", ["thread"], course_ids=None)) == [("thread", "2")]


def test_audience_hides_courses_the_reader_cannot_see(indexed):
    assert ids(services.search("exam", ["thread"], course_ids=[1])) == []
    assert ids(services.search("exam", ["thread"], course_ids=[2])) == [("thread", "3")]
    # Platform-wide documents are seen with any audience, even none.
    assert ids(services.search("reverses string", ["faq"], course_ids=[])) == [("faq", "1")]
    assert ids(services.search("reverse", ["thread"], course_ids=[])) == []


def test_doc_types_filter(indexed):
    assert ids(services.search("reverse", ["faq"], course_ids=None)) == [("faq", "1")]


def test_index_replaces_and_remove_forgets(indexed):
    services.index(Document("thread", "1", "Sorting tuples", "sorted() with a key function", course_id=1))
    db.session.commit()
    assert ("thread", "1") not in ids(services.search("reverse", ["thread"], course_ids=None))
    assert ids(services.search("tuples", ["thread"], course_ids=None)) == [("thread", "1")]
    services.remove("thread", "1")
    services.remove("thread", "never-indexed")
    db.session.commit()
    assert services.search("tuples", ["thread"], course_ids=None) == []


def test_snippet_shows_the_text_around_the_match(app):
    body = "Intro sentence. " * 30 + "The answer mentions recursion here. " + "Filler text. " * 30
    services.index(Document("thread", "9", "Long one", body))
    db.session.commit()
    (hit,) = services.search("recursion", ["thread"], course_ids=None)
    assert "recursion" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")


@pytest.mark.parametrize(
    "query", ['"', "' OR 1=1 --", "NEAR(a b)", "title: x*", "AND OR NOT", "   ", "", "？！。", "a\x00b"]
)
def test_hostile_or_empty_queries_never_error(indexed, query):
    hits = services.search(query, ["thread", "faq"], course_ids=None)
    assert all(h.doc_type in ("thread", "faq") for h in hits)


def test_empty_doc_types_find_nothing(indexed):
    assert services.search("reverse", [], course_ids=None) == []


def test_reindex_rebuilds_from_the_registered_indexer(app, runner_for):
    services.index(Document("note", "stale", "Stale", "gone after reindex"))
    db.session.commit()
    services.register_indexer(app, "note", lambda: iter([Document("note", "a", "Fresh note", "alpha beta")]))
    result = runner_for(app).invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "note: 1 documents indexed" in result.output
    assert services.search("stale", ["note"], course_ids=None) == []
    assert ids(services.search("alpha", ["note"], course_ids=None)) == [("note", "a")]


def test_reindex_of_an_unknown_type_is_refused(app, runner_for):
    result = runner_for(app).invoke(args=["search", "reindex", "nonsense"])
    assert result.exit_code != 0
    assert "no indexer for nonsense" in result.output


@pytest.fixture
def runner_for():
    return lambda app: app.test_cli_runner()


def test_reindex_refuses_an_indexer_yielding_another_type_and_keeps_the_old_rows(app, runner_for):
    services.index(Document("note", "kept", "Kept note", "still searchable"))
    db.session.commit()
    services.register_indexer(app, "note", lambda: iter([Document("thread", "x", "Wrong", "type")]))
    result = runner_for(app).invoke(args=["search", "reindex", "note"])
    assert result.exit_code != 0
    assert "the note indexer yielded a thread document" in result.output
    db.session.rollback()
    assert ids(services.search("kept", ["note"], course_ids=None)) == [("note", "kept")]


def test_stop_words_are_asked_for_only_when_the_query_has_nothing_else(app):
    services.index(Document("note", "loop", "How do I loop over a dict?", "for key in d"))
    services.index(Document("note", "reverse", "Reversing a list", "list.reverse() or reversed(list)"))
    services.index(Document("note", "zh", "如何训练一个模型", "一个问题"))
    services.index(Document("note", "zh2", "一个小问题", "没有别的"))
    db.session.flush()
    assert ids(services.search("How do I reverse a list?", ["note"], course_ids=None)) == [("note", "reverse")]
    assert ids(services.search("how do i", ["note"], course_ids=None)) == [("note", "loop")]
    assert ids(services.search("一个模型", ["note"], course_ids=None)) == [("note", "zh")]  # 一个 set aside


def test_a_narrow_audience_below_the_ranking_window_is_still_found(app, monkeypatch):
    """SQLite ranks the best WINDOW matches before filtering by audience; when too few of them are
    the reader's, the whole match is ranked again."""
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("the ranking window is SQLite's")
    monkeypatch.setattr(services, "WINDOW", 3)
    for n in range(5):
        services.index(Document("note", f"other{n}", "Apple apple apple", "apple pie", course_id=2))
    services.index(Document("note", "mine", "A note", "one apple", course_id=1))
    db.session.flush()
    assert ids(services.search("apple", ["note"], course_ids=[1])) == [("note", "mine")]
    assert len(services.search("apple", ["note"], course_ids=[1, 2], limit=4)) == 4


def test_types_with_nothing_indexed_are_indexed_once_at_start(app):
    """Rows that existed before their type had an indexer (item reports moved into the feedback hub
    by a migration) are indexed by `flask platform init`'s call; a type with documents is left alone."""
    services.index(Document("thread", "1", "Indexed thread", "kept as it is"))
    db.session.commit()
    notes = [Document("note", "a", "Moved report", "written before the hub")]
    services.register_indexer(app, "note", lambda: iter(notes))
    services.register_indexer(app, "thread", lambda: iter([]))  # would empty the thread type if run
    assert services.index_unindexed_types() == {"note": 1, "feedback": 0}  # the hub has no items here
    db.session.commit()
    assert ids(services.search("moved report", ["note"], course_ids=None)) == [("note", "a")]
    assert ids(services.search("indexed thread", ["thread"], course_ids=None)) == [("thread", "1")]
    notes.append(Document("note", "b", "Later note", "indexed by its domain's listener, not here"))
    assert "note" not in services.index_unindexed_types()  # an empty type is looked at again, cheaply
