"""Skill titles: declared in courses/skills.yml and checked at sync (file:line), derived when missing."""

from __future__ import annotations

from pathlib import Path

from lms.catalog.content import load_courses
from lms.catalog.skills import derived_title, skill_title, skill_titles
from lms.config import ROOT


def test_a_title_is_derived_from_a_slug_when_none_is_declared() -> None:
    assert derived_title("top-k-retrieval") == "Top k retrieval"
    assert derived_title("http-apis") == "HTTP APIs"
    assert derived_title("lora") == "LoRA"
    assert skill_title("kv-cache", {}) == "KV cache"
    assert skill_title("kv-cache", {"kv-cache": "Key-value cache"}) == "Key-value cache"


def test_sync_reports_bad_skill_titles_at_their_lines(tree: Path) -> None:
    (tree / "skills.yml").write_text("skills:\n  python-syntax: Python syntax\n  Bad Key: Nope\n  python: ''\n")
    result = load_courses(tree)
    assert sorted((p.path.name, p.line, p.message) for p in result.problems) == [
        ("skills.yml", 3, "skills.Bad Key.[key]: String should match pattern '^[a-z0-9][a-z0-9+.#-]{0,49}$'"),
        ("skills.yml", 4, "skills.python: String should have at least 1 character"),
    ]
    (tree / "skills.yml").write_text("skills:\n  python-syntax: Python syntax\n  pyhton: Typo\n")
    result = load_courses(tree)
    assert result.ok  # a title no module uses (a module removed, a typo) warns and does not block a sync
    assert [(p.line, p.message) for p in result.warnings if p.path.name == "skills.yml"] == [
        (3, "no module names the skill 'pyhton' (check its spelling)"),
        (1, "skill 'python' has no title here; shown as 'Python'"),
        (1, "skill 'testing' has no title here; shown as 'Testing'"),
    ]


def test_every_skill_of_the_shipped_courses_has_a_declared_title() -> None:
    result = load_courses(ROOT / "courses")
    assert result.ok, [str(p) for p in result.problems]
    assert not [str(w) for w in result.warnings if w.path.name == "skills.yml"]
    titles = skill_titles(ROOT / "courses")
    named = {s for course in result.courses for module in course.modules for s in module.skills}
    assert named == set(titles) and all(t != s for s, t in titles.items())
