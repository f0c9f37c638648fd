"""Search: the shared keyword layer every domain indexes into (DECISIONS.md, "One owner").

Design. One table, `search_documents`, holds a row per searchable thing, named by
(`doc_type`, `doc_id`): a thread, later an item or an FAQ entry. Each row keeps the text as
written (`title`, `body`, for display and snippets) and the same text as the index sees it
(`title_terms`, `body_terms`: lower case, every Chinese/Japanese/Korean character a token of its
own, lms.search.text). A query asks for its words and, for CJK, its overlapping character pairs
as phrases, so a two-character word such as 模型 is found, which the trigram tokenizer cannot
do. bench/search_zh.py measured recall@5 on tests/fixtures/search/zh.yaml: FTS5 trigram 0.56,
jieba words 0.94, pg_trgm 0.93, these pairs 1.00 on SQLite and PostgreSQL (README, "Search").

- SQLite: an FTS5 table `search_fts` (unicode61) over the terms, an external-content index
  kept in step by triggers, ranked by bm25 with the title weighted 5 to 1.
- PostgreSQL: a generated `tsv` tsvector column (the 'simple' configuration, title weight A)
  with a GIN index, ranked by ts_rank; and a pg_trgm GIN index on the title for typo-tolerant
  "similar titles" later.
- Audience: a row carries its `course_id` (NULL: platform-wide); callers pass the courses the
  reader may see, and a hit outside them is never returned.

Speed: a query leaves out its stop words (English function words, Chinese function pairs such as
一个) when it has other terms, and SQLite ranks the matches inside FTS5 before joining the best
1,000 to their documents (README, "Search": the time was bm25, join and sort over every match).

The API is `services.index(...)`, `services.remove(...)` and `services.search(...)`; a domain
registers an indexer (`services.register_indexer`) yielding its documents, so
`flask search reindex` can rebuild everything from the domains' own tables.
"""
