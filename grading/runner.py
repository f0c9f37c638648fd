"""Run cells one by one on a sandboxed kernel under per-cell, notebook and output limits."""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from typing import Any

from grading.sandbox import SandboxedKernel, SandboxLimits

INTERRUPT_GRACE = 1.0  # seconds a timed-out cell gets to honour the interrupt
MESSAGE_CAP = 8 * 1024  # characters of one error value, traceback entry or test message
TRACEBACK_CAP = 16 * 1024  # characters of one error's traceback
OUTPUT_KINDS = ("stream", "display_data", "execute_result", "error", "clear_output")
UNREADABLE = "the kernel sent output the grader could not read (a damaged or oversized message)"


def cap(text: str, limit: int = MESSAGE_CAP) -> str:
    """Text cut to `limit` characters with a visible marker saying how much went."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f" [... {len(text) - limit} characters cut]"


def _size(content: dict[str, Any]) -> int:
    data = content.get("data", {})
    return (
        len(str(content.get("text", "")))
        + sum(len(str(v)) for v in (data.values() if isinstance(data, dict) else ()))
        + len(str(content.get("evalue", "")))
        + sum(len(str(t)) for t in content.get("traceback", ()) or ())
    )


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
        self.truncated = False  # the kept-output budget ran out (the marker is shown once)
        self.stopped: str | None = None  # why no further cell can run

    def exited(self) -> str:
        """Why no more cells run after the kernel process ended on its own."""
        status = self.kernel.proc.returncode if self.kernel.proc else None
        how = f"was killed by signal {-status}" if status and status < 0 else f"exited with status {status}"
        if status and status > 128:
            how = f"was killed by signal {status - 128} (e.g. out of memory)"
        return f"the kernel {how}: the notebook's code ended or crashed the process"

    def _stop(self, reason: str) -> None:
        self.stopped = self.stopped or reason
        self.kernel.kill()

    def run(self, code: str, token: str | None = None) -> CellRun:  # noqa: C901 - one loop over the cell's messages
        """Execute one cell; outputs come only from messages answering this request. `token`
        is the proof line a test cell must print (grading/proof.py); it is not shown."""
        if self.stopped is None and not self.kernel.alive():
            self.stopped = self.exited()
        if self.stopped is not None:
            return CellRun(status="stopped", reason=self.stopped)
        client = self.kernel.client
        assert client is not None  # a started kernel (for mypy)
        msg_id = client.execute(code, store_history=True, allow_stdin=False)
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
                msg = client.get_iopub_msg(timeout=min(0.1, cell_deadline - now))
            except queue.Empty:
                if not self.kernel.alive():
                    self.stopped = self.exited()
                    return CellRun(run.outputs, "stopped", self.stopped, False)
                continue
            except ValueError:  # a message jupyter_client cannot decode: never crash the grader
                self._stop(UNREADABLE)
                return CellRun(run.outputs, "stopped", self.stopped or UNREADABLE, False)
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
        if kind not in OUTPUT_KINDS:
            return True
        self.received += _size(content)
        if self.received > 8 * self.limits.output_bytes:
            self._stop(f"the notebook printed more than {8 * self.limits.output_bytes >> 20} MB of output")
            return False
        if kind == "clear_output":
            run.outputs.clear()
            return True
        if kind == "error":
            run.status = "error"
        for output in self.admit([{"output_type": kind, **content}]):
            last = run.outputs[-1] if run.outputs else None
            if (
                last is not None
                and output["output_type"] == last["output_type"] == "stream"
                and last.get("name") == output["name"]
            ):
                last["text"] += output["text"]
                continue
            run.outputs.append(output)
        return True

    def admit(self, outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Outputs cut to the submission's kept-output budget, with a visible marker, before
        anything stores or renders them. Errors are always kept (they decide a score), each
        bounded; a last expression keeps its text (nbgrader reads partial credit there)."""
        kept = []
        for output in outputs:
            output = {k: v for k, v in output.items() if k != "transient"}
            kind = output["output_type"]
            room = max(0, self.limits.output_bytes - self.kept)
            if kind == "error":
                frames = [cap(t) for t in output.get("traceback", []) or []]
                while sum(map(len, frames)) > TRACEBACK_CAP and len(frames) > 1:
                    frames.pop(0)
                output.update(ename=cap(output.get("ename", "Error"), 200), evalue=cap(output.get("evalue", "")))
                output["traceback"] = [cap(f, TRACEBACK_CAP) for f in frames]
            elif kind == "stream":
                text = str(output.get("text", ""))
                if len(text) > room:
                    if self.truncated:
                        continue
                    self.truncated = True
                    text = text[:room] + "\n[output truncated: the notebook's output is over its limit]\n"
                output["text"] = text
            elif _size(output) > room:
                if kind != "execute_result":
                    continue
                output["data"] = {"text/plain": cap(output.get("data", {}).get("text/plain", ""))}
            self.kept += _size(output)
            kept.append(output)
        return kept

    def _timed_out(self, run: CellRun, msg_id: str) -> CellRun:
        """Interrupt the cell (message mode); a cell that ignores it stops the whole kernel."""
        reason = f"the cell exceeded its {self.limits.cell_timeout:g} s time limit"
        client = self.kernel.client
        assert client is not None  # a started kernel (for mypy)
        client.control_channel.send(client.session.msg("interrupt_request", {}))
        grace = time.monotonic() + INTERRUPT_GRACE
        while time.monotonic() < min(grace, self.deadline) and self.kernel.alive():
            try:
                msg = client.get_iopub_msg(timeout=0.1)
            except (queue.Empty, ValueError):
                continue
            state = msg["content"].get("execution_state")
            if msg["parent_header"].get("msg_id") == msg_id and state == "idle":
                return CellRun(run.outputs, "timeout", reason, False)
        self._stop(reason + " and ignored the interrupt, so the kernel was stopped")
        return CellRun(run.outputs, "timeout", self.stopped or reason, False)
