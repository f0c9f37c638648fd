"""Problems at their file and line, and the collector that reads a folder's files and gathers them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from lms.catalog.problems import MAX_FILE_BYTES, Problem, ProblemCollector, is_slug, schema_message
from lms.catalog.schema import TrackFile


@pytest.mark.parametrize(("name", "ok"), [("python-basics", True), ("a1", True), ("-x", False), ("Py", False)])
def test_is_slug(name: str, ok: bool) -> None:
    assert is_slug(name) is ok


def test_problem_prints_as_path_line_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert str(Problem(tmp_path / "a.yml", 3, "bad")) == "a.yml:3: bad"
    assert str(Problem(tmp_path / "a.yml", 3, "slow", warning=True)) == "a.yml:3: warning: slow"


def test_schema_message_in_an_authors_words() -> None:
    with pytest.raises(ValidationError) as exc:
        TrackFile.model_validate({"title": "T", "summary": "S", "cours": ["a"]})
    messages = {error["loc"]: schema_message(error) for error in exc.value.errors()}
    assert messages == {("courses",): "required key is missing", ("cours",): "unknown key (check its spelling)"}


def test_collector_reads_only_small_utf8_files_inside_its_folder(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("# Fine")
    (tmp_path / "latin.md").write_bytes(b"caf\xe9")
    (tmp_path / "big.md").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    course = ProblemCollector(tmp_path)
    manifest = tmp_path / "course.yml"
    assert course.read("ok.md", manifest, 5) == "# Fine"
    for rel in ("../out.md", "gone.md", "latin.md", "big.md"):
        assert course.read(rel, manifest, 7) is None
    assert [(p.path.name, p.line, p.message) for p in course.problems] == [
        ("course.yml", 7, "../out.md: path leaves the course folder"),
        ("course.yml", 7, "gone.md: file not found"),
        ("latin.md", 1, "file is not UTF-8 text"),
        ("big.md", 1, "file is larger than 5 MB"),
    ]


def test_collector_parses_yaml_reporting_each_error_at_its_line(tmp_path: Path) -> None:
    course = ProblemCollector(tmp_path)
    path = tmp_path / "t.yml"
    data, track = course.parse(path, "title: T\nsummary: S\ncourses: [a]\ncolour: red\n", TrackFile)
    assert track is None and data["colour"] == "red"
    assert [(p.line, p.message) for p in course.problems] == [(4, "colour: unknown key (check its spelling)")]
    course.warn(path, 2, "just so you know")
    assert course.warnings == [Problem(path, 2, "just so you know", warning=True)]
