"""Run cells one by one on a sandboxed kernel under per-cell, notebook and output limits."""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from typing import Any

from grading.sandbox import SandboxedKernel, SandboxLimits

INTERRUPT_GRACE = 1.0  # seconds a timed-out cell gets to honour the interrupt


@dataclass
class CellRun:
    """What one cell produced; `proof` is True only if the expected completion proof was printed."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ok"  # ok | error | timeout | stopped
    reason: str = ""
    proof: bool = False


class Runner:
    """Feeds cells to one kernel and stops it for good once a limit is hit."""

    def __init__(self, kernel: SandboxedKernel, limits: SandboxLimits) -> None:
        self.kernel = kernel
        self.limits = limits
        self.deadline = time.monotonic() + limits.notebook_timeout
        self.kept = 0  # output bytes stored so far
        self.received = 0  # output bytes received so far
        self.stopped: str | None = None  # why no further cell can run

    def _exited(self) -> str:
        """Why no more cells run after the kernel process ended on its own."""
        status = self.kernel.proc.returncode if self.kernel.proc else None
        how = f"was killed by signal {-status}" if status and status < 0 else f"exited with status {status}"
        if status and status > 128:
            how = f"was killed by signal {status - 128} (e.g. out of memory)"
        return f"the kernel {how}: the notebook's code ended or crashed the process"

    def _stop(self, reason: str) -> None:
        self.stopped = self.stopped or reason
        self.kernel.kill()

    def run(self, code: str, token: str | None = None) -> CellRun:
        """Execute one cell; outputs come only from messages answering this request. `token`
        is the proof line a test cell must print (grading/proof.py); it is not shown."""
        if self.stopped is None and not self.kernel.alive():
            self.stopped = self._exited()
        if self.stopped is not None:
            return CellRun(status="stopped", reason=self.stopped)
        msg_id = self.kernel.client.execute(code, store_history=True, allow_stdin=False)
        run = CellRun()
        tail = ""
        cell_deadline = time.monotonic() + self.limits.cell_timeout
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                self._stop(f"the whole notebook exceeded its {self.limits.notebook_timeout:g} s time limit")
                return CellRun(run.outputs, "stopped", self.stopped or "", False)
            if now >= cell_deadline:
                return self._timed_out(run, msg_id)
            try:
                msg = self.kernel.client.get_iopub_msg(timeout=min(0.1, cell_deadline - now))
            except queue.Empty:
                if not self.kernel.alive():
                    self.stopped = self._exited()
                    return CellRun(run.outputs, "stopped", self.stopped, False)
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                return run
            if kind == "stream" and token is not None and content.get("name") == "stdout":
                text = content.get("text", "")
                if token in tail + text:
                    run.proof = True
                    content = {**content, "text": text.replace(token + "\n", "")}
                tail = (tail + text)[-len(token) :]
            if not self._keep(run, kind, content):
                return CellRun(run.outputs, "stopped", self.stopped or "", False)

    def _keep(self, run: CellRun, kind: str, content: dict[str, Any]) -> bool:
        """Store an output within the byte budget; False once the hard cap killed the kernel."""
        if kind not in ("stream", "display_data", "execute_result", "error", "clear_output"):
            return True
        size = len(str(content.get("text", ""))) + sum(len(str(v)) for v in content.get("data", {}).values())
        self.received += size
        if self.received > 8 * self.limits.output_bytes:
            self._stop(f"the notebook printed more than {8 * self.limits.output_bytes >> 20} MB of output")
            return False
        if kind == "clear_output":
            run.outputs.clear()
            return True
        if kind == "error":
            run.status = "error"
        if self.kept + size > self.limits.output_bytes:
            if kind == "stream":
                room = max(0, self.limits.output_bytes - self.kept)
                content = {**content, "text": content["text"][:room] + "\n[output truncated]\n"}
                size = room
            elif kind != "error":
                return True
        self.kept += size
        if (
            kind == "stream"
            and run.outputs
            and run.outputs[-1].get("name") == content["name"]
            and run.outputs[-1]["output_type"] == "stream"
        ):
            run.outputs[-1]["text"] += content["text"]
            return True
        output = {"output_type": kind, **{k: v for k, v in content.items() if k != "transient"}}
        run.outputs.append(output)
        return True

    def _timed_out(self, run: CellRun, msg_id: str) -> CellRun:
        """Interrupt the cell (message mode); a cell that ignores it stops the whole kernel."""
        reason = f"the cell exceeded its {self.limits.cell_timeout:g} s time limit"
        client = self.kernel.client
        client.control_channel.send(client.session.msg("interrupt_request", {}))
        grace = time.monotonic() + INTERRUPT_GRACE
        while time.monotonic() < min(grace, self.deadline) and self.kernel.alive():
            try:
                msg = client.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                continue
            state = msg["content"].get("execution_state")
            if msg["parent_header"].get("msg_id") == msg_id and state == "idle":
                return CellRun(run.outputs, "timeout", reason, False)
        self._stop(reason + " and ignored the interrupt, so the kernel was stopped")
        return CellRun(run.outputs, "timeout", self.stopped or reason, False)
