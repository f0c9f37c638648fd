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
  (/proc/self/mem) and starting programs or making symlinks (which could race that check).

What stays possible is reading raw memory through memory-unsafe tricks (numpy arrays over a
forged pointer, crafted bytecode): see SECURITY.md. Kept free of imports at module level: the
grader sends this file's text as a cell, and the host imports only its constants.
"""

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


def _install() -> None:
    import _hashlib
    import _queue
    import _thread
    import builtins
    import os
    import sys
    import types

    from IPython import get_ipython

    requests = _queue.SimpleQueue()
    key_out = _queue.SimpleQueue()
    frame_type, simple_queue = types.FrameType, _queue.SimpleQueue
    genuine_compile, genuine_exec = builtins.compile, builtins.exec
    hmac_digest, sha256, urandom = _hashlib.hmac_digest, _hashlib.openssl_sha256, os.urandom
    user_ns = get_ipython().user_ns

    def __academy_test__(
        grade_id,
        body,
        ns=user_ns,
        compile=genuine_compile,
        exec=genuine_exec,
        ask=requests.put,
        reply_queue=simple_queue,
        frame=sys._getframe,
    ):
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
    builtins.__academy_test__ = __academy_test__

    proc_device, stat = os.stat("/proc").st_dev, os.stat

    def refuse(event: str, args: tuple) -> None:
        """Audit hook: raise for what would let learner code reach the prover or its key."""
        if event in REFUSED or event.startswith("ctypes."):
            raise PermissionError(f"{event} is not allowed while grading")
        if event == "open" and type(args[0]) in (str, bytes):
            try:
                found = stat(args[0])
            except OSError:
                return
            # /proc/*/mem, environ, auxv, stack...: the private ones are those not world-readable
            if found.st_dev == proc_device and not found.st_mode & 0o004:
                raise PermissionError(f"opening this /proc file is not allowed while grading: {args[0]!r}")

    sys.addaudithook(refuse)


if __name__ == "_academy_guard":  # sent as a cell by grading.sandbox; importing it does nothing
    _install()
