"""Release on sync, download, upload validation (each refusal its own message), idempotent retry."""

from __future__ import annotations

import io
import json
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms.assignments import services
from lms.assignments.models import AssignmentRelease, ImmutableSubmissionError, Submission
from lms.extensions import db
from tests.factories import PASSWORD, login, make_user
from tests.grading import uploads
from tests.lms.assignments.helpers import add_answer, item_of

URL = "/courses/python-basics/add"


def _release_bytes(client) -> bytes:
    response = client.get(f"{URL}/notebook.ipynb")
    assert response.status_code == 200
    return response.data


def _upload(client, data: bytes, name: str = "add.ipynb", json_reply: bool = True):
    headers = {"Accept": "application/json"} if json_reply else {}
    return client.post(
        f"{URL}/submissions",
        data={"notebook": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers,
    )


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Submission))


def test_sync_stores_one_release_per_assignment_and_not_again(app, courses_dir):
    from tests.factories import load_fixture_courses

    releases = db.session.scalars(select(AssignmentRelease)).all()
    assert len(releases) == 2
    load_fixture_courses(courses_dir)  # re-sync: unchanged notebooks, no new release
    assert db.session.scalar(select(func.count()).select_from(AssignmentRelease)) == 2


def test_download_is_the_release_without_solutions_or_hidden_tests(client, learner):
    login(client, learner.email)
    body = _release_bytes(client).decode()
    nb = json.loads(body)
    assert nb["nbformat"] == 4
    assert "BEGIN SOLUTION" not in body and "a + b" not in body
    assert "HIDDEN" not in body and "add(10, 5)" not in body


def test_download_needs_enrolment(client, app):
    stranger = make_user()
    login(client, stranger.email)
    assert client.get(f"{URL}/notebook.ipynb").status_code == 403


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"x" * (5 * 1024 * 1024 + 1), "too_large", "larger than 5 MB"),
        (b"not json at all", "not_json", "not valid JSON"),
        (json.dumps({"nbformat": 3, "worksheets": []}).encode(), "not_nbformat4", "nbformat 4"),
        (
            json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}).encode(),
            "wrong_assignment",
            "another assignment",
        ),
    ],
)
def test_each_bad_upload_has_its_own_message_and_stores_nothing(client, learner, data, code, words):
    login(client, learner.email)
    response = _upload(client, data)
    assert response.status_code == 400
    assert response.json["error"] == code
    assert words in response.json["message"]
    assert _count() == 0


def test_a_damaged_notebook_is_refused_with_where_it_is_damaged(client, learner):
    login(client, learner.email)
    doc = json.loads(add_answer(_release_bytes(client)))
    doc["cells"][1]["source"] = [1, 2]  # was a TypeError, HTTP 500
    response = _upload(client, json.dumps(doc).encode())
    assert response.status_code == 400 and response.json["error"] == "damaged"
    assert "cell 2, source should be text" in response.json["message"] and _count() == 0


def test_fuzzed_uploads_never_fail_and_only_accepted_ones_are_stored(client, learner):
    """Mutated notebooks and junk through the real route: 201/200 and a row, or a refusal with a
    message (JSON 400, or a flashed error for the form) and nothing stored; never a 500."""
    login(client, learner.email)
    release = _release_bytes(client)
    grade_ids = services.engine_release(services.current_release(item_of("add").id)).grade_ids
    bases = uploads.variants(add_answer(release)) + uploads.variants(release)
    outcomes: Counter[str] = Counter()

    def check(data: bytes, as_json: bool) -> None:
        before = _count()
        response = _upload(client, data, json_reply=as_json)
        assert response.status_code < 500
        if as_json:
            created = response.status_code == 201
            assert response.status_code in (200, 201, 400) and response.json["message"]
            outcome = response.json.get("error", "created" if created else "again")
        else:
            assert response.status_code == 302
            with client.session_transaction() as session:
                [(category, message)] = session.pop("_flashes")
            assert message
            created = category == "success" and _count() == before + 1
            outcome = "refused" if category == "error" else "created" if created else "again"
        assert _count() == before + created, outcome
        outcomes[outcome] += 1

    fuzz = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

    @given(uploads.notebook_uploads(bases, grade_ids), st.booleans())
    @example(add_answer(release, "return b + a"), True)  # two accepted ones, whatever is drawn
    @example(add_answer(release, "return sum((a, b))"), False)
    @settings(fuzz, max_examples=50)
    def mutated_notebooks(data: bytes, as_json: bool) -> None:
        check(data, as_json)

    @given(uploads.junk(grade_ids), st.booleans())
    @settings(fuzz, max_examples=15)
    def junk(data: bytes, as_json: bool) -> None:
        check(data, as_json)

    mutated_notebooks()
    junk()
    assert outcomes["created"] >= 2 and outcomes["damaged"] + outcomes["refused"] >= 10, outcomes


def test_unchanged_release_is_refused(client, learner):
    login(client, learner.email)
    response = _upload(client, _release_bytes(client))
    assert response.json["error"] == "unchanged" and _count() == 0


def test_missing_file_and_form_post_flash(client, learner):
    login(client, learner.email)
    response = client.post(f"{URL}/submissions", data={}, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(URL)
    assert "Choose a notebook file" in page.text


def test_accepted_upload_is_stored_before_the_answer_and_retry_gives_the_same(client, learner):
    login(client, learner.email)
    data = add_answer(_release_bytes(client))
    first = _upload(client, data)
    assert first.status_code == 201 and first.json["created"] is True
    again = _upload(client, data)  # a double click or a retried request
    assert again.status_code == 200 and again.json["id"] == first.json["id"] and again.json["created"] is False
    stored = db.session.get(Submission, first.json["id"])
    assert stored.content == data and stored.size == len(data) and stored.state == "queued"
    assert stored.user_id == learner.id and len(stored.sha256) == 64 and stored.received_at.tzinfo is not None
    assert _count() == 1


def test_submissions_are_immutable(client, learner):
    login(client, learner.email)
    submission_id = _upload(client, add_answer(_release_bytes(client))).json["id"]
    stored = db.session.get(Submission, submission_id)
    stored.content = b"{}"
    with pytest.raises(ImmutableSubmissionError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(ImmutableSubmissionError):
        db.session.delete(db.session.get(Submission, submission_id))
        db.session.flush()
    db.session.rollback()


def test_upload_after_cutoff_is_refused_and_extension_reopens(app, learner):
    from datetime import UTC, datetime

    from lms.assignments.audit import Actor
    from lms.assignments.gradebook import grant_extension

    item = item_of("squares")
    release = services.engine_release(services.current_release(item.id)).notebook_bytes
    from tests.lms.assignments.helpers import solve

    data = solve(release, "squares", "def squares(n):\n    return [i * i for i in range(1, n + 1)]\n")
    late = datetime(2030, 1, 21, tzinfo=UTC)
    with pytest.raises(services.AssignmentError) as refused:
        services.submit(learner, item, data, max_bytes=1 << 20, now=late)
    assert refused.value.code == "closed"
    grant_extension(item, learner, datetime(2030, 1, 25, tzinfo=UTC), by=Actor.of(learner))
    submission, created = services.submit(learner, item, data, max_bytes=1 << 20, now=late)
    assert created and submission.received_at == late


def test_csrf_is_enforced_on_upload(make_app, courses_dir):
    app = make_app(COURSES_DIR=courses_dir, WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import load_fixture_courses

        load_fixture_courses(courses_dir)
        user = make_user()
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        data = {"notebook": (io.BytesIO(b"{}"), "add.ipynb")}
        response = client.post(f"{URL}/submissions", data=data, headers={"Accept": "application/json"})
        assert response.status_code == 400 and response.get_json()["error"] == "page_expired"
        data = {"notebook": (io.BytesIO(b"{}"), "add.ipynb")}
        assert b"Form expired" in client.post(f"{URL}/submissions", data=data).data  # a browser's form: the page
        assert _count() == 0
