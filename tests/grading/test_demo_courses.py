"""Every demo course's assignment grades in the real sandbox: its own solutions earn full
marks and the untouched release earns less (so the tests test something)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grading import SandboxLimits, grade, make_release

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "courses").glob("*/assignments/*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.parent.name)
def test_solutions_earn_full_marks_and_the_blank_release_does_not(path: Path) -> None:
    source = path.read_bytes()
    release = make_release(source, name=path.stem)
    limits = SandboxLimits(cell_timeout=10.0, notebook_timeout=30.0)
    solved = grade(release, source, limits=limits, feedback=False)
    assert solved.error is None and solved.score == release.max_score > 0, solved.to_dict()
    blank = grade(release, release.notebook_bytes, limits=limits, feedback=False)
    assert blank.score < release.max_score, blank.to_dict()
