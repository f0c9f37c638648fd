"""Release: nbgrader strips solutions and hidden tests and we keep the grading record."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grading import Release, ReleaseError, make_release
from grading.release import DuplicateGradeId, NoNbgraderCells, grade_id_errors
from tests.grading import notebooks


def test_release_strips_solutions_and_hidden_tests(release: Release) -> None:
    text = release.notebook
    assert "BEGIN SOLUTION" not in text and "i * i" not in text
    assert "squares(10)" not in text and "HIDDEN" not in text
    assert "mentions range" not in text  # nbgrader's mark scheme is cleared too
    nb = nbformat.reads(text, as_version=4)
    assert "raise NotImplementedError()" in notebooks.cell_by_id(nb, "squares").source
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_release_keeps_what_grading_needs(release: Release) -> None:
    hidden = release.cell("test_hidden")
    assert notebooks.HIDDEN_ASSERT in hidden.source and hidden.is_test and hidden.points == 1
    assert [c.grade_id for c in release.cells if c.is_test] == list(notebooks.TEST_IDS)
    assert release.cell("explain").is_manual and release.cell("setup").locked
    assert release.max_score == 6
    assert all(len(c.checksum) == 32 for c in release.cells)
    assert "i * i" not in release.to_json()  # the source's solution is not stored at all


def test_release_round_trips_through_json(release: Release) -> None:
    again = Release.from_json(release.to_json())
    assert again == release and json.loads(release.to_json())["name"] == "squares"
    assert again.plan == release.plan and json.loads(release.to_json())["plan"]["surface"] == ["squares"]


def test_release_carries_the_check_plan(release: Release) -> None:
    plan = release.plan
    assert plan is not None and release.check_plan is plan
    assert plan.surface == ("squares",) and plan.modules == () and plan.kernel_tests == ()
    assert plan.setup == ("import math",)


def test_release_stored_before_plans_computes_its_plan(release: Release) -> None:
    data = json.loads(release.to_json())
    del data["plan"]
    old = Release.from_json(json.dumps(data))
    assert old.plan is None and old.check_plan == release.plan
    assert Release.from_json(old.to_json()).plan is None


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda nb: [c.metadata.pop("nbgrader", None) for c in nb.cells], "no nbgrader cells"),
        (lambda nb: nb.cells[4].metadata.nbgrader.update(grade_id="test_basic"), "cell 4: duplicate"),
        (lambda nb: nb.cells[3].metadata.nbgrader.pop("points"), "cell 3 (grade_id 'test_basic')"),
    ],
)
def test_release_rejects_broken_sources(edit, expected: str) -> None:
    nb = notebooks.source_notebook()
    edit(nb)
    with pytest.raises(ReleaseError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        make_release(nbformat.writes(nb).encode(), name="bad")


def test_grade_id_rules_report_every_breach_with_its_cell() -> None:
    nb = notebooks.source_notebook()
    for index in (4, 5):
        nb.cells[index].metadata.nbgrader.grade_id = "test_basic"
    errors = grade_id_errors(nb.cells)
    assert [type(e) for e in errors] == [DuplicateGradeId, DuplicateGradeId]
    assert [(e.cell, e.first, e.grade_id) for e in errors] == [(4, 3, "test_basic"), (5, 3, "test_basic")]
    assert str(errors[1]) == "cell 5: duplicate grade_id 'test_basic' (first used by cell 3)"
    assert grade_id_errors(notebooks.source_notebook().cells) == []


def test_grade_id_rules_count_only_cells_nbgrader_records() -> None:
    nb = notebooks.source_notebook()
    nb.cells[0].metadata["nbgrader"] = {"grade_id": "setup", "grade": False, "solution": False, "locked": False}
    nb.cells[2].metadata.nbgrader.grade_id = ""  # nbgrader's validator names a missing grade_id
    assert grade_id_errors(nb.cells) == []
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    (error,) = grade_id_errors(nb.cells)
    assert isinstance(error, NoNbgraderCells) and error.cell is None


def test_release_errors_carry_the_cell_index() -> None:
    nb = notebooks.source_notebook()
    nb.cells[4].metadata.nbgrader.grade_id = "test_basic"
    nb.cells[5].metadata.nbgrader.pop("points")
    with pytest.raises(DuplicateGradeId) as duplicate:  # the first fault in cell order
        make_release(nbformat.writes(nb).encode(), name="bad")
    assert duplicate.value.cell == 4 and duplicate.value.first == 3
    nb.cells[4].metadata.nbgrader.grade_id = "test_hidden"
    with pytest.raises(ReleaseError, match="does not have points") as invalid:
        make_release(nbformat.writes(nb).encode(), name="bad")
    assert invalid.value.cell == 5


def test_release_rejects_non_notebooks() -> None:
    with pytest.raises(ReleaseError, match="not a readable notebook"):
        make_release(b"\xff\xfe", name="bad")


def test_grading_package_never_imports_flask() -> None:
    code = (
        "import grading, grading.__main__, sys; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'lms')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "[]"


def test_release_reports_a_solution_region_outside_a_solution_cell() -> None:
    nb = notebooks.source_notebook()
    nb.cells[1].source = "import math\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    with pytest.raises(ReleaseError, match="Solution region detected in a non-solution cell"):
        make_release(nbformat.writes(nb).encode(), name="bad")
