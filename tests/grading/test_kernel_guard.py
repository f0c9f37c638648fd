"""The kernel guard's /proc rules, in a real sandboxed kernel: every way to open the kernel's own
memory is refused before a byte is read, and ordinary file and /proc use still works."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from grading import SandboxLimits
from grading.runner import Runner
from grading.sandbox import SandboxedKernel

# Each attempt returns what it opened; `steal` then reads 16 bytes at a live object's address.
ATTACKS = r"""import os, pathlib, threading
secret = b'sixteen byte key'

def steal(opened):
    if isinstance(opened, int):
        os.lseek(opened, id(secret), os.SEEK_SET)
        return os.read(opened, 16)
    opened.seek(id(secret))
    return opened.read(16)

def relative_to(directory, name):
    return os.open(name, os.O_RDONLY, dir_fd=os.open(directory, os.O_RDONLY))

def fwalk_into_self():
    for _root, _dirs, _files, rootfd in os.fwalk('/proc/self', follow_symlinks=True):
        return os.open('mem', os.O_RDONLY, dir_fd=rootfd)

def chdir_then_relative():
    os.chdir('/proc/self')
    return open('mem', 'rb')

def fchdir_then_relative():
    os.fchdir(os.open('/proc/self', os.O_RDONLY | os.O_DIRECTORY))
    return open('mem', 'rb')

class Sneaky(str):
    pass

attempts = {
    'open': lambda: open('/proc/self/mem', 'rb'),
    'dir_fd_proc_self': lambda: relative_to('/proc/self', 'mem'),
    'fwalk': fwalk_into_self,
    'chdir': chdir_then_relative,
    'fchdir': fchdir_then_relative,
    'dir_fd_root': lambda: relative_to('/', 'proc/self/mem'),
    'dir_fd_dev_fd': lambda: relative_to('/dev', 'fd/../mem'),
    'str_subclass': lambda: open(Sneaky('/proc/self/mem'), 'rb'),
    'pathlib': lambda: pathlib.Path('/proc/self/mem').open('rb'),
    'thread_task': lambda: open(f'/proc/self/task/{threading.get_native_id()}/mem', 'rb'),
}
outcome = {}
for name, attempt in attempts.items():
    try:
        outcome[name] = 'read %r' % steal(attempt())
    except PermissionError:
        outcome[name] = 'refused'
    except Exception as error:
        outcome[name] = '%s: %s' % (type(error).__name__, error)
    finally:
        os.chdir('/home/learner')
print(repr(outcome))
"""

ORDINARY = r"""import os, pathlib, tempfile
done = {}
with open('/tmp/data.txt', 'w') as f:
    f.write('hello')
done['tmp_file'] = open('/tmp/data.txt').read()
done['listdir_proc'] = 'self' in os.listdir('/proc')
done['listdir_proc_self'] = 'status' in os.listdir('/proc/self')
done['status'] = open('/proc/self/status').read().startswith('Name:')
os.makedirs('/tmp/tree/sub', exist_ok=True)
pathlib.Path('/tmp/tree/sub/leaf.txt').write_text('leaf')
for root, dirs, files, rootfd in os.fwalk('/tmp/tree'):
    if 'leaf.txt' in files:
        done['fwalk_dir_fd'] = os.read(os.open('leaf.txt', os.O_RDONLY, dir_fd=rootfd), 4).decode()
os.chdir('/tmp/tree')
done['chdir_relative'] = open('sub/leaf.txt').read()
os.fchdir(os.open('/tmp', os.O_RDONLY))
done['fchdir'] = os.getcwd()
os.chdir('/home/learner')
with tempfile.TemporaryDirectory() as scratch:
    os.makedirs(os.path.join(scratch, 'a', 'b'))
    pathlib.Path(scratch, 'a', 'b', 'c.txt').touch()
done['rmtree_by_dir_fd'] = not os.path.exists(scratch)
done['owners'] = (os.stat('/proc/self/mem').st_uid, os.stat('/proc/self').st_uid == os.getuid())
print(repr(done))
"""


@pytest.fixture(scope="module")
def kernel(limits: SandboxLimits) -> Iterator[SandboxedKernel]:
    """One kernel for both tests: the attacks leave nothing open that the second one relies on."""
    with SandboxedKernel(limits) as started:
        yield started


def _run(kernel: SandboxedKernel, code: str) -> dict:
    run = Runner(kernel, kernel.limits).run(code)
    assert run.status == "ok", run.outputs
    return ast.literal_eval(run.outputs[0]["text"])


def test_every_way_to_the_kernels_memory_is_refused(kernel: SandboxedKernel) -> None:
    """The audit hook refuses /proc directories (so no directory fd or cwd there) and private /proc
    files; names it cannot resolve (relative to a directory fd elsewhere) meet the non-dumpable
    process, whose /proc files belong to root. Either way: PermissionError, nothing read."""
    outcome = _run(kernel, ATTACKS)
    allowed = {name: result for name, result in outcome.items() if result != "refused"}
    assert not allowed and len(outcome) == 10, allowed


def test_ordinary_files_and_public_proc_still_work(kernel: SandboxedKernel) -> None:
    done = _run(kernel, ORDINARY)
    assert done == {
        "tmp_file": "hello",
        "listdir_proc": True,
        "listdir_proc_self": True,
        "status": True,
        "fwalk_dir_fd": "leaf",
        "chdir_relative": "leaf",
        "fchdir": "/tmp",
        "rmtree_by_dir_fd": True,
        "owners": (0, True),  # private files are root's; the directory still shows the sandbox uid
    }
