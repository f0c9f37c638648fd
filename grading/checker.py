"""The checker: the process that runs a submission's test cells, never the learner's code.

Started by grading/checker_host.py inside its own sandbox (own uid, pid, mount and network
namespaces, `python -I`), it gets two sockets: `control` to the grader (JSON lines: a plan,
then one test cell at a time, each answered with its outputs) and `learner` to the serve
loop in the learner's kernel (grading/remote.py). Test code runs in an IPython shell whose
namespace resolves a name, at each access, from: the test cells' own bindings, builtins and
`capture_output`, the release's setup cells (run here), modules the solution imports
(imported here), and only then the learner's answer surface, as remote objects.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import json
import signal
import socket
import sys
import threading
import time
from typing import Any, cast

from grading import codec, remote

TEXT_CAP = 8 * 1024  # per error value and per test message, before the grader caps again
OUTPUT_CAP = 1 << 20  # stream text kept per test cell
HELPERS = {"capture_output": remote.capture_output}
REINTERRUPT = 1.0  # seconds between interrupts of a test cell past its deadline


class Surface:
    """How the checker finds names outside the test cells, in the documented order."""

    def __init__(self, peer: remote.CheckerPeer, plan: dict[str, Any]) -> None:
        self.peer = peer
        self.setup: dict[str, Any] = SetupNamespace(self)
        self.modules = {name: (module, attr) for name, module, attr in plan.get("modules", ())}
        self.surface = frozenset(plan.get("surface", ()))
        self.callables = frozenset(plan.get("callables", ()))

    def resolve(self, name: str, *, setup: bool = True) -> Any:
        """The value of a name no test cell bound; KeyError if the checker has none."""
        if name in HELPERS:
            return HELPERS[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        if setup and name in self.setup:
            return dict.__getitem__(self.setup, name)
        if name in self.modules:
            module, attr = self.modules[name]
            value = importlib.import_module(module)
            if attr:
                return getattr(value, attr)
            return sys.modules[module.split(".")[0]]
        if name in self.surface:
            if name in self.callables:
                return remote.learner_name(self.peer, name)
            return self.peer.get(name)
        raise KeyError(name)


class TestNamespace(dict[str, Any]):
    """The test cells' globals: a miss falls through to the Surface, looked up every time."""

    def __init__(self, surface: Surface) -> None:
        super().__init__()
        self.surface = surface

    def __missing__(self, name: str) -> Any:
        return self.surface.resolve(name)


class SetupNamespace(dict[str, Any]):
    """Where the release's setup cells run; they see builtins, modules and the surface."""

    def __init__(self, surface: Surface) -> None:
        super().__init__()
        self.surface = surface

    def __missing__(self, name: str) -> Any:
        return self.surface.resolve(name, setup=False)


class Outputs:
    """nbformat outputs of the running test cell, stream text capped."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.kept = 0

    def stream(self, name: str, text: str) -> None:
        room = OUTPUT_CAP - self.kept
        if room <= 0:
            return
        if len(text) > room:
            text = text[:room] + "\n[output truncated]\n"
        self.kept += len(text)
        last = self.items[-1] if self.items else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})


class _Stream:
    """sys.stdout / sys.stderr of the checker while a test cell runs."""

    def __init__(self, outputs: Outputs, name: str) -> None:
        self.outputs, self.name = outputs, name

    def write(self, text: str) -> int:
        self.outputs.stream(self.name, str(text))
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False


def _cap(text: str, limit: int = TEXT_CAP) -> str:
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters cut]"


def _shell(namespace: TestNamespace, outputs_of: Any) -> Any:
    """An IPython shell recording what a kernel would send: streams, display data, the
    last expression's value and errors, as nbformat outputs."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class Hook(DisplayHook):
        def write_output_prompt(self) -> None:
            return None

        def write_format_data(self, format_dict: dict[str, Any], md_dict: dict[str, Any] | None = None) -> None:
            data = {k: _cap(v, OUTPUT_CAP) if isinstance(v, str) else v for k, v in format_dict.items()}
            outputs_of().items.append(
                {
                    "output_type": "execute_result",
                    "data": data,
                    "metadata": md_dict or {},
                    "execution_count": self.shell.execution_count,  # type: ignore[union-attr]  # the shell sets itself
                }
            )

        def finish_displayhook(self) -> None:
            self._is_active = False

    class Publisher(DisplayPublisher):
        def publish(
            self, data: dict[str, Any], metadata: dict[str, Any] | None = None, *args: Any, **kwargs: Any
        ) -> None:
            data = {k: _cap(v, OUTPUT_CAP) if isinstance(v, str) else v for k, v in data.items()}
            outputs_of().items.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

        def clear_output(self, wait: bool = False) -> None:
            outputs_of().items.clear()

    class Shell(InteractiveShell):
        def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
            learner = getattr(evalue, "academy_remote_traceback", None)
            frames = [_cap(s, 2000) for s in stb if "grading/remote.py" not in s and "grading/checker.py" not in s]
            if learner:
                frames = ["Traceback in your code:\n" + learner] + frames
            outputs_of().items.append(
                {
                    "output_type": "error",
                    "ename": etype.__name__,
                    "evalue": _cap(str(evalue)),
                    "traceback": frames[-20:],
                    "learner": bool(learner is not None),
                }
            )

    return Shell(  # type: ignore[no-untyped-call]  # IPython's InteractiveShell.__init__ is unannotated
        user_ns=namespace,
        displayhook_class=Hook,
        display_pub_class=Publisher,
        colors="nocolor",
        history_length=0,
    )


class Checker:
    """Runs one submission's test cells, one after another, in one namespace."""

    def __init__(self, control: socket.socket, learner: socket.socket) -> None:
        self.control = control
        self.lines = control.makefile("rb")
        self.peer = remote.CheckerPeer(learner, codec)
        self.peer.io_lock = threading.Lock()
        self.outputs = Outputs()
        self.surface = Surface(self.peer, {})
        self.namespace = TestNamespace(self.surface)
        self.shell = _shell(self.namespace, lambda: self.outputs)
        self.running: int | None = None  # the test cell under way, for the watchdog
        self.deadline = 0.0
        self.timed_out = False
        self._wake = threading.Condition()
        threading.Thread(target=self._watch, name="checker-watchdog", daemon=True).start()

    def reply(self, data: dict[str, Any]) -> None:
        self.control.sendall(json.dumps(data).encode() + b"\n")

    def plan(self, plan: dict[str, Any]) -> dict[str, Any]:
        """Take the release's plan and run its setup cells; setup errors are reported, not fatal."""
        from IPython.core.inputtransformer2 import TransformerManager

        self.surface = Surface(self.peer, plan)
        self.namespace.surface = self.surface
        if any(module.partition(".")[0] == "numpy" for _, module, _ in plan.get("modules", ())):
            # Solution modules are imported afresh here: numpy (~0.1 s) while the learner's
            # cells run, not in a test's time, and not in every sandbox start when unused.
            with contextlib.suppress(ImportError):
                import numpy  # noqa: F401
        problems = []
        for index, source in enumerate(plan.get("setup", ())):
            try:
                code = compile(TransformerManager().transform_cell(source), f"<setup cell {index}>", "exec")
                exec(code, self.surface.setup)  # noqa: S102 - the instructor's own release cell
            except BaseException as exc:  # noqa: BLE001 - one bad setup cell must not stop grading
                problems.append(f"setup cell {index}: {type(exc).__name__}: {_cap(str(exc), 500)}")
        return {"ok": True, "problems": problems}

    def test(self, index: int, code: str, timeout: float) -> dict[str, Any]:
        """Run one test cell under its time limit; the learner's serve loop ends with it."""
        self.outputs = Outputs()
        self.timed_out = False
        with self._wake:
            self.running, self.deadline = index, time.monotonic() + timeout
            self.peer.deadline = self.deadline
            self._wake.notify()
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Stream(self.outputs, "stdout"), _Stream(self.outputs, "stderr")
        try:
            error: BaseException | None = None
            result = self.shell.run_cell(code, store_history=True, silent=False)
            error = result.error_in_exec or result.error_before_exec
        except KeyboardInterrupt as exc:  # a repeated interrupt landed in IPython's bookkeeping
            error = exc
        finally:
            with self._wake:
                self.running = None
                self.peer.deadline = None
            sys.stdout, sys.stderr = out, err
        timeout_hit = self.timed_out or isinstance(error, (KeyboardInterrupt, remote.CallTimeout))
        self.peer.finish(index)
        return {
            "outputs": self.outputs.items,
            "status": "timeout" if timeout_hit else ("error" if error is not None else "ok"),
            "learner_gone": self.peer.gone,
        }

    def _watch(self) -> None:
        """Interrupt test code still running at the deadline (outside socket I/O, so no
        message is ever cut in half), and again each REINTERRUPT s until the cell ends: an
        interrupt landing in IPython's own code or a test's `except BaseException` is not the
        end of it. Waits on the learner have their own deadline."""
        main = cast(int, threading.main_thread().ident)  # a running thread's ident is never None
        while True:
            with self._wake:
                while self.running is None:
                    self._wake.wait()
                running, left = self.running, self.deadline - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
            with self.peer.io_lock, self._wake:
                if self.running == running:
                    self.timed_out = True
                    signal.pthread_kill(main, signal.SIGINT)
                    self.deadline = time.monotonic() + REINTERRUPT

    def serve(self) -> None:
        self.reply({"ready": True})
        for line in self.lines:
            command = json.loads(line)
            op = command.get("op")
            if op == "plan":
                self.reply(self.plan(command["plan"]))
            elif op == "test":
                self.reply(self.test(command["index"], command["code"], float(command["timeout"])))
            elif op == "stop":
                return


def main(control_fd: int, learner_fd: int) -> None:
    """Entry point inside the checker's sandbox."""
    # Python leaves SIGINT ignored when it starts with it ignored (a worker or `make test` run in
    # the background of a shell without job control): the watchdog's interrupt would do nothing.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    control = socket.socket(fileno=control_fd)
    learner = socket.socket(fileno=learner_fd)
    Checker(control, learner).serve()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
