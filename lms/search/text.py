"""Text to search terms: the one place that decides what a word is, for indexing and querying
alike, on SQLite and PostgreSQL.

Latin text is words. Chinese (and Japanese, Korean) has no spaces, and a dictionary segmenter
cuts the same words differently in a query and in a text (jieba keeps 中文字体 whole where a
post says 中文 and 字体). So every CJK character is indexed as a token of its own, and a query
asks for its overlapping two-character pairs, each as a phrase (模型 -> "模 型"), ORed and
ranked: no dictionary, and a two-character word is exactly one phrase. bench/search_zh.py
measured this against FTS5 trigram, jieba and pg_trgm (figures in README)."""

from __future__ import annotations

import re

CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK}]")
_NOT_WORD = re.compile(r"[\W_]+")
_SEGMENT = re.compile(rf"[{CJK}]+|[^\W_{CJK}]+")


def index_text(text: str) -> str:
    """The text as the index sees it: lower case, each CJK character a separate token, and
    punctuation a space, as queries split it (PostgreSQL's parser would keep `functools.wraps`
    or `a_b` as one token that a query for `wraps` or `b` never finds; FTS5 splits them anyway)."""
    return _NOT_WORD.sub(" ", _CJK_CHAR.sub(lambda m: f" {m.group(0)} ", text.lower()))


def query_terms(query: str) -> list[str]:
    """A query's distinct terms in order, as they appear in text: Latin words, and each run of
    CJK characters as its overlapping pairs (a lone character stays one term)."""
    seen: dict[str, None] = {}
    for segment in _SEGMENT.findall(query.lower()):
        if _CJK_CHAR.match(segment) and len(segment) > 1:
            for i in range(len(segment) - 1):
                seen.setdefault(segment[i : i + 2], None)
        else:
            seen.setdefault(segment, None)
    return list(seen)


def phrase(term: str) -> str:
    """A term as the index's tokens: a CJK pair becomes the two-token phrase the index holds."""
    return index_text(term).strip().replace("  ", " ")


# Words that tell almost nothing about which documents match, yet are in most of them: English
# function words, and the Chinese pairs of function words (一个, 什么, 可以...). A query asks for
# them only when it has nothing else (search: "how do I" alone still finds something).
STOP_WORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "how", "i", "if")
    + ("in", "is", "it", "its", "me", "my", "not", "of", "on", "or", "so", "that", "the", "this", "to", "was")
    + ("what", "when", "where", "which", "who", "why", "will", "with", "you", "your")
    + ("一个", "什么", "怎么", "为什", "可以", "时候", "如何", "没有", "这个", "那个", "我们", "你们", "他们")
    + ("就是", "还是", "但是", "因为", "所以", "如果", "然后", "已经", "的话", "是不", "不是", "一下", "有没")
)


def content_terms(terms: list[str]) -> list[str]:
    """The terms without the stop words, or all of them when nothing else is left."""
    return [t for t in terms if t not in STOP_WORDS] or terms


# A "similar" suggestion (an ask page's threads, a filing page's feedback items) must contain at
# least this share of the title's words (stop words aside; Chinese counts character pairs, also
# those across two words, which dilute it). bench/search_zh.py --similar on
# tests/fixtures/search/similar.yaml: related threads hold 0.25-0.88 of their title's words, other
# hits 0.09-0.38; 0.25 keeps 16 of 16 related and drops 13 of 16 others (0.5 would drop 4 related
# ones). README, "Community".
MIN_COVERAGE = 0.25


def coverage(query: str, text: str) -> float:
    """The share of the query's words (stop words aside) that `text` contains."""
    terms = [t for t in query_terms(query) if t not in STOP_WORDS]
    if not terms:
        return 0.0
    words = set(query_terms(text))
    return sum(t in words for t in terms) / len(terms)
