"""Course folders, notebooks and a real worker process for the assignment tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from flask import Flask

from lms.assignments import services, worker
from lms.assignments.models import Submission
from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning.services import enroll
from tests.conftest import FIXTURES, ROOT
from tests.factories import load_fixture_courses, make_user
from tests.grading import notebooks as squares
from tests.postgres import free_port

COURSE_EXTRA = """
  - slug: squares-module
    title: Squares
    items:
      - assignment: assignments/squares.ipynb
        title: Squares
        due: 2030-01-10T12:00:00Z
        late_penalty: 10
        cutoff: 2030-01-20T12:00:00Z
        keep: last
"""


def build_courses(root: Path) -> Path:
    """The fixture courses plus a second assignment (squares: hidden test, manual cell, deadline)."""
    target = root / "courses"
    shutil.copytree(FIXTURES / "courses", target)
    course = target / "python-basics"
    (course / "assignments" / "squares.ipynb").write_bytes(squares.source_bytes())
    with (course / "course.yml").open("a") as manifest:
        manifest.write(COURSE_EXTRA)
    return target


@contextmanager
def grading_app(make_app, courses_dir: Path, **config) -> Iterator[Flask]:
    """An app on `courses_dir` with short grading timeouts, the courses loaded, inside its app context."""
    app = make_app(COURSES_DIR=courses_dir, GRADING_CELL_TIMEOUT=5.0, GRADING_NOTEBOOK_TIMEOUT=20.0, **config)
    with app.app_context():
        load_fixture_courses(courses_dir)
        yield app


def item_of(slug: str):
    """An assignment item of the fixture course."""
    return catalog.get_item(catalog.get_course("python-basics"), slug)


def graded_squares(user, code: str = squares.CORRECT, when: datetime | None = None) -> Submission:
    """A squares submission (one hand-graded cell, `explain`) graded now, in-process, in the real sandbox."""
    item = item_of("squares")
    release = services.engine_release(services.current_release(item.id)).notebook_bytes
    data = solve(release, "squares", code)
    submission, _ = services.submit(user, item, data, max_bytes=1 << 20, now=when or datetime(2030, 1, 1, tzinfo=UTC))
    db.session.commit()
    assert worker.grade_now(submission.id, submission.run) == "graded"
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def teacher_and_learners():
    """The fixture course's instructor (teacher@example.com) and two learners enrolled in it; committed."""
    teacher = make_user("instructor", email="teacher@example.com")
    learner, other = make_user(), make_user()
    for user in (learner, other):
        enroll(user.id, item_of("squares").course)
    db.session.commit()
    return teacher, learner, other


def solve(release_notebook: bytes, grade_id: str, code: str) -> bytes:
    """The release with `code` in the answer cell `grade_id`."""
    nb = nbformat.reads(release_notebook.decode(), as_version=4)
    squares.cell_by_id(nb, grade_id).source = code
    return nbformat.writes(nb).encode()


def add_answer(release_notebook: bytes, body: str = "return a + b") -> bytes:
    """A completed `add` notebook; vary `body` for distinct files."""
    return solve(release_notebook, "add", f"def add(a, b):\n    {body}\n")


def wait_for(condition: Callable[[], object], timeout: float = 60, message: str = "condition") -> object:
    """Poll until `condition()` is truthy (tests wait on states, never on fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {message}")


class RedisServer:
    """Debian's redis-server on a free port in a temp dir, no persistence; `pause()` stops it
    (an outage: what it held is lost) and `resume()` starts it again on the same port."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="academy-redis-")
        self.port = free_port()
        self.resume()

    def resume(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self._up, 10, "redis-server")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def blocked_pops(self) -> int:
        """Clients waiting in BRPOP: a Huey consumer connected and consuming."""
        from redis import Redis

        with Redis.from_url(self.url) as client:
            return sum(c["cmd"] == "brpop" for c in client.client_list())

    def pause(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.pause()
        shutil.rmtree(self.dir, ignore_errors=True)


class Worker:
    """`flask worker run` (or `command`, e.g. its alias) in its own process group, configured like the test app."""

    def __init__(
        self, config: dict, workers: int = 2, command: tuple[str, ...] = ("worker", "run"), **env: str
    ) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - read after the process ends
        environment = {
            **os.environ,
            "FLASK_APP": "app.py",
            "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "ACADEMY_INSTANCE": str(config["INSTANCE_DIR"]),
            "QUEUE_URL": config["QUEUE_URL"],
            "SECRET_KEY": "test-secret",
            "COURSES_DIR": str(config["COURSES_DIR"]),
            **env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", *command, "--workers", str(workers)],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group, as an OOM killer or a pulled plug would."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        """Ctrl-C: Huey finishes running tasks and exits."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
