"""Runs inside each sandboxed kernel before any learner code: its first, silent cell.

Learner code and test cells share one interpreter, so a secret the test cell carried (or any
object a learner function can reach) could be read and a pass forged. This installs instead:

- `__academy_test__(grade_id, body)`: compiles the test code with the genuine builtins, runs
  it, and only once it has run to its end asks the prover for a proof;
- a prover thread that generates the key, hands it to the grader once (printed here, before
  learner code exists), and answers only for a genuine frame of `__academy_test__` whose
  `passed` local is set: HMAC-SHA256(key, grade id + sha256(test code)). The key lives only
  in that thread's frame, which no main-thread frame, signal handler or traceback reaches;
- an audit hook (which cannot be removed) refusing the ways to reach another thread's frame
  or to rewrite a running one: new audit hooks, trace and profile functions,
  `sys._current_frames`, the garbage collector's object lists, ctypes, private /proc files
  (/proc/self/mem), opening or entering a /proc directory (a directory fd or working
  directory there would let a relative name such as "mem" reach those files unseen), and
  starting programs or making symlinks (which could race that check);
- before all of these, the process is made non-dumpable (prctl PR_SET_DUMPABLE 0): the kernel then
  gives its /proc/<pid> files to root, so the sandbox uid cannot open its own mem, environ or
  fd entries by any path, including those the audit hook cannot resolve (a name relative to a
  directory fd, `os.open("proc/self/mem", dir_fd=os.open("/", 0))`, or a race on the working
  directory). Only programs could turn this back, and they cannot be started.

What stays possible is reading raw memory through memory-unsafe tricks (numpy arrays over a
forged pointer, crafted bytecode): see SECURITY.md. Kept free of imports at module level: the
grader sends this file's text as a cell, and the host imports only its constants.
"""

from __future__ import annotations  # annotations are for mypy: never evaluated in the kernel

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing in the kernel (mypy takes it as True)
if TYPE_CHECKING:
    import types
    from collections.abc import Callable

GUARD_PREFIX = "academy-guard-key:"
REFUSED = frozenset(
    {
        "sys.addaudithook",
        "sys.settrace",
        "sys.setprofile",
        "sys._current_frames",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.system",
        "os.symlink",
        "subprocess.Popen",
    }
)


def _install() -> None:  # noqa: C901 - its closures must share this one frame (nothing else may reach the key)
    import _hashlib
    import _queue
    import _thread
    import builtins
    import ctypes
    import os
    import sys
    import types

    from IPython import get_ipython

    # Before the audit hook exists (it refuses every ctypes call afterwards). Fails the kernel's
    # start, rather than grading without it, if the flag cannot be set.
    prctl, zero = ctypes.CDLL(None, use_errno=True).prctl, ctypes.c_ulong(0)
    pr_get_dumpable, pr_set_dumpable = 3, 4
    if prctl(pr_set_dumpable, zero, zero, zero, zero) != 0 or prctl(pr_get_dumpable, zero, zero, zero, zero) != 0:
        raise OSError(ctypes.get_errno(), "the kernel guard could not make the kernel non-dumpable")

    requests: _queue.SimpleQueue[object] = _queue.SimpleQueue()
    key_out: _queue.SimpleQueue[str] = _queue.SimpleQueue()
    frame_type, simple_queue = types.FrameType, _queue.SimpleQueue
    genuine_compile, genuine_exec = builtins.compile, builtins.exec
    hmac_digest, sha256, urandom = _hashlib.hmac_digest, _hashlib.openssl_sha256, os.urandom
    user_ns = get_ipython().user_ns

    def __academy_test__(
        grade_id: str,
        body: str,
        ns: dict[str, object] = user_ns,
        compile: Callable[..., types.CodeType] = genuine_compile,
        exec: Callable[[types.CodeType, dict[str, object]], None] = genuine_exec,
        ask: Callable[[object], None] = requests.put,
        reply_queue: Callable[[], _queue.SimpleQueue[str]] = simple_queue,
        frame: Callable[[], types.FrameType] = sys._getframe,
    ) -> str:
        """Run a test cell's code; return its proof (raises, with no proof, if a test fails)."""
        code = compile(body, "<test cell>", "exec", dont_inherit=True, optimize=0)
        exec(code, ns)
        passed = True  # noqa: F841 - read by the prover from this frame
        reply = reply_queue()
        ask((frame(), reply))
        return reply.get()

    run_code = __academy_test__.__code__

    def prove() -> None:
        """The prover thread: only C-level calls on values whose exact types it checked first,
        so no learner code ever runs on this thread's stack."""
        key = urandom(32)
        key_out.put(key.hex())
        while True:
            try:
                item = requests.get()
                if type(item) is not tuple or len(item) != 2 or type(item[1]) is not simple_queue:
                    continue
                proof = ""
                frame = item[0]
                if type(frame) is frame_type and frame.f_code is run_code:
                    local = frame.f_locals
                    grade_id, body = local.get("grade_id"), local.get("body")
                    if (
                        local.get("passed") is True
                        and local.get("compile") is genuine_compile
                        and local.get("exec") is genuine_exec
                        and type(grade_id) is str
                        and type(body) is str
                    ):
                        message = grade_id + "\n" + sha256(body.encode()).hexdigest()
                        proof = "academy-proof-" + hmac_digest(key, message.encode(), "sha256").hex()
                item[1].put(proof)
            except BaseException:  # noqa: BLE001, S112 - never let a traceback carry this frame out
                continue

    _thread.start_new_thread(prove, ())
    print(GUARD_PREFIX + key_out.get())
    builtins.__academy_test__ = __academy_test__  # type: ignore[attr-defined]  # the test cells' entry point

    proc_device, stat, fstat = os.stat("/proc").st_dev, os.stat, os.fstat
    str_copy, bytes_item, full = str.__str__, bytes.__getitem__, slice(None)

    def plain(path: object) -> str | bytes | int | None:
        """The path as the C call used it: str and bytes subclasses copied by the base type's
        own slot (no method of theirs runs), an int fd as is; None for any other object."""
        kind = type(path)
        if kind is str or kind is bytes or kind is int:
            return path  # type: ignore[return-value]  # its exact type is one of the three
        if isinstance(path, str):
            return str_copy(path)
        if isinstance(path, bytes):
            return bytes_item(path, full)
        return None

    def on_proc(path: str | bytes | int, private_files: bool) -> bool:
        """Whether `path` (resolved like the call will: cwd-relative, symlinks followed) is a
        /proc directory or, with `private_files`, a /proc file that is not world-readable."""
        try:
            found = fstat(path) if type(path) is int else stat(path)
        except OSError:
            return False
        if found.st_dev != proc_device:
            return False
        return found.st_mode & 0o170000 == 0o040000 or (private_files and not found.st_mode & 0o004)

    def refuse(event: str, args: tuple[object, ...]) -> None:
        """Audit hook: raise for what would let learner code reach the prover or its key."""
        if event in REFUSED or event.startswith("ctypes."):
            raise PermissionError(f"{event} is not allowed while grading")
        if event == "open" or event == "os.chdir":
            path = plain(args[0])
            if path is None:
                raise PermissionError(f"{event} with a {type(args[0]).__name__} path is not allowed while grading")
            if event == "open" and type(path) is int:
                return  # FileIO over an fd that is already open
            # /proc/*/mem, environ, auxv, stack...: the private ones are those not world-readable;
            # any /proc directory, since a directory fd or cwd there makes "mem" reach them
            if on_proc(path, private_files=event == "open"):
                raise PermissionError(f"{event} of this /proc path is not allowed while grading: {path!r}")

    sys.addaudithook(refuse)


if __name__ == "_academy_guard":  # sent as a cell by grading.sandbox; importing it does nothing
    _install()
