"""A pool for interactive runs, separate from the grading workers: its own threads and its own
pre-started sandboxed kernels, so a deadline rush of final grading never delays a Run."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import grading

if TYPE_CHECKING:  # Jupyter's client loads when the first run needs a kernel
    from grading.sandbox import SandboxedKernel


class WorkspaceRunner:
    """`threads` runs at a time; `kernels` sandboxed kernels kept started (0: start per run)."""

    def __init__(self, limits: grading.SandboxLimits, *, threads: int, kernels: int) -> None:
        self.limits = limits
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="workspace-run")
        from grading.pool import KernelPool

        self.pool = KernelPool(limits, size=kernels) if kernels > 0 else None

    def kernel(self, limits: grading.SandboxLimits) -> SandboxedKernel:
        """A started, never-used sandboxed kernel (one per run, killed afterwards)."""
        from grading.sandbox import SandboxedKernel

        return self.pool.take(limits) if self.pool else SandboxedKernel(limits)

    def submit(self, job: Callable[..., Any], *args: Any) -> None:
        """Queue one run; the executor's queue is first come, first served."""
        self.executor.submit(job, *args)

    def close(self) -> None:
        """Finish queued runs and kill the waiting kernels."""
        self.executor.shutdown(wait=True)
        if self.pool is not None:
            self.pool.close()


_lock = threading.Lock()
_runner: WorkspaceRunner | None = None


def get_runner(start: Callable[[], WorkspaceRunner]) -> WorkspaceRunner:
    """The process's runner, made by `start()` on first use (kernels are per process, not per app)."""
    global _runner
    with _lock:
        if _runner is None:
            _runner = start()
            atexit.register(_runner.close)
        return _runner
