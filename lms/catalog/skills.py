"""Skill titles (courses/skills.yml): the words learners read for the skill slugs modules name.

Modules name skills by slug (`skills: [byte-pair-encoding]` in course.yml) so that courses share
them; learners see the title declared here, or one derived from the slug when none is declared.
"""

from __future__ import annotations

import logging
from pathlib import Path

from lms.catalog.problems import Problem, ProblemCollector
from lms.catalog.schema import SkillsFile
from lms.catalog.specs import CourseSpec
from lms.catalog.yaml_lines import line_of

FILE = "skills.yml"
# Words a derived title writes in capitals or with their usual spelling ("http-apis" -> "HTTP APIs").
SPELLINGS = {
    "api": "API",
    "apis": "APIs",
    "http": "HTTP",
    "json": "JSON",
    "llm": "LLM",
    "llms": "LLMs",
    "gpu": "GPU",
    "gpus": "GPUs",
    "kv": "KV",
    "lora": "LoRA",
    "rag": "RAG",
    "f1": "F1",
}
log = logging.getLogger(__name__)
_cache: dict[Path, tuple[float, dict[str, str]]] = {}


def derived_title(slug: str) -> str:
    """A readable title from a slug alone: "top-k-retrieval" -> "Top k retrieval"."""
    words = [SPELLINGS.get(word, word) for word in slug.split("-") if word]
    if not words:
        return slug
    first = words[0]
    words[0] = first if first in SPELLINGS.values() else first[:1].upper() + first[1:]
    return " ".join(words)


def check_skill_titles(
    root: Path, courses: list[CourseSpec], *, complete: bool = True
) -> tuple[list[Problem], list[Problem]]:
    """Problems (a file that is not a mapping of skill slugs to short titles) and warnings (a title
    for a skill no module names, a skill without a title) of courses/skills.yml, each at its line;
    no file means every title is derived. Skills are compared only when `complete`: every course loaded."""
    path = root / FILE
    if not path.is_file():
        return [], []
    reader = ProblemCollector(root)
    text = reader.read(FILE, path, 1)
    data, parsed = reader.parse(path, text, SkillsFile) if text is not None else (None, None)
    if parsed is None or not complete:
        return reader.problems, []
    named = {skill for course in courses for module in course.modules for skill in module.skills}
    # Warnings, not errors: removing a module must not make its skill's title block a sync.
    unused = [
        Problem(path, line_of(data, ("skills", slug)), f"no module names the skill {slug!r} (check its spelling)", True)
        for slug in parsed.skills
        if slug not in named
    ]
    untitled = [
        Problem(path, 1, f"skill {slug!r} has no title here; shown as {derived_title(slug)!r}", warning=True)
        for slug in sorted(named - set(parsed.skills))
    ]
    return [], unused + untitled


def skill_titles(courses_dir: Path) -> dict[str, str]:
    """The declared titles by slug (re-read when the file changes); {} if the file is missing or
    invalid (sync refuses an invalid one, so this only happens while an author is editing it)."""
    path = Path(courses_dir) / FILE
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    reader = ProblemCollector(path.parent)
    text = reader.read(FILE, path, 1)
    _data, parsed = reader.parse(path, text, SkillsFile) if text is not None else (None, None)
    if parsed is None:
        log.warning("skill titles not read: %s", "; ".join(str(p) for p in reader.problems))
    titles = dict(parsed.skills) if parsed else {}
    _cache[path] = (mtime, titles)
    return titles


def skill_title(slug: str, titles: dict[str, str]) -> str:
    """What a learner reads for a skill: its declared title, else one derived from its slug."""
    return titles.get(slug) or derived_title(slug)
