"""Text to search terms: the one place that decides what a word is, at indexing and at query
time alike. Latin text splits on non-word characters; Chinese is cut by jieba (its dictionary
loads once, on first use, about a second)."""

from __future__ import annotations

import logging
import re

import jieba

jieba.setLogLevel(logging.WARNING)  # it logs its dictionary loading at INFO

_WORD = re.compile(r"\w", re.UNICODE)


def _clean(tokens: list[str]) -> list[str]:
    return [t.lower() for t in (tok.strip() for tok in tokens) if t and _WORD.search(t)]


def index_terms(text: str) -> str:
    """The terms a document is indexed under, space separated: jieba's search mode, which adds
    the shorter words inside a long one (机器学习 -> 机器, 学习, 机器学习), so a query for
    either finds it."""
    return " ".join(_clean(list(jieba.cut_for_search(text))))


def query_terms(text: str) -> list[str]:
    """A query's distinct terms in order, cut the precise way (no overlapping sub-words)."""
    seen: dict[str, None] = {}
    for term in _clean(list(jieba.cut(text))):
        seen.setdefault(term, None)
    return list(seen)
