"""A per-sandbox cgroup capping memory and tasks of the whole tree, when the host allows it."""

from __future__ import annotations

import os
import shutil
import time

ROOT = "/sys/fs/cgroup"
# Joins the cgroups given as "$2".."$(n+1)", then becomes the real command (prlimit ... bwrap).
_JOIN = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n-1)); done; exec "$@"'


def _own_path(controller: str) -> str | None:
    """This process's cgroup path for a v1 controller, so sandboxes nest inside ours."""
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, names, path = line.rstrip("\n").split(":", 2)
                if controller in names.split(","):
                    return path
    except OSError:
        return None
    return None


def _v1_dir(controller: str, name: str) -> str | None:
    own = _own_path(controller)
    base = os.path.join(ROOT, controller) + (own or "")
    path = os.path.join(base, name)
    try:
        os.mkdir(path)
    except OSError:
        return None
    return path


class SandboxCgroup:
    """Memory and pids limits for every process of one sandbox (cgroup v1, as root).

    A no-op when no writable cgroup hierarchy exists (non-root, some containers): the
    per-process rlimits still apply, see SECURITY.md."""

    def __init__(self, name: str, memory_bytes: int, pids: int) -> None:
        self.dirs: list[str] = []
        if os.geteuid() != 0:
            return
        settings = {"memory": {"memory.limit_in_bytes": memory_bytes}, "pids": {"pids.max": pids}}
        for controller, values in settings.items():
            path = _v1_dir(controller, name)
            if path is None:
                continue
            self.dirs.append(path)
            try:
                for key, value in values.items():
                    with open(os.path.join(path, key), "w") as f:
                        f.write(str(value))
            except OSError:
                self.close()
                self.dirs = []
                return

    def wrap(self, cmd: list[str]) -> list[str]:
        """Prefix `cmd` so that it runs inside the cgroups from its first instruction."""
        if not self.dirs:
            return cmd
        procs = [os.path.join(d, "cgroup.procs") for d in self.dirs]
        return [shutil.which("sh") or "/bin/sh", "-c", _JOIN, "sh", str(len(procs)), *procs, *cmd]

    def close(self, timeout: float = 1.0) -> None:
        """Remove the cgroups once the last task (bwrap's root-owned init too) has exited."""
        deadline = time.monotonic() + timeout
        for path in self.dirs:
            while True:
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.002)  # its last tasks exit within milliseconds of the SIGKILL
