"""Grading benchmark: the platform's queue and workers against `nbgrader autograde` on the CLI.

One command (`python bench/grading.py`). The same 40 submissions of a demo assignment (correct,
wrong, raising, timing out) are graded twice in one run: uploaded through the web intake of a
fresh instance and drained by `flask grading worker` (default workers: one per core, kernels
started ahead), then by `nbgrader autograde` in a plain nbgrader course folder. Prints both
throughputs, their ratio, whether every score equals nbgrader's, and the median time from
upload to the grade shown on the page (polled as the page does) for a notebook whose own cells
run 0.2 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.grading.notebooks import solutions  # noqa: E402

VENV = ROOT / ".venv" / "bin"
COURSE, ASSIGNMENT = "llm-api-fundamentals", "token-counter"
SOURCE = ROOT / "courses" / COURSE / "assignments" / f"{ASSIGNMENT}.ipynb"
CELL_TIMEOUT = 3  # seconds, the same for both graders
KINDS = ("correct", "wrong", "raising", "timeout")


def submission(release: bytes, kind: str, n: int, answers: dict[str, str], extra: str = "") -> bytes:
    """A learner's notebook of one kind; `n` makes every file distinct."""
    nb = json.loads(release)
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id not in answers:
            continue
        code = answers[grade_id]
        if kind == "raising" and grade_id == "train":
            code = "def train_bpe(text, num_merges):\n    raise ValueError('not done yet')\n"
        if kind == "wrong" and grade_id == "encode":
            code += "\n\ndef count_tokens(text, merges):\n    return len(text)\n"
        if kind == "timeout" and grade_id == "train":
            code = "import time\ntime.sleep(60)\n" + code
        cell["source"] = f"# learner {n}\n{extra}{code}"
    return json.dumps(nb, indent=1).encode()


def platform_run(workdir: Path, notebooks: list[bytes], latency_runs: int) -> tuple[float, list[float], list[float]]:
    """Upload through the web intake, grade with `flask grading worker`; (seconds, scores, latencies)."""
    instance = workdir / "instance"
    env = {
        **os.environ,
        "FLASK_APP": "app.py",
        "ACADEMY_INSTANCE": str(instance),
        "SECRET_KEY": "bench",
        "GRADING_CELL_TIMEOUT": str(CELL_TIMEOUT),
        "QUEUE_URL": "",
    }
    os.environ.update({k: v for k, v in env.items() if k != "FLASK_APP"})
    from lms import create_app
    from lms.accounts import services as accounts
    from lms.assignments.models import Submission
    from lms.catalog import services as catalog
    from lms.catalog.sync import sync_tree
    from lms.extensions import db
    from lms.learning.services import enroll

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})  # a scripted client
    with app.app_context():
        db.create_all()
        sync_tree(ROOT / "courses", force=True)
        user = accounts.create_user("bench@example.com", "a long bench password", "Bench Learner")
        enroll(user.id, catalog.get_course(COURSE))
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.com", "password": "a long bench password"})
    worker = subprocess.Popen(
        [str(VENV / "flask"), "grading", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"/courses/{COURSE}/{ASSIGNMENT}/submissions"

    def upload(data: bytes) -> int:
        response = client.post(
            url,
            data={"notebook": (io.BytesIO(data), "nb.ipynb")},
            content_type="multipart/form-data",
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def status(sid: int) -> dict:
        return client.get(f"/submissions/{sid}/status").get_json()

    try:
        warm = upload(submission(release_bytes(client), "correct", 999, solutions(SOURCE)))  # worker up, pool filled
        while not status(warm)["done"]:
            time.sleep(0.05)
        time.sleep(2)  # let the pool refill after the warm-up grade
        started = time.perf_counter()
        ids = [upload(data) for data in notebooks]
        with app.app_context():
            while db.session.query(Submission).filter(Submission.state.in_(("queued", "grading"))).count():
                db.session.remove()
                time.sleep(0.05)
        elapsed = time.perf_counter() - started
        scores = [status(i)["score"] for i in ids]
        latencies, stored = [], []
        answers = solutions(SOURCE)
        for n in range(latency_runs):
            time.sleep(1.5)  # idle, as a learner uploading alone: the pool has a kernel ready
            data = submission(release_bytes(client), "correct", 2000 + n, answers, "import time; time.sleep(0.2)\n")
            t0 = time.perf_counter()
            sid = upload(data)
            delay = 0.25
            while True:  # the page's polling: first after 250 ms, then every 200 ms while grading
                time.sleep(delay)
                delay = 0.2
                if status(sid)["done"]:
                    break
            latencies.append(time.perf_counter() - t0)
            stored.append(sid)
        with app.app_context():  # receipt to grade committed, without the page's polling
            from lms.assignments.models import Grade

            rows = db.session.query(Submission.received_at, Grade.graded_at).join(Grade)
            rows = rows.filter(Submission.id.in_(stored))
            server = [(graded - received).total_seconds() for received, graded in rows]
    finally:
        worker.send_signal(2)
        worker.wait(60)
    return elapsed, scores, (latencies, server)


def release_bytes(client) -> bytes:
    return client.get(f"/courses/{COURSE}/{ASSIGNMENT}/notebook.ipynb").data


def nbgrader_run(workdir: Path, notebooks: list[bytes]) -> tuple[float, list[float]]:
    """`nbgrader autograde` over the same files in a plain nbgrader course folder."""
    course = workdir / "nbgrader-course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(SOURCE, course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\nc.ExecutePreprocessor.timeout = {CELL_TIMEOUT}\n"
    )
    env = {**os.environ, "PATH": f"{VENV}:{os.environ.get('PATH', '')}"}  # nbgrader runs alembic

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True)

    result = run("generate_assignment", ASSIGNMENT, "--force")
    assert result.returncode == 0, result.stderr[-2000:]
    students = [f"learner{n:03d}" for n in range(len(notebooks))]
    for student, data in zip(students, notebooks, strict=True):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_bytes(data)
    started = time.perf_counter()
    result = run("autograde", ASSIGNMENT, "--create", "--force")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr[-3000:]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = [gradebook.find_submission(ASSIGNMENT, s).score for s in students]
    return elapsed, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--latency-runs", type=int, default=15)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="academy-bench-grading-"))
    try:
        from grading import make_release

        release = make_release(SOURCE.read_bytes(), name=ASSIGNMENT).notebook_bytes
        answers = solutions(SOURCE)
        notebooks = [submission(release, KINDS[n % 4], n, answers) for n in range(args.submissions)]
        print(
            f"{args.submissions} submissions of {COURSE}/{ASSIGNMENT} ({', '.join(KINDS)}), "
            f"cell time limit {CELL_TIMEOUT} s, {os.cpu_count()} cores"
        )
        ours, our_scores, latencies = platform_run(workdir, notebooks, args.latency_runs)
        print(f"platform done in {ours:.1f} s; now nbgrader autograde ...", flush=True)
        theirs, their_scores = nbgrader_run(workdir, notebooks)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    n = args.submissions
    same = [round(a, 6) == round(b, 6) for a, b in zip(our_scores, their_scores, strict=True)]
    print(f"platform queue (flask grading worker, default workers): {ours:6.1f} s  {n / ours:5.2f} notebooks/s")
    print(f"nbgrader autograde (CLI):                               {theirs:6.1f} s  {n / theirs:5.2f} notebooks/s")
    print(f"throughput ratio: {theirs / ours:.2f}x nbgrader's CLI")
    print(f"scores identical to nbgrader's: {'yes' if all(same) else 'NO'} ({sum(same)}/{n})")
    if not all(same):
        for i, (a, b) in enumerate(zip(our_scores, their_scores, strict=True)):
            if round(a, 6) != round(b, 6):
                print(f"  #{i} {KINDS[i % 4]}: platform {a} vs nbgrader {b}")
    shown, server = latencies
    print(
        f"upload to grade shown (cells 0.2 s, page polling): median {statistics.median(shown):.2f} s, "
        f"min {min(shown):.2f} s, max {max(shown):.2f} s over {len(shown)} uploads"
    )
    print(f"receipt to grade stored (same uploads, no polling): median {statistics.median(server):.2f} s")


if __name__ == "__main__":
    main()
