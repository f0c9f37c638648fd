"""The grader's side of the checker: start it in a sandbox of its own and talk to it.

The checker (grading/checker.py) runs test cells; the learner's kernel runs learner cells.
Each gets its own bubblewrap sandbox, uid, cgroup and rlimits; the only thing they share is
the socket pair this module creates, one end inherited by each. The checker sees the
`grading` package read-only and nothing the learner can write.
"""

from __future__ import annotations

import json
import os
import select
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from grading.bwrap import bwrap_command, spawn
from grading.cgroup import SandboxCgroup

PACKAGE = str(Path(__file__).resolve().parent)
INSIDE = "/opt/academy"
BOOT = (
    f"import sys; sys.path.insert(0, {INSIDE!r}); from grading.checker import main; "
    "main(int(sys.argv[1]), int(sys.argv[2]))"
)
LINE_CAP = 32 << 20  # bytes of one answer; the checker caps its outputs well below this


class CheckerError(RuntimeError):
    """The checker did not answer: stuck in instructor code, crashed, or over a limit."""


class CheckerProcess:
    """One sandboxed checker, joined to a kernel by `learner_end`, used for one submission."""

    def __init__(self, limits: Any, learner_end: socket.socket, uid: int | None, name: str) -> None:
        self.limits = limits
        self.uid = uid
        self.control, child = socket.socketpair()
        self._buffer = bytearray()
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in kill()
        memory = limits.memory_bytes + 2 * limits.tmp_bytes
        self._cgroup = SandboxCgroup(f"{name}-checker", memory, limits.nproc)
        cmd = bwrap_command(limits, uid=uid, binds=((PACKAGE, f"{INSIDE}/grading", False),))
        cmd += [sys.executable, "-I", "-c", BOOT, str(child.fileno()), str(learner_end.fileno())]
        try:
            self.proc = spawn(self._cgroup.wrap(cmd), self._log, (child.fileno(), learner_end.fileno()))
        finally:
            child.close()
        self.stopped: str | None = None  # why no further test can run here

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, command: dict[str, Any]) -> None:
        try:
            self.control.sendall(json.dumps(command).encode() + b"\n")
        except OSError as exc:
            self.fail(f"the checker could not be reached ({exc.strerror or exc})")

    def receive(self, timeout: float) -> dict[str, Any]:
        """The next answer, or CheckerError (and the checker killed) after `timeout` s."""
        deadline = time.monotonic() + timeout
        if self.control.fileno() < 0:
            self.fail("the checker was stopped with its kernel")
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail(f"the checker gave no answer within {timeout:g} s")
            ready, _, _ = select.select([self.control], [], [], left)
            if not ready:
                continue
            chunk = self.control.recv(1 << 20)
            if not chunk:
                self.fail(f"the checker ended: {self.log_tail() or 'no message'}")
            self._buffer += chunk
            if len(self._buffer) > LINE_CAP:
                self.fail("the checker's answer was over its size limit")
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def wait_ready(self, timeout: float) -> None:
        answer = self.receive(timeout)
        if not answer.get("ready"):
            self.fail("the checker did not start")

    def fail(self, reason: str) -> None:
        self.stopped = self.stopped or reason
        self.kill()
        raise CheckerError(reason)

    def log_tail(self) -> str:
        try:
            self._log.seek(0)
            return self._log.read()[-2000:].decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def send_kill(self) -> None:
        """SIGKILL the sandbox now without waiting for it (kill() waits and cleans up)."""
        if self.proc.poll() is None:
            self.proc.kill()

    def kill(self) -> None:
        """SIGKILL the sandbox (its pid namespace takes every child with it)."""
        self.send_kill()
        self.proc.wait()
        self.control.close()
        self._log.close()
        self._cgroup.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    @staticmethod
    def pair() -> tuple[socket.socket, socket.socket]:
        """The learner-checker socket pair; both ends are inherited, then closed here."""
        kernel_end, checker_end = socket.socketpair()
        for end in (kernel_end, checker_end):
            os.set_inheritable(end.fileno(), True)
        return kernel_end, checker_end
