"""The workspace page and its JSON endpoints: draft save/load/upload/download, runs, submit."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.assignments import services as assignments
from lms.assignments.tasks import enqueue_grading
from lms.catalog import services as catalog
from lms.catalog.markdown import render_markdown
from lms.developers.services import audiences
from lms.extensions import db
from lms.responses import attachment
from lms.workspace import notebook, runs, services
from lms.workspace.execution import enqueue_run, runner_for
from lms.workspace.forms import DraftUploadForm
from lms.workspace.notebook import NotebookError

bp = Blueprint("workspace", __name__)
STATUS = {"not_found": 404, "no_release": 404, "not_enrolled": 403, "too_large": 413, "busy": 429, "rate_limited": 429}
MAX_VERSION = 2**31 - 1  # the column's range in PostgreSQL; beyond it no draft was ever saved


def _open(slug: str, item_slug: str):
    """Course, item and the signed-in learner's workspace; 404/403 before anything else runs."""
    course = audiences.visible_course(current_user, slug) or abort(404)
    item = catalog.get_item(course, item_slug) or abort(404)
    try:
        return course, item, services.open_workspace(current_user, item)
    except NotebookError as exc:
        abort(STATUS.get(exc.code, 400))


def _refused(exc: NotebookError):
    return jsonify(error=exc.code, message=str(exc)), STATUS.get(exc.code, 400)


def _upload_refused(exc: notebook.UploadRefused):
    """A refused file: the intake's words (the same checks refused it), then that nothing changed."""
    message = str(exc) + " " + _("Your draft was not changed.")
    return jsonify(error=exc.code, message=message), STATUS.get(exc.code, 400)


def _json_object() -> dict | None:
    """The request's JSON body if it is an object, else None: no JSON, another type, or nested too
    deep for the parser (werkzeug's silent get_json lets that RecursionError through, a 500)."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        return None
    return body if isinstance(body, dict) else None


def _draft_json(ws: services.Workspace, draft=None) -> dict:
    draft = draft or ws.draft
    return {
        "version": draft.version if draft else 0,
        "cells": dict(draft.cells) if draft else {},
        "updated_at": draft.updated_at.isoformat() if draft else None,
    }


@bp.get("/courses/<slug>/<item_slug>/workspace")
@login_required
def page(slug: str, item_slug: str):
    course, item, ws = _open(slug, item_slug)
    runner_for(current_app.config)  # start the run pool's kernels while the learner reads
    cells = notebook.merged(ws.release, ws.answers)
    rendered, code = services.static_html(ws.release)
    return render_template(
        "workspace/page.html",
        course=course,
        item=item,
        ws=ws,
        cells=cells,
        rendered=rendered,
        code=code,
        upload_form=DraftUploadForm(),
        max_draft=current_app.config["WORKSPACE_MAX_DRAFT_BYTES"],
    )


@bp.get("/courses/<slug>/<item_slug>/workspace/draft")
@login_required
def draft(slug: str, item_slug: str):
    _course, _item, ws = _open(slug, item_slug)
    body = _draft_json(ws)
    if ws.draft is not None and ws.draft.conflict_cells:
        body["conflict"] = {"cells": ws.draft.conflict_cells, "at": ws.draft.conflict_at.isoformat()}
    return jsonify(body)


@bp.put("/courses/<slug>/<item_slug>/workspace/draft")
@login_required
def save(slug: str, item_slug: str):
    _course, item, ws = _open(slug, item_slug)
    body = _json_object() or {}
    version = body.get("version")
    if not isinstance(body.get("cells"), dict) or type(version) is not int or not 0 <= version <= MAX_VERSION:
        return jsonify(error="bad_request", message=_("The draft could not be read; reload the page.")), 400
    limit = current_app.config["WORKSPACE_MAX_DRAFT_BYTES"]
    try:
        saved = services.save_draft(ws, current_user, item, body["version"], body["cells"], max_bytes=limit)
    except NotebookError as exc:
        return _refused(exc)
    db.session.commit()
    if saved.conflict:
        message = _(
            "Newer work on this assignment was saved from another tab or device. Your edits here were kept as a copy."
        )
        return jsonify(error="conflict", message=message, **_draft_json(ws, saved.draft)), 409
    return jsonify(_draft_json(ws, saved.draft))


@bp.post("/courses/<slug>/<item_slug>/workspace/upload")
@login_required
def upload(slug: str, item_slug: str):
    _course, item, ws = _open(slug, item_slug)
    form = DraftUploadForm()
    if not form.validate_on_submit():
        return jsonify(error="no_file", message=_("Choose a notebook file (.ipynb) to upload.")), 400
    config = current_app.config
    limit = config["GRADING_MAX_UPLOAD_BYTES"]
    try:
        data = form.notebook.data.read(limit + 1)
        draft = services.replace_from_upload(
            ws, current_user, item, data, max_upload=limit, max_draft=config["WORKSPACE_MAX_DRAFT_BYTES"]
        )
    except notebook.UploadRefused as exc:
        return _upload_refused(exc)
    except NotebookError as exc:
        return _refused(exc)
    db.session.commit()
    return jsonify(message=_("Your notebook replaced the draft."), **_draft_json(ws, draft))


@bp.get("/courses/<slug>/<item_slug>/workspace/draft.ipynb")
@login_required
def download(slug: str, item_slug: str):
    _course, item, ws = _open(slug, item_slug)
    return attachment(services.draft_notebook(ws), f"{item.slug}.ipynb", "application/x-ipynb+json")


@bp.get("/courses/<slug>/<item_slug>/workspace/kept-copy.ipynb")
@login_required
def kept_copy(slug: str, item_slug: str):
    _course, item, ws = _open(slug, item_slug)
    if ws.draft is None or not ws.draft.conflict_cells:
        abort(404)
    body = notebook.notebook_bytes(ws.release, {**ws.answers, **ws.draft.conflict_cells})
    return attachment(body, f"{item.slug}-kept-copy.ipynb", "application/x-ipynb+json")


@bp.post("/courses/<slug>/<item_slug>/workspace/runs")
@login_required
def run(slug: str, item_slug: str):
    _course, item, ws = _open(slug, item_slug)
    body = _json_object()
    if body is None:
        return jsonify(error="bad_request", message=_("This request could not be read; reload the page.")), 400
    target = body.get("cell") if isinstance(body.get("cell"), str) else None
    config = current_app.config
    try:
        started, steps = runs.start_run(
            ws,
            current_user,
            item.id,
            target,
            per_minute=config["WORKSPACE_RUNS_PER_MINUTE"],
            stale_after=config["GRADING_NOTEBOOK_TIMEOUT"] + 30,
        )
    except NotebookError as exc:
        return _refused(exc)
    db.session.commit()
    enqueue_run(started.id, steps, ws.release)
    return jsonify(status_url=url_for("workspace.run_status", token=started.token), **runs.run_status(started)), 202


@bp.get("/workspace/runs/<token>")
@login_required
def run_status(token: str):
    started = runs.visible_run(current_user, token) or abort(404)
    return jsonify(runs.run_status(started))


@bp.post("/courses/<slug>/<item_slug>/workspace/submit")
@login_required
def submit(slug: str, item_slug: str):
    _course, item, ws = _open(slug, item_slug)
    limit = current_app.config["GRADING_MAX_UPLOAD_BYTES"]
    try:
        submission, created = services.submit_draft(ws, current_user, item, max_bytes=limit)
    except assignments.AssignmentError as exc:
        return jsonify(error=exc.code, message=str(exc)), 400
    db.session.commit()  # stored for good before we answer, exactly as an upload
    if created:
        enqueue_grading([(submission.id, submission.run)])
    message = _("Submitted; grading has started.") if created else _("You already submitted exactly these answers.")
    status = url_for("assignments.status", submission_id=submission.id)
    return jsonify(id=submission.id, created=created, message=message, status_url=status), 201 if created else 200


@bp.post("/workspace/preview")
@login_required
def preview():
    text = (_json_object() or {}).get("text")
    text = text[:200_000] if isinstance(text, str) else ""
    # A lone surrogate (half of an emoji cut by the editor) becomes "?": a preview, not a save.
    return jsonify(html=render_markdown(text.encode("utf-8", "replace").decode("utf-8")))
