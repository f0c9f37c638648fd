"""KernelPool: kernels started ahead of time, each used for exactly one submission."""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor

from grading import Release, SandboxLimits, grade
from grading.pool import KernelPool
from tests.grading import notebooks


def test_pool_kernels_are_fresh_and_never_reused(release: Release, limits: SandboxLimits) -> None:
    used = []

    def take(lim: SandboxLimits):
        kernel = pool.take(lim)
        used.append(kernel)
        return kernel

    answers = [notebooks.CORRECT, notebooks.HALF, notebooks.WRONG, notebooks.CORRECT]
    with KernelPool(limits, size=2) as pool:
        deadline = time.monotonic() + 10
        while pool._ready.qsize() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        subs = [notebooks.submission(release.notebook_bytes, a) for a in answers]
        with ThreadPoolExecutor(2) as workers:
            scores = list(workers.map(lambda s: grade(release, s, limits=limits, kernel_factory=take).score, subs))
    assert scores == [5.0, 1.0, 0.0, 5.0]
    assert len({id(k) for k in used}) == len({k.proc.pid for k in used}) == 4
    assert not any(k.alive() for k in used)


def test_pool_starts_a_kernel_for_other_launch_limits(limits: SandboxLimits) -> None:
    other = dataclasses.replace(limits, memory_bytes=limits.memory_bytes * 2)
    with KernelPool(limits, size=1) as pool:
        kernel = pool.take(other)
        try:
            assert kernel.alive() and kernel.limits == other
        finally:
            kernel.kill()
