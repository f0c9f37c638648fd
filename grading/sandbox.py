"""Start one IPython kernel inside bubblewrap as an unprivileged, throw-away user."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from grading.bwrap import bwrap_command, spawn
from grading.cgroup import SandboxCgroup
from grading.checker_host import CheckerError, CheckerProcess
from grading.kernel_guard import GUARD_PREFIX

_HERE = Path(__file__).parent
_GUARD_CELL = "exec(compile({!r}, '<_academy_guard>', 'exec'), {{'__name__': '_academy_guard'}})".format(
    (_HERE / "kernel_guard.py").read_text()
)
# The serve loop (grading/remote.py over grading/codec.py) that answers the checker.
_SERVE_CELL = """def _academy_serve_install(fd, codec_text, remote_text):
    import builtins, types
    codec = {{"__name__": "_academy_codec"}}
    exec(compile(codec_text, "<academy-codec>", "exec"), codec)
    remote = {{"__name__": "_academy_remote"}}
    exec(compile(remote_text, "<academy-remote>", "exec"), remote)
    peer = remote["connect"](fd, types.SimpleNamespace(**codec), get_ipython().user_ns)
    builtins.__academy_serve__ = peer.serve
_academy_serve_install({{fd}}, {codec!r}, {remote!r})
del _academy_serve_install
""".format(codec=(_HERE / "codec.py").read_text(), remote=(_HERE / "remote.py").read_text())

# ipykernel_launcher without debugpy: a graded kernel is never debugged, and importing it
# (pydevd) was ~0.07 s of CPU in every sandbox start. The working directory leaves
# sys.path first, as the launcher has it.
_KERNEL_BOOT = (
    "import sys; del sys.path[0]; sys.modules['debugpy'] = None; "
    "from ipykernel import kernelapp; kernelapp.launch_new_instance()"
)


class SandboxError(RuntimeError):
    """The sandbox could not start a kernel (a host set-up problem, not the learner's)."""


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits for one submission; the defaults suit a small teaching notebook."""

    cell_timeout: float = 10.0  # wall seconds per cell
    notebook_timeout: float = 60.0  # wall seconds for all cells together
    cpu_seconds: int = 60  # RLIMIT_CPU per process
    memory_bytes: int = 1 << 30  # RLIMIT_AS per process
    nproc: int = 64  # RLIMIT_NPROC: tasks (threads count) of the sandbox uid
    file_bytes: int = 16 << 20  # RLIMIT_FSIZE
    nofile: int = 256  # RLIMIT_NOFILE
    tmp_bytes: int = 64 << 20  # size of each tmpfs (/tmp and the working dir)
    output_bytes: int = 1 << 20  # captured output kept; 8x this kills the kernel
    start_timeout: float = 20.0  # kernel start, not counted in notebook_timeout


class _UidPool:
    """Hands out a distinct uid per live sandbox so RLIMIT_NPROC is per sandbox."""

    BASE = 1_900_000_000  # no account uses these; override with ACADEMY_SANDBOX_UID_BASE
    PER_PROCESS = 1000  # each process (web, every worker on the machine) gets its own block

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: list[int] = []
        base = int(os.environ.get("ACADEMY_SANDBOX_UID_BASE", self.BASE))
        # Two processes sharing a uid would share RLIMIT_NPROC and reap each other's kernels.
        self._next = base + (os.getpid() % 2_000_000) * self.PER_PROCESS

    def take(self) -> int:
        """A uid no other live sandbox holds."""
        with self._lock:
            if self._free:
                return self._free.pop()
            self._next += 1
            return self._next - 1

    def give(self, uid: int) -> None:
        """Return a uid once every process of its sandbox is gone."""
        with self._lock:
            self._free.append(uid)


_UIDS = _UidPool()


def _shm_dir() -> str | None:
    """Connection sockets live on a RAM filesystem when there is one (nothing on disk)."""
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def uid_pids(uid: int) -> list[int]:
    """The processes running under this uid (a sandbox's uid: none may outlive its kernel)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                pids.append(int(pid))
        except FileNotFoundError:
            continue
    return pids


def _reap_uid(uid: int, timeout: float = 2.0) -> None:
    """Wait until no process of this sandbox's uid is left, SIGKILLing stragglers: the pid
    namespace dies with bwrap, but its processes take a moment to be torn down."""
    deadline = time.monotonic() + timeout
    while True:
        pids = uid_pids(uid)
        if not pids or time.monotonic() > deadline:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
        time.sleep(0.002)


class SandboxedKernel:
    """A started kernel plus its client; `kill()` removes the whole process tree."""

    def __init__(self, limits: SandboxLimits, *, checker: bool = True) -> None:
        self.limits = limits
        self.root = os.geteuid() == 0
        self.uid = _UIDS.take() if self.root else os.getuid()
        self.checker: CheckerProcess | None = None  # runs the test cells, in its own sandbox
        self._with_checker = checker
        self._conn = tempfile.mkdtemp(prefix="academy-kernel-", dir=_shm_dir())
        self.proc: subprocess.Popen[bytes] | None = None
        self.client: BlockingKernelClient | None = None
        self.proof_key = ""  # the guard's key: checks each test cell's completion proof
        self._log: IO[bytes] | None = None
        self._killed = False
        self._cgroup: SandboxCgroup | None = None
        self._kill_lock = threading.Lock()
        try:
            self._start()
        except BaseException:
            self.kill()
            raise

    def _start(self) -> None:
        inside = "/run/kernel"
        path, info = write_connection_file(os.path.join(self._conn, "kernel.json"), transport="ipc", ip=f"{inside}/s")
        if self.root:
            os.chown(self._conn, self.uid, self.uid)
            os.chown(path, self.uid, self.uid)
        memory = self.limits.memory_bytes + 2 * self.limits.tmp_bytes  # the tree's RAM and its tmpfs
        self._cgroup = SandboxCgroup(os.path.basename(self._conn), memory, self.limits.nproc)
        cmd = bwrap_command(
            self.limits, uid=self.uid if self.root else None, binds=((self._conn, "/run/kernel", True),)
        )
        kernel_end = checker_end = None
        if self._with_checker:
            kernel_end, checker_end = CheckerProcess.pair()
            checker_uid = _UIDS.take() if self.root else None
            self.checker = CheckerProcess(self.limits, checker_end, checker_uid, os.path.basename(self._conn))
            checker_end.close()
        cmd += [
            sys.executable,
            "-s",
            "-c",
            _KERNEL_BOOT,
            "-f",
            f"{inside}/kernel.json",
            "--HistoryManager.hist_file=:memory:",
        ]
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in kill()
        self.proc = spawn(self._cgroup.wrap(cmd), self._log, (kernel_end.fileno(),) if kernel_end else ())
        self.client = BlockingKernelClient()
        self.client.load_connection_info({**info, "ip": os.path.join(self._conn, "s")})
        self.client.start_channels(hb=False)
        self._wait_ready()
        self.proof_key = self._install_guard()
        if kernel_end is not None:
            assert self.checker is not None  # made above with kernel_end (for mypy)
            self._silent_cell(_SERVE_CELL.replace("{fd}", str(kernel_end.fileno())), "the serve loop")
            kernel_end.close()
            try:
                self.checker.wait_ready(self.limits.start_timeout)
            except CheckerError as exc:
                raise SandboxError(f"the checker did not start: {exc}") from None
        if self.root:  # sockets exist: the learner may no longer create files here
            os.chown(self._conn, 0, 0)
            os.chmod(self._conn, 0o555)

    def _wait_ready(self) -> None:
        """Ready once a kernel_info round trip shows on IOPub too: a SUB socket joins late, and
        output sent before it joined would be lost (the cause of phantom cell timeouts)."""
        assert self.proc is not None and self._log is not None and self.client is not None  # started
        deadline = time.monotonic() + self.limits.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._log.seek(0)
                tail = self._log.read()[-2000:].decode("utf-8", "replace")
                raise SandboxError(f"the sandboxed kernel exited at start:\n{tail}")
            msg_id = self.client.kernel_info()
            retry = time.monotonic() + 0.25
            while time.monotonic() < retry:
                try:
                    msg = self.client.get_iopub_msg(timeout=0.02)
                except queue.Empty:
                    continue
                state = msg["content"].get("execution_state")
                if msg["parent_header"].get("msg_id") == msg_id and state == "idle":
                    return
        raise SandboxError("the sandboxed kernel did not start in time")

    def _install_guard(self) -> str:
        """Run grading/kernel_guard.py as the first cell, before any learner code; returns the
        key it printed (the only time it is ever shown)."""
        text = self._silent_cell(_GUARD_CELL, "the kernel guard")
        for line in text.splitlines():
            if line.startswith(GUARD_PREFIX):
                return line[len(GUARD_PREFIX) :]
        raise SandboxError(f"the kernel guard did not install: {text[-500:] or 'no answer'}")

    def _silent_cell(self, code: str, what: str) -> str:
        """Run one of our own set-up cells before any learner code; its printed text."""
        assert self.proc is not None and self.client is not None  # started
        msg_id = self.client.execute(code, silent=False, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + self.limits.start_timeout
        text, error = "", ""
        while time.monotonic() < deadline:
            try:
                msg = self.client.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                text += content.get("text", "")
            elif kind == "error":
                error = f"{content.get('ename')}: {content.get('evalue')}"
            elif kind == "status" and content.get("execution_state") == "idle":
                if not error:
                    return text
                break
        raise SandboxError(f"{what} did not install: {error or text[-500:] or 'no answer'}")

    def alive(self) -> bool:
        """False once the kernel (or the sandbox around it) has exited."""
        assert self.proc is not None  # started
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL bwrap; --die-with-parent and the pid namespace take every child with it.
        Idempotent: the uid goes back to the pool exactly once, after its last process."""
        with self._kill_lock:
            if self._killed:
                return
            self._killed = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.checker is not None:
            self.checker.send_kill()  # both sandboxes go down at once; the waits below overlap
        if self.proc is not None:
            self.proc.wait()
        if self.client is not None:
            self.client.stop_channels()
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self._conn, ignore_errors=True)
        if self.checker is not None:
            self.checker.kill()
        if self.root:
            _reap_uid(self.uid)
            _UIDS.give(self.uid)
            if self.checker is not None and self.checker.uid is not None:
                _reap_uid(self.checker.uid)
                _UIDS.give(self.checker.uid)
        if self._cgroup is not None:
            self._cgroup.close()

    def __enter__(self) -> SandboxedKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
