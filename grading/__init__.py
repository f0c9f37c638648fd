"""Flask-free notebook autograding: nbgrader release, upload checks, sandboxed grading.

    release = make_release(source_bytes, name="week1")      # at course sync; store release.to_json()
    plan, problems = analyse(source_nb)                      # release.check_plan: what the test checker needs
    check_submission(release, upload_bytes)                  # raises SubmissionRejected(code, message)
    nb = read_notebook(upload_bytes)                         # the structure only, refused the same way
    result = grade(release, upload_bytes)                    # fresh sandboxed kernel; result.to_dict()
    result = grade(release, upload_bytes, feedback=False)    # score now; store result.packed_feedback(release)
    render_packed_feedback(packed, release, score)           # ... and nbgrader's HTML page when first asked for

Workers that grade many submissions pass `kernel_factory=pool.take` from a
`grading.pool.KernelPool` so kernels start ahead of time (each still used once).
`grade` raises SandboxError only for host problems (retry later); anything the
notebook did is reported in the GradeResult. See SECURITY.md for the sandbox.
"""

# Names load on first use (PEP 562): `import grading` stays cheap for the web
# app, which needs the heavy parts (nbgrader, Jupyter, WeasyPrint, pyHanko) only when it uses them.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "CheckPlan": "grading.analysis",
    "GradeResult": "grading.engine",
    "ManualCell": "grading.engine",
    "Release": "grading.release",
    "ReleaseError": "grading.release",
    "SandboxError": "grading.sandbox",
    "SandboxLimits": "grading.sandbox",
    "SubmissionRejected": "grading.submission",
    "TestResult": "grading.engine",
    "analyse": "grading.analysis",
    "check_submission": "grading.submission",
    "grade": "grading.engine",
    "make_release": "grading.release",
    "read_notebook": "grading.submission",
    "render_packed_feedback": "grading.feedback",
    "sources_by_grade_id": "grading.submission",
    "usable_text": "grading.submission",
}
__all__ = [
    "CheckPlan",
    "GradeResult",
    "ManualCell",
    "Release",
    "ReleaseError",
    "SandboxError",
    "SandboxLimits",
    "SubmissionRejected",
    "TestResult",
    "analyse",
    "check_submission",
    "grade",
    "make_release",
    "read_notebook",
    "render_packed_feedback",
    "sources_by_grade_id",
    "usable_text",
]

if TYPE_CHECKING:
    from grading.analysis import CheckPlan, analyse
    from grading.engine import GradeResult, ManualCell, TestResult, grade
    from grading.feedback import render_packed_feedback
    from grading.release import Release, ReleaseError, make_release
    from grading.sandbox import SandboxError, SandboxLimits
    from grading.submission import (
        SubmissionRejected,
        check_submission,
        read_notebook,
        sources_by_grade_id,
        usable_text,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
