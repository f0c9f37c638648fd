"""Chinese and mixed queries through the real service on the test database (SQLite, and
PostgreSQL with ACADEMY_TEST_DB=postgres), on the set bench/search_zh.py measures."""

from __future__ import annotations

import pytest
import yaml

from lms.extensions import db
from lms.search import services
from lms.search.services import Document
from lms.search.text import index_text, query_terms
from tests.conftest import FIXTURES

SET = yaml.safe_load((FIXTURES / "search" / "zh.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def indexed(app):
    for doc_id, (title, body) in SET["documents"].items():
        services.index(Document("thread", doc_id, title, body, language="zh", course_id=1))
    db.session.commit()


def found(query: str) -> list[str]:
    return [h.doc_id for h in services.search(query, ["thread"], course_ids=[1], limit=5)]


def test_two_character_words_are_found(indexed):
    """The issue's case: trigram indexes cannot match 模型 (bench/search_zh.py: 0 of 3)."""
    assert set(found("模型")) == {"d1", "d2", "d15"}
    assert found("证书") == ["d10"]
    assert found("递归") == ["d12"]


def test_mixed_chinese_and_english_queries(indexed):
    assert found("pandas 乱码")[0] == "d3"
    assert found("Jupyter 内核")[0] == "d7"
    assert found("reverse list") == ["d16"]


def test_every_query_of_the_set_finds_its_threads_in_the_top_five(indexed):
    for query, expected in SET["queries"].items():
        assert set(expected) <= set(found(query)), query


def test_chinese_snippet_is_the_text_as_written(indexed):
    (hit,) = services.search("字体", ["thread"], course_ids=[1])
    assert hit.doc_id == "d11" and "字体怎么设置" in hit.snippet


def test_terms_are_words_and_character_pairs():
    assert query_terms("F1分数 read_csv 乱") == ["f1", "分数", "read", "csv", "乱"]
    assert query_terms("模型训练") == ["模型", "型训", "训练"]
    assert index_text("用Pandas读") == " 用 pandas 读 "
