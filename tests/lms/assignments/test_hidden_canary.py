"""A hidden test's source never reaches what a learner can see: the status JSON the page polls,
the stored test messages, the feedback page or the notebook it is rendered from, or a workspace
run, even when the learner's code searches its whole process for it and reports whatever it finds."""

from __future__ import annotations

import json
import secrets
import shutil
import zlib
from datetime import UTC, datetime

from lms.assignments import services, worker
from lms.assignments.models import Grade
from lms.extensions import db
from lms.workspace import runs
from lms.workspace.execution import execute_run
from lms.workspace.services import open_workspace
from tests.conftest import FIXTURES
from tests.factories import enrolled_learner, login
from tests.lms.assignments.helpers import grading_app, item_of, solve

CANARY = "CANARY-" + secrets.token_hex(8)
# The learner's add() looks through the call stack, IPython's history and the kernel's globals
# for anything starting with CANARY- or PROBE-, and raises with what it found. PROBE-SIDE is a
# value of its own process, written split so only a search can show it whole.
SEARCH = """
import sys
_probe = "PROBE-" + "SIDE"
def add(a, b):
    found = set()
    def look(value):
        for text in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(text, str):
                for mark in ("CANARY" + "-", "PROBE" + "-"):
                    if mark in text:
                        found.add(text[text.index(mark):][:30])
    frame = sys._getframe()
    while frame is not None:
        for value in [*frame.f_locals.values(), *frame.f_globals.values(), *frame.f_code.co_consts]:
            look(value)
        frame = frame.f_back
    look(list(get_ipython().history_manager.input_hist_raw))
    if found:
        raise ValueError(" ".join(sorted(found)))
    return a + b
"""


def _courses_with_canary(root):
    """The fixture courses, with a canary line inside the hidden tests of `add`."""
    target = root / "courses"
    shutil.copytree(FIXTURES / "courses", target)
    path = target / "python-basics" / "assignments" / "add.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if "### BEGIN HIDDEN TESTS" in source:
            line = f'_note = "{CANARY}"  # {CANARY}\n'
            cell["source"] = source.replace("### BEGIN HIDDEN TESTS\n", "### BEGIN HIDDEN TESTS\n" + line)
    path.write_text(json.dumps(nb))
    return target


def test_canary_in_hidden_tests_never_reaches_the_learner(make_app, tmp_path):
    with grading_app(make_app, _courses_with_canary(tmp_path)) as app:
        user = enrolled_learner()
        item = item_of("add")
        release = services.engine_release(services.current_release(item.id))
        assert any(CANARY in c.source for c in release.cells), "the canary is in the hidden test"
        data = solve(release.notebook_bytes, "add", SEARCH)
        submission, _ = services.submit(user, item, data, max_bytes=1 << 20, now=datetime(2030, 1, 1, tzinfo=UTC))
        db.session.commit()
        assert worker.grade_now(submission.id, submission.run) == "graded"

        client = app.test_client()
        login(client, user.email)
        status = client.get(f"/submissions/{submission.id}/status").get_data(as_text=True)
        feedback = client.get(f"/submissions/{submission.id}/feedback.html").get_data(as_text=True)
        grade = db.session.query(Grade).filter_by(submission_id=submission.id).one()
        kept = zlib.decompress(grade.feedback_notebook).decode()  # what the page is rendered from
        stored = json.dumps(grade.tests) + (grade.feedback_html or "") + (grade.error or "") + kept
        assert "PROBE-SIDE" in status, "the search reports what it finds in the learner's process"
        for shown in (status, feedback, stored):
            assert CANARY not in shown

        ws = open_workspace(user, item)
        run, steps = runs.start_run(ws, user, item.id, None, per_minute=100, stale_after=60)
        db.session.commit()
        assert execute_run(app, run.id, steps, ws.release) == "done"
        assert CANARY not in json.dumps(db.session.get(type(run), run.id).results)
