"""The course validator: a clean tree passes; each kind of fault is reported at its file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lms.catalog.content import load_courses


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def problems(root: Path) -> list[str]:
    return [f"{p.path.relative_to(root)}:{p.line}: {p.message}" for p in load_courses(root).problems]


def test_clean_tree_has_no_problems(tree):
    result = load_courses(tree)
    assert result.ok
    assert [c.slug for c in result.courses] == ["python-basics", "python-next"]
    lesson = result.courses[0].modules[0].items[0]
    assert lesson.title == "Hello, Python"
    assert 'href="02-more"' in lesson.body_html  # sibling .md links become lesson pages


NB = "python-basics/assignments/add.ipynb"
CASES = {
    "malformed yaml": (
        "python-basics/course.yml",
        "tier: beginner",
        "tier: [beginner",
        "python-basics/course.yml:4: invalid YAML",
    ),
    "bad tier": (
        "python-basics/course.yml",
        "tier: beginner",
        "tier: expert",
        "python-basics/course.yml:3: tier: Input should be",
    ),
    "unknown key": (
        "python-basics/course.yml",
        "language: en",
        "langauge: en",
        "python-basics/course.yml:4: langauge: unknown key",
    ),
    "duplicate key": (
        "python-basics/course.yml",
        "language: en",
        "language: en\nlanguage: fr",
        "python-basics/course.yml:5: duplicate key 'language'",
    ),
    "missing title": (
        "python-basics/course.yml",
        "title: Python basics\n",
        "",
        "python-basics/course.yml:1: title: required key is missing",
    ),
    "missing file": (
        "python-basics/course.yml",
        "lessons/02-more.md",
        "lessons/02-missing.md",
        "python-basics/course.yml:16: lessons/02-missing.md: file not found",
    ),
    "path escapes": (
        "python-basics/course.yml",
        "lessons/02-more.md",
        "../../etc/passwd.md",
        "python-basics/course.yml:16: ../../etc/passwd.md: path leaves the course folder",
    ),
    "duplicate module": (
        "python-basics/course.yml",
        "slug: practice",
        "slug: start",
        "python-basics/course.yml:18: duplicate module slug 'start'",
    ),
    "item with two kinds": (
        "python-basics/course.yml",
        "- quiz: quizzes/basics.yml",
        "- quiz: quizzes/basics.yml\n        lesson: lessons/01-hello.md",
        "python-basics/course.yml:17: modules.0.items.2: each item needs exactly one of",
    ),
    "keep on a lesson": (
        "python-basics/course.yml",
        "- lesson: lessons/02-more.md",
        "- lesson: lessons/02-more.md\n        keep: last",
        "python-basics/course.yml:16: modules.0.items.1: keep: is only for quizzes and assignments",
    ),
    "unknown keep": (
        "python-basics/course.yml",
        "- quiz: quizzes/basics.yml",
        "- quiz: quizzes/basics.yml\n        keep: first",
        "python-basics/course.yml:18: modules.0.items.2.keep: Input should be 'best' or 'last'",
    ),
    "pass_mark on a quiz entry": (
        "python-basics/course.yml",
        "- quiz: quizzes/basics.yml",
        "- quiz: quizzes/basics.yml\n        pass_mark: 50",
        "python-basics/course.yml:17: modules.0.items.2: due:, late_penalty:, cutoff: and pass_mark: are only for",
    ),
    "unknown prerequisite": (
        "python-next/course.yml",
        "[python-basics]",
        "[python-basic]",
        "python-next/course.yml:6: unknown prerequisite 'python-basic'",
    ),
    "cycle": (
        "python-basics/course.yml",
        "prerequisites: []",
        "prerequisites: [python-next]",
        "python-basics/course.yml:7: prerequisites form a cycle: python-basics -> python-next -> python-basics",
    ),
    "self prerequisite": (
        "python-basics/course.yml",
        "prerequisites: []",
        "prerequisites: [python-basics]",
        "python-basics/course.yml:7: a course cannot be its own prerequisite",
    ),
    "quiz without correct answer": (
        "python-basics/quizzes/basics.yml",
        "        correct: true\n      - text: echo",
        "      - text: echo",
        "python-basics/quizzes/basics.yml:3: questions.0: the question has no correct option",
    ),
    "single with two correct": (
        "python-basics/quizzes/basics.yml",
        "      - text: echo",
        "      - text: echo\n        correct: true",
        "python-basics/quizzes/basics.yml:3: questions.0: a single-choice question needs exactly one",
    ),
    "duplicate question id": (
        "python-basics/quizzes/basics.yml",
        "id: types",
        "id: print",
        "python-basics/quizzes/basics.yml:11: duplicate question id 'print'",
    ),
    "lesson without title": (
        "python-basics/lessons/02-more.md",
        "# More Python",
        "More Python",
        "python-basics/lessons/02-more.md:1: a lesson starts with its title",
    ),
    "markdown link to missing file": (
        "python-basics/lessons/01-hello.md",
        "(02-more.md)",
        "(03-gone.md)",
        "python-basics/lessons/01-hello.md:9: link to missing file '03-gone.md'",
    ),
    "notebook not json": (NB, '"nbformat": 4,', '"nbformat": 4,,', f"{NB}:"),
    "notebook version 3": (NB, '"nbformat": 4,', '"nbformat": 3,', f"{NB}:1: not an nbformat 4 notebook"),
    "duplicate grade id": (
        NB,
        '"grade_id": "test_add_more"',
        '"grade_id": "test_add"',
        f"{NB}: cell 4: grade_id 'test_add' is already used by cell 3",
    ),
    "graded cell without points": (
        NB,
        '"points": 2',
        '"points": 0',
        f"{NB}: cell 3 (test_add): a graded cell needs points > 0",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_each_fault_is_reported_at_its_line(tree, name):
    rel, old, new, expected = CASES[name]
    edit(tree / rel, old, new)
    found = problems(tree)
    if expected.startswith(NB) and expected.count(":") >= 2 and ": cell" in expected:
        # notebook cell problems carry the line of the cell in the JSON; check the message part
        path, message = expected.split(": ", 1)
        assert any(p.startswith(path + ":") and message in p for p in found), found
    else:
        assert any(p.startswith(expected) for p in found), found


def test_quizzes_take_keep_and_assignments_a_pass_mark(tree):
    quiz = "- quiz: quizzes/basics.yml"
    edit(tree / "python-basics/course.yml", quiz, f"{quiz}\n        keep: last")
    edit(tree / "python-basics/course.yml", "title: Add two numbers", "title: Add two numbers\n        pass_mark: 80")
    result = load_courses(tree)
    assert result.ok, [str(p) for p in result.problems]
    items = {i.slug: i for m in result.courses[0].modules for i in m.items}
    assert items["basics"].data["keep"] == "last"
    assert (items["add"].data["keep"], items["add"].data["pass_mark"]) == ("best", 80)


def test_notebook_without_nbgrader_metadata(tree):
    path = tree / NB
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        cell["metadata"] = {}
    path.write_text(json.dumps(notebook))
    assert problems(tree) == [f"{NB}:1: no nbgrader metadata: mark solution and test cells (see courses/README.md)"]


def test_not_a_mapping(tree):
    (tree / "python-next/course.yml").write_text("- just\n- a list\n")
    assert problems(tree) == ["python-next/course.yml:1: expected a mapping of keys (title:, ...) at the top level"]


def test_cli_validate_exit_codes(runner, tree):
    ok = runner.invoke(args=["courses", "validate", str(tree)])
    assert ok.exit_code == 0 and ok.output.startswith("OK: 2 course(s), 3 module(s), 6 item(s)")
    edit(tree / "python-basics/course.yml", "tier: beginner", "tier: expert")
    bad = runner.invoke(args=["courses", "validate", str(tree)])
    assert bad.exit_code == 1
    assert "python-basics/course.yml:3: tier:" in bad.output
    single = runner.invoke(args=["courses", "validate", str(tree / "python-next")])
    assert single.exit_code == 0, single.output


def set_test_source(path: Path, grade_id: str, lines: list[str]) -> int:
    """Give a test cell of a notebook these source lines, one per JSON line as Jupyter writes
    them; the file line of the last one."""
    notebook = json.loads(path.read_text())
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    cell["source"] = [line + "\n" for line in lines[:-1]] + lines[-1:]
    path.write_text(json.dumps(notebook, indent=1))
    return max(n for n, text in enumerate(path.read_text().splitlines(), 1) if json.dumps(lines[-1]) in text)


def test_cli_validate_reports_a_test_problem_at_its_line_in_the_file(runner, tree):
    line = set_test_source(tree / NB, "test_add_more", ["assert add(-1, 1) == 0", "assert add(2, 2) == helper(2)"])
    result = runner.invoke(args=["courses", "validate", str(tree)])
    assert result.exit_code == 1, result.output
    assert f"{NB}:{line}: test cell 'test_add_more' reads 'helper', which the checker cannot find" in result.output


def test_cli_validate_passes_with_only_warnings(runner, tree):
    line = set_test_source(tree / NB, "test_add_more", ["import time", "t0 = time.perf_counter()", "add(1, 1)"])
    result = runner.invoke(args=["courses", "validate", str(tree)])
    assert result.exit_code == 0, result.output
    assert f"{NB}:{line - 1}: warning: test cell 'test_add_more' times a call (time.perf_counter)" in result.output
    assert result.output.rstrip().endswith("no errors, 1 warning(s).")


def test_warnings_are_shown_beside_errors(tree):
    set_test_source(tree / NB, "test_add_more", ["import time", "t0 = time.perf_counter()", "add(1, 1) == oops"])
    result = load_courses(tree)
    assert [p.message.split(" reads")[0] for p in result.problems] == ["test cell 'test_add_more'"]
    assert [str(w).split(": ", 1)[1].startswith("warning: ") for w in result.warnings] == [True]


def test_a_single_string_source_points_at_its_cell(tree):
    path = tree / NB
    notebook = json.loads(path.read_text())
    notebook["cells"][3]["source"] = "assert add(-1, 1) == 0\nassert add(2, 2) == helper(2)"
    path.write_text(json.dumps(notebook, indent=1))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "helper(2)" in text)
    assert any(p.startswith(f"{NB}:{line}: test cell 'test_add_more' reads 'helper'") for p in problems(tree))


def test_missing_folder(runner, tmp_path):
    result = runner.invoke(args=["courses", "validate", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such folder" in result.output
