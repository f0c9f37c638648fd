"""Runs: visible tests only, outputs as data (never HTML), limits and rate, access; submit."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.assignments import worker
from lms.assignments.models import Submission
from lms.db import utcnow
from lms.extensions import db
from lms.workspace.models import Run
from tests.factories import login
from tests.grading.notebooks import CORRECT, WRONG
from tests.lms.workspace.conftest import PAGE, run_to_end, save, wait_done

# Right for small n (the visible tests), wrong for n = 10 (the hidden test).
VISIBLE_ONLY = "def squares(n):\n    return [i * i for i in range(1, n + 1)] if n < 5 else [0]\n"


def test_wrong_answer_fails_the_visible_test_and_a_fix_passes(signed_in):
    save(signed_in, 0, {"squares": WRONG})
    status = run_to_end(signed_in)
    assert status["state"] == "done"
    basic = status["results"]["test_basic"]
    assert basic["test"] and basic["passed"] is False and basic["status"] == "error"
    assert "AssertionError" in basic["outputs"][-1]["text"]
    save(signed_in, 1, {"squares": CORRECT})
    status = run_to_end(signed_in)
    assert status["results"]["test_basic"]["passed"] is True
    assert status["results"]["test_partial"]["outputs"] == [{"type": "text", "text": "2"}]


def test_run_one_cell_runs_from_the_top_down_to_it(signed_in):
    save(signed_in, 0, {"squares": CORRECT})
    status = run_to_end(signed_in, "test_basic")
    assert list(status["results"]) == ["setup", "squares", "test_basic"]
    status = run_to_end(signed_in, "squares")  # an answer cell: its tests come with it
    assert list(status["results"]) == ["setup", "squares", "test_basic", "test_hidden", "test_partial"]
    assert signed_in.post(PAGE + "/runs", json={"cell": "no-such-cell"}).get_json()["error"] == "unknown_cell"


def test_a_run_never_sees_hidden_tests(signed_in):
    spy = VISIBLE_ONLY + "import os\nprint(sorted(os.listdir('.')), [k for k in globals() if 'test' in k])\n"
    save(signed_in, 0, {"squares": spy})
    status = run_to_end(signed_in)
    assert status["results"]["test_hidden"]["passed"] is True  # only the visible assert ran
    assert "squares(10)" not in str(status) and "HIDDEN" not in str(status)


def test_learner_html_and_script_become_text_or_nothing(signed_in):
    code = (
        CORRECT + "print('<script>alert(1)</script>')\n"
        "from IPython.display import HTML, SVG, Javascript, display\n"
        "display(HTML('<script>alert(2)</script><b>bold</b>'))\n"
        "display(Javascript('alert(3)'))\n"
        'display(SVG(\'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">\'\n'
        "            '<script>alert(4)</script></svg>'))\n"
    )
    save(signed_in, 0, {"squares": code})
    outputs = run_to_end(signed_in, "squares")["results"]["squares"]["outputs"]
    assert outputs[0] == {"type": "stream", "name": "stdout", "text": "<script>alert(1)</script>\n"}
    kinds = [o["type"] for o in outputs[1:]]
    assert kinds == ["text", "text", "image"]  # HTML and JS: their text/plain form only
    assert outputs[3]["mime"] == "image/svg+xml"  # shown only inside <img>, where no script runs
    assert not any("<b>bold</b>" in str(o.get("text", "")) for o in outputs)


def test_runs_are_rate_limited_and_one_at_a_time(make_app, courses_dir, client, learner):
    app = make_app(COURSES_DIR=courses_dir, WORKSPACE_RUNS_PER_MINUTE=2, WORKSPACE_KERNEL_POOL=1)
    with app.app_context():
        web = app.test_client()
        login(web, learner.email)
        save(web, 0, {"squares": CORRECT})
        db.session.add(Run(token="x" * 32, user_id=learner.id, item_id=_item_id(), state="running", results={}))
        db.session.commit()
        busy = web.post(PAGE + "/runs", json={})
        assert busy.status_code == 429 and "still going" in busy.get_json()["message"]
        db.session.execute(Run.__table__.update().values(state="done"))
        db.session.commit()
        run_to_end(web)
        limited = web.post(PAGE + "/runs", json={})
        assert limited.status_code == 429 and "2 times a minute" in limited.get_json()["message"]


def _item_id() -> int:
    from lms.catalog import services as catalog

    return catalog.get_item(catalog.get_course("python-basics"), "squares").id


def test_another_learner_cannot_read_a_run(app, signed_in, learner):
    save(signed_in, 0, {"squares": CORRECT})
    url = signed_in.post(PAGE + "/runs", json={}).get_json()["status_url"]
    from tests.factories import make_user

    other = app.test_client()
    login(other, make_user().email)
    db.session.commit()
    assert other.get(url).status_code == 404
    assert wait_done(signed_in, url)["state"] == "done"  # its owner still reads it


def test_submit_goes_through_the_upload_path_and_is_graded(app, signed_in, learner):
    unchanged = signed_in.post(PAGE + "/submit")
    assert unchanged.status_code == 400 and unchanged.get_json()["error"] == "unchanged"
    save(signed_in, 0, {"squares": CORRECT, "explain": "I used range."})
    first = signed_in.post(PAGE + "/submit")
    assert first.status_code == 201
    again = signed_in.post(PAGE + "/submit")
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]  # deduplicated
    submission = db.session.scalar(select(Submission).where(Submission.user_id == learner.id))
    assert submission.state == "queued" and submission.received_at <= utcnow()
    assert worker.grade_now(submission.id, submission.run) == "graded"
    status = signed_in.get(first.get_json()["status_url"]).get_json()
    assert status["done"] and status["score"] == 5 and status["max_score"] == 6


def test_runs_do_not_wait_for_the_grading_queue(signed_in, learner):
    """Final grading has a backlog (no worker is even running here): a Run still completes,
    because runs have their own pool."""
    for n in range(5):
        save(signed_in, n, {"squares": CORRECT + f"# attempt {n}\n"})
        assert signed_in.post(PAGE + "/submit").status_code == 201
    assert db.session.scalar(select(func.count()).where(Submission.state == "queued")) == 5
    assert run_to_end(signed_in)["results"]["test_basic"]["passed"] is True


def test_workspace_settings_app_config_then_environment_then_default(monkeypatch, tmp_path):
    from lms.config import load_config

    base = {"INSTANCE_DIR": tmp_path, "SECRET_KEY": "x" * 40}
    monkeypatch.delenv("WORKSPACE_RUNS_PER_MINUTE", raising=False)
    assert load_config(base)["WORKSPACE_RUNS_PER_MINUTE"] == 20
    assert load_config(base)["WORKSPACE_MAX_DRAFT_BYTES"] == 1 << 20
    monkeypatch.setenv("WORKSPACE_RUNS_PER_MINUTE", "5")
    assert load_config(base)["WORKSPACE_RUNS_PER_MINUTE"] == 5
    assert load_config({**base, "WORKSPACE_RUNS_PER_MINUTE": 2})["WORKSPACE_RUNS_PER_MINUTE"] == 2


def test_run_and_preview_bodies_that_crashed_are_answered(signed_in):
    """A JSON body that is not an object (AttributeError) or nested too deep for the parser
    (RecursionError) answered 500; a lone surrogate in a preview too (UnicodeEncodeError)."""
    deep = "[" * 100_000 + "]" * 100_000
    for body in ("[1]", '"x"', deep):
        response = signed_in.post(PAGE + "/runs", data=body, content_type="application/json")
        assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    assert db.session.scalar(select(func.count()).select_from(Run)) == 0
    for body in ("[1]", deep):
        response = signed_in.post("/workspace/preview", data=body, content_type="application/json")
        assert response.status_code == 200 and response.get_json()["html"] == ""
    response = signed_in.post("/workspace/preview", data='{"text": "**a** \\ud83d"}', content_type="application/json")
    assert response.status_code == 200 and "<strong>a</strong>" in response.get_json()["html"]
