"""Grade submissions with nbgrader itself (NbGraderAPI), the reference our scores must equal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from traitlets.config import Config


def nbgrader_scores(
    course: Path, source: bytes, submissions: dict[str, bytes], test_ids: tuple[str, ...], notebook: str = "squares"
) -> dict[str, dict]:
    """{student: {"score": total, grade_id: points...}} as `nbgrader autograde` records them."""
    (course / "source" / "ps1").mkdir(parents=True)
    (course / "source" / "ps1" / f"{notebook}.ipynb").write_bytes(source)
    for student, data in submissions.items():
        folder = course / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        (folder / f"{notebook}.ipynb").write_bytes(data)
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = "course"
    config.Execute.timeout = 10
    bindir = os.path.dirname(sys.executable)  # nbgrader runs `alembic` from PATH
    if bindir not in os.environ["PATH"].split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ["PATH"]
    api = NbGraderAPI(config=config)
    assert api.generate_assignment("ps1")["success"]
    out: dict[str, dict] = {}
    for student in submissions:
        result = api.autograde("ps1", student)
        assert result["success"], result["log"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="course") as gb:
        for student in submissions:
            graded = gb.find_submission_notebook(notebook, "ps1", student)
            scores = {t: float(gb.find_grade(t, notebook, "ps1", student).score) for t in test_ids}
            out[student] = {"score": float(graded.score), "max_score": float(graded.max_score), **scores}
    return out
