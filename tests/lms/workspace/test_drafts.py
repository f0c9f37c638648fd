"""Drafts: saved and reopened, version-checked (a stale tab keeps its copy), bad input refused."""

from __future__ import annotations

import dataclasses
import json
import re

import nbformat
import pytest

from lms.assignments import services as assignments
from lms.extensions import db
from lms.workspace.models import Draft
from tests.factories import login, make_user
from tests.grading.notebooks import CORRECT, WRONG
from tests.lms.workspace.conftest import PAGE, save


def test_page_shows_rendered_markdown_code_and_answer_cells(signed_in):
    page = signed_in.get(PAGE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Squares</h1>" in html  # markdown rendered
    assert 'class="highlight"' in html or "codehilite" in html  # read-only code highlighted
    assert 'id="src-squares"' in html and 'id="src-explain"' in html  # code and markdown answers
    assert "BEGIN HIDDEN TESTS" not in html and "squares(10)" not in html  # hidden tests never sent
    assert "<script>" not in html.split('<script type="module"')[0].split("</header>", 1)[1]
    assert "style=" not in html  # CSP: no inline style attributes


def test_page_gives_the_editor_a_style_nonce_that_its_csp_allows(signed_in):
    """CodeMirror's fallback <style> carries the page's nonce (EditorView.cspNonce); the CSP allows
    that nonce for this response only, and never 'unsafe-inline'. Pages that ask for none get none."""
    first, second = signed_in.get(PAGE), signed_in.get(PAGE)
    nonce = re.search(r'<meta property="csp-nonce" nonce="([\w-]{20,})">', first.text)[1]
    policy = first.headers["Content-Security-Policy"]
    assert f"style-src 'self' 'nonce-{nonce}';" in policy and "unsafe-inline" not in policy
    assert nonce not in second.text and nonce not in second.headers["Content-Security-Policy"]
    assert "nonce-" not in signed_in.get("/").headers["Content-Security-Policy"]


def test_a_new_release_shows_its_own_text(signed_in, item):
    added = "Second edition: now with a worked example."
    assert added not in signed_in.get(PAGE).text  # the release's text, rendered once and kept
    release = assignments.engine_release(assignments.current_release(item.id))
    nb = nbformat.reads(release.notebook, as_version=4)
    text = next(c for c in nb.cells if c.cell_type == "markdown" and "nbgrader" not in c.metadata)
    text.source += "\n\n" + added
    assignments.store_release(item, dataclasses.replace(release, notebook=nbformat.writes(nb)))
    db.session.commit()
    assert f"<p>{added}</p>" in signed_in.get(PAGE).text


def test_draft_saves_and_reopens_in_another_session(app, signed_in, learner):
    first = save(signed_in, 0, {"squares": CORRECT})
    assert first.status_code == 200 and first.get_json()["version"] == 1
    second = save(signed_in, 1, {"explain": "I used range."})
    assert second.get_json()["version"] == 2
    other_browser = app.test_client()
    login(other_browser, learner.email)
    draft = other_browser.get(PAGE + "/draft").get_json()
    assert draft["cells"] == {"squares": CORRECT, "explain": "I used range."}
    assert CORRECT.split("\n")[1].strip() in other_browser.get(PAGE).get_data(as_text=True)


def test_stale_tab_cannot_overwrite_newer_work_and_both_versions_are_kept(signed_in, learner, item):
    save(signed_in, 0, {"squares": "v1"})
    assert save(signed_in, 1, {"squares": "newer, from tab A"}).status_code == 200
    stale = save(signed_in, 1, {"squares": "older, from tab B"})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["error"] == "conflict" and "another tab or device" in body["message"]
    assert body["version"] == 2 and body["cells"]["squares"] == "newer, from tab A"
    draft = db.session.get(Draft, db.session.query(Draft.id).filter_by(user_id=learner.id).scalar())
    db.session.refresh(draft)
    assert draft.cells["squares"] == "newer, from tab A" and draft.conflict_cells["squares"] == "older, from tab B"
    assert signed_in.get(PAGE + "/draft").get_json()["conflict"]["cells"]["squares"] == "older, from tab B"
    assert "download that copy" in signed_in.get(PAGE).get_data(as_text=True)
    kept = nbformat.reads(signed_in.get(PAGE + "/kept-copy.ipynb").get_data(as_text=True), as_version=4)
    assert any(c.source == "older, from tab B" for c in kept.cells)
    # "Keep this tab's version" saves on top of the version the server reported
    assert save(signed_in, 2, {"squares": "older, from tab B"}).get_json()["version"] == 3


def test_draft_over_the_size_limit_is_refused_and_the_previous_one_kept(make_app, courses_dir, signed_in):
    save(signed_in, 0, {"squares": CORRECT})
    too_big = save(signed_in, 1, {"squares": "x" * (1 << 20 + 1)})
    assert too_big.status_code == 413
    assert "Nothing was saved" in too_big.get_json()["message"]
    assert signed_in.get(PAGE + "/draft").get_json() | {"updated_at": None} == {
        "version": 1,
        "cells": {"squares": CORRECT},
        "updated_at": None,
    }


def test_unknown_cell_and_malformed_bodies_are_refused(signed_in):
    unknown = save(signed_in, 0, {"test_basic": "assert True"})  # a test cell is not an answer cell
    assert unknown.status_code == 400 and unknown.get_json()["error"] == "unknown_cell"
    assert save(signed_in, 0, {"nope": "x"}).get_json()["error"] == "unknown_cell"
    assert signed_in.put(PAGE + "/draft", data="not json").status_code == 400
    assert save(signed_in, 0, {"squares": 42}).status_code == 400
    assert signed_in.get(PAGE + "/draft").get_json()["version"] == 0  # nothing stored


def test_another_learner_cannot_open_or_save_a_draft(app, signed_in, learner):
    save(signed_in, 0, {"squares": "my secret answer"})
    stranger = make_user()
    db.session.commit()
    other = app.test_client()
    login(other, stranger.email)  # not enrolled: no workspace at all
    assert other.get(PAGE).status_code == 403
    assert other.put(PAGE + "/draft", json={"version": 1, "cells": {"squares": "x"}}).status_code == 403
    from lms.catalog import services as catalog
    from lms.learning.services import enroll

    enroll(stranger.id, catalog.get_course("python-basics"))
    db.session.commit()
    assert other.get(PAGE + "/draft").get_json()["cells"] == {}  # their own, empty draft
    assert "my secret answer" not in other.get(PAGE).get_data(as_text=True)
    assert signed_in.get(PAGE + "/draft").get_json()["cells"]["squares"] == "my secret answer"


def test_download_is_a_valid_notebook_with_the_draft(signed_in):
    save(signed_in, 0, {"squares": WRONG, "explain": "Because."})
    response = signed_in.get(PAGE + "/draft.ipynb")
    assert response.headers["Content-Disposition"].endswith('squares.ipynb"')
    nb = nbformat.reads(response.get_data(as_text=True), as_version=4)
    nbformat.validate(nb)
    sources = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
    assert sources["squares"] == WRONG and sources["explain"] == "Because."


def test_upload_replaces_the_draft_and_bad_files_change_nothing(signed_in):
    save(signed_in, 0, {"squares": "old"})
    local = json.loads(signed_in.get(PAGE + "/draft.ipynb").data)
    for cell in local["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "squares":
            cell["source"] = CORRECT
    from io import BytesIO

    ok = signed_in.post(PAGE + "/upload", data={"notebook": (BytesIO(json.dumps(local).encode()), "mine.ipynb")})
    assert ok.status_code == 200 and ok.get_json()["cells"]["squares"] == CORRECT
    bad = signed_in.post(PAGE + "/upload", data={"notebook": (BytesIO(b"{not json"), "x.ipynb")})
    assert bad.status_code == 400 and "not a Jupyter notebook" in bad.get_json()["message"]
    other = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    wrong = signed_in.post(PAGE + "/upload", data={"notebook": (BytesIO(json.dumps(other).encode()), "y.ipynb")})
    assert wrong.get_json()["error"] == "wrong_assignment"
    assert signed_in.get(PAGE + "/draft").get_json()["cells"]["squares"] == CORRECT


def test_text_no_notebook_can_hold_is_refused_and_nothing_saved(signed_in):
    """A lone surrogate (half an emoji) answered 500 (UnicodeEncodeError); a NUL was saved, and
    the draft then refused at submit as damaged."""
    save(signed_in, 0, {"squares": "kept"})
    for text in ("\ud83d half an emoji", "a\x00b"):  # sent as JSON escapes, as a browser sends them
        response = save(signed_in, 1, {"squares": text})
        assert response.status_code == 400 and response.get_json()["error"] == "unusable_text"
        assert "'squares'" in response.get_json()["message"] and "Nothing was saved" in response.get_json()["message"]
    assert signed_in.get(PAGE + "/draft").get_json()["cells"] == {"squares": "kept"}


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,  # RecursionError in the JSON parser
        '{"version": 1, "cells": {"squares": ' + "[" * 5000 + "]" * 5000 + "}}",  # the same, one level down
        '{"version": ' + "9" * 30 + ', "cells": {"squares": "x"}}',  # OverflowError (SQLite), DataError (PostgreSQL)
        '{"version": -' + "9" * 30 + ', "cells": {"squares": "x"}}',
        '{"version": true, "cells": {"squares": "x"}}',  # was taken for version 1
        '["version", 1]',
    ],
    ids=["nested-deep", "cell-nested-deep", "version-huge", "version-huge-negative", "version-true", "a-list"],
)
def test_bodies_that_crashed_the_save_are_refused_and_nothing_saved(signed_in, body):
    save(signed_in, 0, {"squares": "kept"})
    response = signed_in.put(PAGE + "/draft", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    assert signed_in.get(PAGE + "/draft").get_json()["version"] == 1
