"""Flask-free notebook autograding: nbgrader release, upload checks, sandboxed grading.

    release = make_release(source_bytes, name="week1")      # at course sync; store release.to_json()
    check_submission(release, upload_bytes)                  # raises SubmissionRejected(code, message)
    result = grade(release, upload_bytes)                    # fresh sandboxed kernel; result.to_dict()

Workers that grade many submissions pass `kernel_factory=pool.take` from a
`grading.pool.KernelPool` so kernels start ahead of time (each still used once).
`grade` raises SandboxError only for host problems (retry later); anything the
notebook did is reported in the GradeResult. See SECURITY.md for the sandbox.
"""

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
