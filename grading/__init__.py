"""Flask-free notebook autograding: nbgrader release, upload checks, sandboxed grading."""

from grading.engine import GradeResult, ManualCell, TestResult, grade
from grading.release import Release, ReleaseError, make_release
from grading.sandbox import SandboxError, SandboxLimits
from grading.submission import SubmissionRejected, check_submission

__all__ = [
    "GradeResult",
    "ManualCell",
    "Release",
    "ReleaseError",
    "SandboxError",
    "SandboxLimits",
    "SubmissionRejected",
    "TestResult",
    "check_submission",
    "grade",
    "make_release",
]
