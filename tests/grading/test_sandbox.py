"""The sandbox itself: who the kernel runs as, what it sees, and the unprivileged code path."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import grading.sandbox as sandbox_module
from grading import Release, SandboxLimits, grade
from grading.runner import Runner
from grading.sandbox import SandboxedKernel
from tests.grading import notebooks

ROOT = Path(__file__).resolve().parents[2]

PROBE = """import os, json
writable = []
for d in ['/', '/etc', '/usr', '/run/kernel', '/home', '/dev/shm', '/tmp', '/home/learner']:
    try:
        open(os.path.join(d, 'probe'), 'w').close()
        writable.append(d)
    except OSError:
        pass
status = dict(line.split(':\\t', 1) for line in open('/proc/self/status').read().splitlines() if ':\\t' in line)
repo = {repo!r}
print(repr({'repo': sorted(os.listdir(repo)) if os.path.isdir(repo) else [], 'uid': os.getuid(),
            'cwd': os.getcwd(), 'root': sorted(os.listdir('/')), 'env': sorted(os.environ),
            'caps': status['CapEff'].strip(), 'nnp': status['NoNewPrivs'].strip(), 'writable': writable,
            'ifaces': [name for _, name in __import__('socket').if_nameindex()]}))
"""


def test_kernel_runs_unprivileged_and_sees_almost_nothing(limits: SandboxLimits) -> None:
    with SandboxedKernel(limits) as kernel:
        run = Runner(kernel, limits).run(PROBE.replace("{repo!r}", repr(str(ROOT))))
    assert run.status == "ok", run.outputs
    seen = ast.literal_eval(run.outputs[0]["text"])
    assert seen["uid"] != 0 and seen["caps"] == "0000000000000000" and seen["nnp"] == "1"
    assert seen["cwd"] == "/home/learner" and seen["writable"] == ["/tmp", "/home/learner"]
    assert "instance" not in seen["repo"] and "grading" not in seen["repo"]  # at most the venv
    assert seen["ifaces"] == ["lo"] and not {"var", "opt", "mnt", "srv", "sys"} & set(seen["root"])
    assert not any("SECRET" in name or "KEY" in name for name in seen["env"])


def test_unprivileged_path_grades_too(release: Release, limits: SandboxLimits, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without root: bwrap's own user namespace, no setpriv and no cgroup (forced here)."""
    monkeypatch.setattr(sandbox_module.os, "geteuid", lambda: 1000)
    result = grade(release, notebooks.submission(release.notebook_bytes), limits=limits)
    assert result.score == 5 and result.error is None


GUARD_PROBE = """import ctypes, gc, os, subprocess, sys
attempts = {
    'settrace': lambda: sys.settrace(lambda *a: None),
    'setprofile': lambda: sys.setprofile(lambda *a: None),
    'current_frames': sys._current_frames,
    'gc_objects': gc.get_objects,
    'ctypes': lambda: ctypes.string_at(id(attempts), 8),
    'proc_mem': lambda: open('/proc/self/mem', 'rb'),
    'subprocess': lambda: subprocess.run(['true']),
    'symlink': lambda: os.symlink('/proc/self/mem', 'mem'),
}
outcome = {}
for name, attempt in attempts.items():
    try:
        attempt()
        outcome[name] = 'allowed'
    except PermissionError:
        outcome[name] = 'refused'
heard = []
sys.addaudithook(lambda event, args: heard.append(event))
open('/proc/self/status').read()
print(repr((outcome, heard, __academy_test__('t', 'x = 1').startswith('academy-proof-'))))
"""


def test_guard_refuses_what_reaches_the_proof_key(limits: SandboxLimits) -> None:
    """Installed in every kernel before learner code: each way to another thread's frame, the
    heap or raw memory is refused, a learner audit hook is never added, public /proc stays."""
    with SandboxedKernel(limits) as kernel:
        run = Runner(kernel, limits).run(GUARD_PROBE)
    assert run.status == "ok", run.outputs
    outcome, heard, proved = ast.literal_eval(run.outputs[0]["text"])
    assert outcome == dict.fromkeys(outcome, "refused") and len(outcome) == 8
    assert heard == [] and proved is True
    assert len(kernel.proof_key) == 64


def test_kill_takes_the_checker_down_with_the_kernel(limits: SandboxLimits) -> None:
    """kill() SIGKILLs both sandboxes before waiting on either: when it returns, no process of
    the kernel's or the checker's uid is left, their cgroups are gone and each uid is back in
    the pool once (a second kill() changes nothing)."""
    kernel = SandboxedKernel(limits)
    checker = kernel.checker
    assert checker is not None and kernel.alive() and checker.alive()
    uids = [kernel.uid, checker.uid]
    cgroups = [*kernel._cgroup.dirs, *checker._cgroup.dirs]
    kernel.kill()
    kernel.kill()
    assert kernel.proc.poll() is not None and checker.proc.poll() is not None
    if kernel.root:
        assert all(sandbox_module.uid_pids(uid) == [] for uid in uids)
        assert [sandbox_module._UIDS._free.count(uid) for uid in uids] == [1, 1]
    assert not any(Path(d).exists() for d in cgroups)


def test_kernel_starts_without_the_debugger(limits: SandboxLimits) -> None:
    """A graded kernel is never debugged: debugpy (pydevd, ~0.07 s of CPU per start) is not
    loaded, and sys.path is the one ipykernel_launcher leaves (no working directory first)."""
    with SandboxedKernel(limits, checker=False) as kernel:
        run = Runner(kernel, limits).run(
            "import sys; print(repr((sys.path[0], sorted(m for m in sys.modules if 'pydev' in m))))"
        )
    assert run.status == "ok", run.outputs
    first, pydevd = ast.literal_eval(run.outputs[0]["text"])
    assert first.startswith("/") and first != "/home/learner" and pydevd == []
