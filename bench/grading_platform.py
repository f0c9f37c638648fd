"""One platform run of the grading benchmark (`bench/grading.py` starts it, once per engine).

    python bench/grading_platform.py --code CHECKOUT --job JOB.json --out RESULT.json

Imports the app from CHECKOUT (this checkout, or a `git worktree` of an earlier commit), builds a
fresh instance, and drains the job's notebooks through the web intake (Flask test client) and a
real `flask grading worker` started from CHECKOUT with this checkout's .venv. Then, one at a
time with the worker idle in between, the latency notebooks: upload, then what the page's
script does (reload, poll the status, reload once done) until the page shows the grade.
Writes JSON: seconds, scores, CPU seconds of the worker and its sandboxes (a cpuacct cgroup),
latencies, and the load average at each step.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COURSE, ASSIGNMENT = "llm-api-fundamentals", "token-counter"
VENV = Path(__file__).resolve().parent.parent / ".venv" / "bin"
LIVE, SCORE = "data-status-url=", 'class="score"'  # the assignment page: still grading / the grade shown


def load() -> float:
    """The 1-minute load average, printed beside each figure (machines are shared)."""
    return round(os.getloadavg()[0], 2)


class CpuMeter:
    """CPU seconds of a process tree, sandboxes included: a cpuacct cgroup of its own (cgroup v1,
    root; sandboxes move only in the memory and pids hierarchies). None where that is not allowed."""

    def __init__(self, name: str) -> None:
        self.path: str | None = None
        own = _own_cpuacct()
        if own is None or os.geteuid() != 0:
            return
        path = os.path.join(own, f"academy-bench-{os.getpid()}-{name}")
        try:
            os.mkdir(path)
        except OSError:
            return
        self.path = path

    def wrap(self, cmd: list[str]) -> list[str]:
        """`cmd` started inside the cgroup (a shell joins it, then execs the command)."""
        if self.path is None:
            return cmd
        return ["/bin/sh", "-c", 'echo $$ > "$0"; exec "$@"', os.path.join(self.path, "cgroup.procs"), *cmd]

    def seconds(self) -> float | None:
        if self.path is None:
            return None
        with open(os.path.join(self.path, "cpuacct.usage")) as f:
            return int(f.read()) / 1e9

    def settle(self, quiet: float = 0.05, window: float = 0.5, limit: float = 20.0) -> None:
        """Wait until the tree is idle (under `quiet` CPU seconds per `window`): the kernel pool
        has refilled, so the CPU measured covers one sandbox start per notebook."""
        if self.path is None:
            time.sleep(2)
            return
        deadline = time.monotonic() + limit
        before = self.seconds()
        while time.monotonic() < deadline:
            time.sleep(window)
            now = self.seconds()
            if now - before < quiet:
                return
            before = now

    def close(self) -> None:
        if self.path is None:
            return
        for _ in range(200):
            try:
                os.rmdir(self.path)
                return
            except OSError:
                time.sleep(0.05)


def _own_cpuacct() -> str | None:
    """This process's cpuacct cgroup directory (cgroup v1), if the host has one."""
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, names, path = line.rstrip("\n").split(":", 2)
                if "cpuacct" in names.split(","):
                    base = next(
                        (d for d in ("/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpu,cpuacct") if os.path.isdir(d)), None
                    )
                    return base + path.rstrip("/") if base else None
    except OSError:
        return None
    return None


class Platform:
    """A fresh instance of the app at `code`: one enrolled learner signed in through a test
    client (the web side) and, once started, a real `flask grading worker` beside it."""

    def __init__(self, code: Path, job: dict, instance: Path) -> None:
        self.code, self.job = code, job
        self.env = {
            **os.environ,
            "FLASK_APP": "app.py",
            "ACADEMY_INSTANCE": str(instance),
            "SECRET_KEY": "bench",
            "GRADING_CELL_TIMEOUT": str(job["cell_timeout"]),
            "QUEUE_URL": "",
            "PYTHONPATH": str(code),
        }
        os.environ.update({k: v for k, v in self.env.items() if k != "FLASK_APP"})
        sys.path.insert(0, str(code))
        from lms import create_app
        from lms.accounts import services as accounts
        from lms.catalog import services as catalog
        from lms.catalog.sync import sync_tree
        from lms.extensions import db
        from lms.learning.services import enroll

        self.app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})  # a scripted client
        with self.app.app_context():
            db.create_all()
            sync_tree(code / "courses", force=True)
            user = accounts.create_user("bench@example.com", "a long bench password", "Bench Learner")
            enroll(user.id, catalog.get_course(COURSE))
            db.session.commit()
        self.client = self.app.test_client()
        self.client.post("/login", data={"email": "bench@example.com", "password": "a long bench password"})
        self.worker: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - read if the worker dies

    def start(self, meter: CpuMeter) -> str:
        """Start the worker (default threads unless the job says) inside `meter`; its banner."""
        command = [str(VENV / "flask"), "grading", "worker"]  # the name both engines answer to (now an alias)
        command += ["--workers", str(self.job["workers"])] if self.job["workers"] else []
        self.worker = subprocess.Popen(
            meter.wrap(command),
            cwd=self.code,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        return self.worker.stdout.readline().strip()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.send_signal(2)
            try:
                self.worker.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, 9)
                self.worker.wait()
        self.log.close()

    def alive(self) -> bool:
        if self.worker.poll() is not None:
            self.log.seek(0)
            raise RuntimeError(f"the worker exited: {self.log.read()[-3000:].decode(errors='replace')}")
        return True

    def upload(self, data: bytes) -> int:
        response = self.client.post(
            f"/courses/{COURSE}/{ASSIGNMENT}/submissions",
            data={"notebook": (io.BytesIO(data), "nb.ipynb")},
            content_type="multipart/form-data",
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def status(self, sid: int) -> dict:
        return self.client.get(f"/submissions/{sid}/status").get_json()

    def page(self) -> str:
        response = self.client.get(f"/courses/{COURSE}/{ASSIGNMENT}")
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def pending(self) -> int:
        from lms.assignments.models import Submission
        from lms.extensions import db

        with self.app.app_context():
            try:
                return db.session.query(Submission).filter(Submission.state.in_(("queued", "grading"))).count()
            finally:
                db.session.remove()

    def until_shown(self, data: bytes) -> tuple[int, float]:
        """Upload, then do what the page's script does (lms/static/assignments.js): reload,
        poll 250 ms after the page loads, then every 200 ms while grading (longer while queued),
        reload when done. The submission and the seconds until the page shows its score."""
        t0 = time.perf_counter()
        sid = self.upload(data)
        html = self.page()
        if LIVE in html:
            delay = 0.25
            while self.alive():
                time.sleep(delay)
                now = self.status(sid)
                if now["done"]:
                    break
                delay = 0.2 if now["state"] == "grading" else min(2.0, 0.3 + 0.1 * now["position"])
            html = self.page()
        assert SCORE in html, html[-2000:]
        return sid, time.perf_counter() - t0

    def stored(self, sids: list[int]) -> list[float]:
        """Seconds from each submission's receipt to its grade committed (no polling in it)."""
        from lms.assignments.models import Grade, Submission
        from lms.extensions import db

        with self.app.app_context():
            rows = db.session.query(Submission.id, Submission.received_at, Grade.graded_at).join(Grade)
            seconds = {sid: (g - r).total_seconds() for sid, r, g in rows.filter(Submission.id.in_(sids))}
            db.session.remove()
        return [seconds[s] for s in sids]


def run(code: Path, job: dict) -> dict:
    """Grade the job's notebooks on a fresh instance of the app at `code`; figures as plain data."""
    workdir = Path(tempfile.mkdtemp(prefix="academy-bench-platform-"))
    platform = Platform(code, job, workdir / "instance")
    meter = CpuMeter(job["name"])
    out: dict = {"load_start": load(), "banner": platform.start(meter)}
    try:
        warm = platform.upload(base64.b64decode(job["warm"]))  # worker up, pool filled, modules loaded
        while platform.alive() and not platform.status(warm)["done"]:
            time.sleep(0.05)
        meter.settle()
        cpu0, started = meter.seconds(), time.perf_counter()
        ids = [platform.upload(base64.b64decode(n)) for n in job["notebooks"]]
        while platform.alive() and platform.pending():
            time.sleep(0.05)
        out["seconds"] = time.perf_counter() - started
        out["load_drained"] = load()
        meter.settle()
        cpu1 = meter.seconds()
        out["cpu_seconds"] = None if cpu0 is None else cpu1 - cpu0
        out["scores"] = [platform.status(i)["score"] for i in ids]
        out["latency"] = {}
        for kind, batch in job["latency"].items():
            shown, sids = [], []
            for data in map(base64.b64decode, batch):
                time.sleep(1.5)  # idle, as a learner uploading alone: the pool has a sandbox ready
                sid, seconds = platform.until_shown(data)
                shown.append(seconds)
                sids.append(sid)
            out["latency"][kind] = {"shown": shown, "stored": platform.stored(sids), "load": load()}
    finally:
        platform.stop()
        meter.close()
        shutil.rmtree(workdir, ignore_errors=True)
    out["load_end"] = load()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, required=True, help="the checkout whose app and worker run")
    parser.add_argument("--job", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = run(args.code.resolve(), json.loads(args.job.read_text()))
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
