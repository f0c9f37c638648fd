"""Start sandboxed kernels ahead of time so a grade does not wait for a kernel start."""

from __future__ import annotations

import queue
import threading

from grading.sandbox import SandboxedKernel, SandboxError, SandboxLimits

_LAUNCH_FIELDS = ("cpu_seconds", "memory_bytes", "nproc", "file_bytes", "nofile", "tmp_bytes")


class KernelPool:
    """Keeps `size` fresh kernels started; each is handed out once and killed after its grade.

    Use `grade(release, data, limits=limits, kernel_factory=pool.take)`. Only the limits
    fixed at launch (rlimits, tmpfs sizes) must match the pool's; timeouts and output caps
    are applied per grade.
    """

    def __init__(self, limits: SandboxLimits | None = None, size: int = 2) -> None:
        self.limits = limits or SandboxLimits()
        self._ready: queue.Queue[SandboxedKernel] = queue.Queue(maxsize=size)
        self._closed = threading.Event()
        self._errors: list[SandboxError] = []
        self._thread = threading.Thread(target=self._fill, name="kernel-pool", daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        """Background: start a kernel whenever there is room, until closed."""
        while not self._closed.is_set():
            try:
                kernel = SandboxedKernel(self.limits)
            except SandboxError as exc:
                self._errors.append(exc)
                self._closed.wait(1.0)
                continue
            while not self._closed.is_set():
                try:
                    self._ready.put(kernel, timeout=0.2)
                    break
                except queue.Full:
                    continue
            else:
                kernel.kill()

    def _compatible(self, limits: SandboxLimits) -> bool:
        return all(getattr(limits, f) == getattr(self.limits, f) for f in _LAUNCH_FIELDS)

    def take(self, limits: SandboxLimits) -> SandboxedKernel:
        """A started, never-used kernel; starts one now if none is ready or limits differ."""
        if self._compatible(limits) and not self._closed.is_set():
            while True:
                try:
                    kernel = self._ready.get_nowait()
                except queue.Empty:
                    break
                if kernel.alive():
                    kernel.limits = limits
                    return kernel
                kernel.kill()
        return SandboxedKernel(limits)

    def close(self) -> None:
        """Stop starting kernels and kill the ones waiting."""
        self._closed.set()
        self._thread.join()
        while not self._ready.empty():
            self._ready.get_nowait().kill()

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
