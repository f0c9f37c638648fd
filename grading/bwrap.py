"""Build the prlimit + bwrap + setpriv command line that confines a kernel."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import lru_cache
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from grading.sandbox import SandboxLimits

WORKDIR = "/home/learner"


@lru_cache(maxsize=1)
def _python_roots() -> tuple[str, ...]:
    """The directories the kernel's interpreter and packages live in, nothing more."""
    roots = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    if os.path.realpath(sys.prefix) != sys.prefix:
        roots.add(sys.prefix)
    return tuple(sorted(r for r in roots if not r.startswith("/usr/")))


@lru_cache(maxsize=1)
def _system_binds() -> tuple[str, ...]:
    """Read-only system directories: /usr and the merged-/usr links (or real dirs)."""
    args = ["--ro-bind", "/usr", "/usr", "--perms", "0755", "--dir", "/etc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/localtime"):
        args += ["--ro-bind-try", path, path]
    return tuple(args)


def _dirs_for(path: str, made: set[str]) -> list[str]:
    """Create a bind target's parents as 0755 (bwrap would copy a 0700 /root)."""
    args: list[str] = []
    parts = path.strip("/").split("/")[:-1]
    for i in range(len(parts)):
        parent = "/" + "/".join(parts[: i + 1])
        if parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", parent]
    return args


@lru_cache(maxsize=1)
def _python_binds() -> tuple[str, ...]:
    made: set[str] = set()
    args: list[str] = []
    for root in _python_roots():
        args += _dirs_for(root, made) + ["--ro-bind", root, root]
    return tuple(args)


def sandbox_env() -> dict[str, str]:
    """The whole environment of the sandbox: nothing inherited, so no secrets."""
    return {
        "PATH": f"{sys.prefix}/bin:/usr/bin:/bin",
        "HOME": WORKDIR,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "MALLOC_ARENA_MAX": "2",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "NBGRADER_EXECUTION": "autograde",  # as under nbgrader: grading must not depend on it
    }


def bwrap_command(limits: SandboxLimits, *, uid: int | None, binds: tuple[tuple[str, str, bool], ...]) -> list[str]:
    """Argv up to (not including) the sandboxed command; uid=None means we are not root.
    `binds` are (host path, sandbox path, writable) beside the system and Python trees."""
    cmd = [
        "prlimit",
        f"--cpu={limits.cpu_seconds}",
        f"--as={limits.memory_bytes}",
        f"--fsize={limits.file_bytes}",
        f"--nofile={limits.nofile}",
        "--core=0",
    ]
    if uid is None:  # unprivileged: the limit counts all our tasks, so add the current ones
        cmd.append(f"--nproc={limits.nproc + _own_tasks()}")
    else:
        cmd.append(f"--nproc={limits.nproc}")  # not enforced on root bwrap, only after setpriv
    cmd += [
        "--",
        "bwrap",
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
    ]
    for key, value in sandbox_env().items():
        cmd += ["--setenv", key, value]
    cmd += [*_system_binds()]
    size = str(limits.tmp_bytes)
    cmd += [
        "--perms",
        "1777",
        "--size",
        size,
        "--tmpfs",
        "/tmp",
        "--perms",
        "0755",
        "--dir",
        "/home",
        "--perms",
        "1777",
        "--size",
        size,
        "--tmpfs",
        WORKDIR,
        "--perms",
        "0755",
        "--dir",
        "/run",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--chdir",
        WORKDIR,
        # After the fresh /tmp: a checkout (and its .venv) under /tmp must stay visible.
        *_python_binds(),
    ]
    for source, target, writable in binds:
        cmd += _dirs_for(target, {"/run", "/home"}) + ["--bind" if writable else "--ro-bind", source, target]
    if uid is None:
        return [*cmd, "--unshare-user", "--"]
    cmd += [
        "--cap-drop",
        "ALL",
        "--cap-add",
        "CAP_SETUID",
        "--cap-add",
        "CAP_SETGID",
        "--cap-add",
        "CAP_SETPCAP",
        "--",
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--no-new-privs",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--",
    ]
    return cmd


def spawn(cmd: list[str], stderr: IO[bytes], pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
    """Start a sandboxed command: only the sandbox's environment, no stdin or stdout, a session
    of its own, and no inherited descriptor but `pass_fds`."""
    return subprocess.Popen(
        cmd,
        env=sandbox_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        pass_fds=pass_fds,
        start_new_session=True,
    )


def _own_tasks() -> int:
    """Threads our uid already runs: RLIMIT_NPROC counts them against a non-root sandbox."""
    uid, count = os.getuid(), 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{pid}/task"))
            except OSError:
                continue
    return count
