"""Honest notebooks: the sandboxed engine gives exactly nbgrader's own autograde scores."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from grading import Release, SandboxLimits, grade, render_packed_feedback
from tests.grading import notebooks
from tests.grading.reference import nbgrader_scores

ANSWERS = {
    "correct": notebooks.CORRECT,
    "wrong": notebooks.WRONG,
    "raising": notebooks.RAISING,
    "half": notebooks.HALF,
    "stderr": notebooks.CORRECT + "import sys\nsys.stderr.write('warning\\n')\n",
}


@pytest.fixture(scope="module")
def graded(release: Release, limits: SandboxLimits, tmp_path_factory) -> dict[str, tuple]:
    """Each honest notebook graded once by us and once by nbgrader itself."""
    subs = {name: notebooks.submission(release.notebook_bytes, code) for name, code in ANSWERS.items()}
    ours = {name: grade(release, data, limits=limits) for name, data in subs.items()}
    theirs = nbgrader_scores(tmp_path_factory.mktemp("course"), notebooks.source_bytes(), subs, notebooks.TEST_IDS)
    return {name: (ours[name], theirs[name]) for name in subs}


@pytest.mark.parametrize("name", list(ANSWERS))
def test_scores_equal_nbgrader_autograde(graded: dict, name: str) -> None:
    ours, theirs = graded[name]
    assert ours.error is None
    assert {t.name: t.points for t in ours.tests} == {k: theirs[k] for k in notebooks.TEST_IDS}
    assert ours.score == theirs["score"] and ours.max_score == theirs["max_score"]


def test_correct_notebook_passes_everything(graded: dict) -> None:
    ours, _ = graded["correct"]
    assert ours.score == 5 and all(t.passed and t.message == "" for t in ours.tests)
    assert [(m.name, m.answered) for m in ours.manual_cells] == [("explain", True)]


def test_messages_show_assertions_but_never_hidden_code(graded: dict) -> None:
    wrong, _ = graded["wrong"]
    raising, _ = graded["raising"]
    half, _ = graded["half"]
    by_name = {t.name: t for t in half.tests}
    assert by_name["test_basic"].message == "AssertionError: squares(3) should be [1, 4, 9]"
    assert by_name["test_partial"].message == "partial credit: 1 of 2"
    assert "ValueError: not done yet" in raising.tests[0].message
    for result in (wrong, raising, half):
        hidden = next(t for t in result.tests if t.name == "test_hidden")
        assert "squares(10)" not in hidden.message and not hidden.passed
        assert "squares(10)" not in result.feedback_html
        assert "academy-proof" not in result.feedback_html + json.dumps(result.to_dict())


def test_feedback_is_nbgrader_html(graded: dict) -> None:
    ours, _ = graded["half"]
    assert "<html" in ours.feedback_html and "Score: 1.0 / 6.0" in ours.feedback_html


def test_to_dict_shape(graded: dict) -> None:
    data = graded["correct"][0].to_dict()
    assert list(data)[:3] == ["score", "max_score", "tests"]
    assert set(data["tests"][0]) == {"name", "points", "max_points", "passed", "message"}


def test_cli_prints_the_same_json(release: Release, tmp_path: Path) -> None:
    source, sub = tmp_path / "squares.ipynb", tmp_path / "mine.ipynb"
    source.write_bytes(notebooks.source_bytes())
    sub.write_bytes(notebooks.submission(release.notebook_bytes, notebooks.HALF))
    out = subprocess.run(
        [sys.executable, "-m", "grading", "grade", str(source), str(sub), "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    data = json.loads(out.stdout)
    assert data["score"] == 1.0 and data["max_score"] == 6.0 and len(data["tests"]) == 3


def test_feedback_rendered_later_is_the_same_page(release: Release, limits: SandboxLimits) -> None:
    """A worker stores the packed feedback notebook instead of rendering; the page rendered from
    it later is nbgrader's page for that grade, and what is stored holds no hidden test."""
    result = grade(release, notebooks.submission(release.notebook_bytes, notebooks.HALF), limits=limits, feedback=False)
    packed = result.packed_feedback(release)
    assert result.feedback_html == "" and packed is not None
    assert "squares(10)" not in zlib.decompress(packed).decode()
    html = render_packed_feedback(packed, release, result.score)
    assert html == result.render_feedback(release) and "Score: 1.0 / 6.0" in html
