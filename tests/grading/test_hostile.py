"""Hostile notebooks: each is contained, graded 0 on the attacked tests with a clear reason,
and the next grade still works."""

from __future__ import annotations

import os
import re
import socket
import sys
import time
from pathlib import Path

import pytest

from grading import Release, SandboxLimits, grade
from grading.sandbox import SandboxedKernel, uid_pids
from tests.grading import notebooks
from tests.grading.hostile import CASES

ROOT = Path(__file__).resolve().parents[2]
SECRET = "academy-test-secret-do-not-leak"


class TimedKernel(SandboxedKernel):
    """A sandbox that notes when it was ready and when it was first killed."""

    def __init__(self, limits: SandboxLimits) -> None:
        super().__init__(limits)
        self.ready_at = time.monotonic()
        self.killed_at: float | None = None

    def kill(self) -> None:
        self.killed_at = self.killed_at or time.monotonic()
        super().kill()

    def ran_for(self) -> float:
        return (self.killed_at or time.monotonic()) - self.ready_at


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Things on the host a submission must not reach: a database file, a port, a secret."""
    database = tmp_path / "gradebook.db"
    database.write_text("learner,score\nalice,100\n")
    database.chmod(0o644)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    monkeypatch.setenv("ACADEMY_SECRET_KEY", SECRET)
    params = {
        "secret": str(database),
        "instance": str(ROOT / "instance"),
        "outside": os.path.join(sys.prefix, "pwned.txt"),
        "port": listener.getsockname()[1],
    }
    yield params, listener
    listener.close()


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_notebook_is_contained(name: str, release: Release, limits: SandboxLimits, host) -> None:
    params, listener = host
    case = CASES[name]
    answer = case.answer.format(**params) if "{" in case.answer else case.answer
    data = notebooks.submission(release.notebook_bytes, answer, extra=list(case.extra), edit=case.edit)
    kernels: list[TimedKernel] = []

    def factory(lim: SandboxLimits) -> SandboxedKernel:
        kernels.append(TimedKernel(lim))
        return kernels[-1]

    result = grade(release, data, limits=limits, kernel_factory=factory)
    by_name = {t.name: t for t in result.tests}
    assert result.score == case.score and result.max_score == release.max_score
    assert all(by_name[t].points == 0 and not by_name[t].passed for t in case.attacked)
    said = "\n".join([t.message for t in result.tests] + [result.error or ""])
    assert re.search(case.reason, said), said
    # From the sandbox handed over (its start has its own limit) to the sandbox killed: the
    # notebook's limit plus the interrupt and answer graces, whatever the machine's load.
    assert kernels[0].ran_for() < limits.notebook_timeout + 5
    assert uid_pids(kernels[0].uid) == [] and not kernels[0].alive()
    shown = result.feedback_html + str(result.to_dict())
    assert SECRET not in shown and "alice,100" not in shown
    if case.host_check == "outside_untouched":
        assert not os.path.exists(params["outside"])
    if case.host_check == "no_connection":
        with pytest.raises(BlockingIOError):
            listener.accept()


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.kernel_reason])
def test_proof_forgeries_fail_on_kernel_mode_cells(
    name: str, kernel_release: Release, limits: SandboxLimits, host
) -> None:
    """Tests an instructor runs in the kernel keep the guard's completion proof: each attack
    on it gets no point there (and the hidden test, in the checker, none either)."""
    case = CASES[name]
    assert kernel_release.check_plan.kernel_tests == notebooks.VISIBLE_TEST_IDS
    data = notebooks.submission(kernel_release.notebook_bytes, case.answer, extra=list(case.extra), edit=case.edit)
    result = grade(kernel_release, data, limits=limits)
    by_name = {t.name: t for t in result.tests}
    assert result.score == 0, result.to_dict()
    assert any(re.search(case.kernel_reason, by_name[t].message) for t in notebooks.VISIBLE_TEST_IDS), result.to_dict()


def test_next_grade_after_hostile_ones_still_works(release: Release, limits: SandboxLimits) -> None:
    result = grade(release, notebooks.submission(release.notebook_bytes), limits=limits)
    assert result.score == 5 and result.error is None
