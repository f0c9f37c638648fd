"""JSON API under /api/v1: read-only reports (personal bearer tokens or a manager's session) and the
signed-in learner's own recommendations."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from lms.api.auth import api_error, programme_reader, reports_reader, signed_in
from lms.api.openapi import openapi_document
from lms.api.params import ParamError, parse_community_params, parse_completion_params, parse_programme_params
from lms.catalog import services as catalog
from lms.community.services import figures as community
from lms.db import utcnow
from lms.developers.models import Segment
from lms.extensions import db
from lms.programme.services import figures as programme
from lms.recommend import paths
from lms.recommend import services as recommend
from lms.reports.query import completion_rows
from lms.reports.scope import ReportAccessError, visible_teams

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return api_error(error.code or 500, error.description or error.name)


@bp.errorhandler(ReportAccessError)
def _no_access(_error):
    return api_error(404, "No such team among those you can read.")


@bp.errorhandler(ParamError)
def _bad_params(error: ParamError):
    return api_error(400, "Invalid query parameters.", error.problems)


@bp.get("/openapi.json")
def openapi():
    server_url = request.host_url.rstrip("/") + bp.url_prefix
    return jsonify(openapi_document(server_url, current_app.config["SESSION_COOKIE_NAME"]))


@bp.get("/reports/teams")
@reports_reader
def teams():
    items = [{"id": t.id, "name": t.name, "members": n} for t, n in visible_teams(g.api_user)]
    return jsonify({"items": items})


@bp.get("/reports/completions")
@reports_reader
def completions():
    flt, page, per_page = parse_completion_params(request.args)
    rows = list(completion_rows(g.api_user, flt, limit=per_page + 1, offset=(page - 1) * per_page))
    has_more = len(rows) > per_page
    items = [_item(row) for row in rows[:per_page]]
    params = {**flt.as_params(), "per_page": per_page}
    return jsonify(
        {
            "items": items,
            "page": page,
            "per_page": per_page,
            "has_more": has_more,
            "next": url_for("api.completions", page=page + 1, **params, _external=True) if has_more else None,
        }
    )


@bp.get("/reports/community")
@reports_reader
def community_figures():
    now = utcnow()
    slug, period = parse_community_params(request.args, now)
    if slug is not None:
        course = catalog.get_course(slug)
        if course is None:
            return api_error(404, "No such course.")
        courses = [course]
    else:
        courses = catalog.list_courses()
    figures = community.course_figures([c.id for c in courses], period, now)
    return jsonify(
        {
            "platform": community.platform_figures(period, now).as_dict() if slug is None else None,
            "courses": [{"slug": c.slug, "title": c.title, **figures[c.id].as_dict()} for c in courses],
        }
    )


def _item(row) -> dict:
    item = asdict(row)
    for key in ("enrolled_at", "certificate_issued_at", "last_activity"):
        item[key] = item[key].isoformat() if item[key] else None
    return item


@bp.get("/me/recommendations")
@signed_in
def recommendations():
    return jsonify(
        recommendations=[_recommendation(r) for r in recommend.recommendations(current_user.id)],
        paths=[_path(p) for p in paths.learner_paths(current_user.id)],
    )


def _path(path: paths.AssignedPath) -> dict:
    rows = [
        {
            **asdict(row),
            "due_at": row.due_at.isoformat() if row.due_at else None,
            "url": url_for("learning.course", slug=row.course_slug, _external=True),
        }
        for row in path.rows
    ]
    return {"id": path.id, "title": path.title, "description": path.description, "courses": rows}


def _recommendation(rec: recommend.Shown) -> dict:
    row = asdict(rec)
    row["url"] = url_for("learning.course", slug=rec.course_slug, _anchor=f"module-{rec.module_slug}", _external=True)
    row["params"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rec.params.items()}
    return row


def _programme() -> programme.Dashboard | None:
    """The dashboard the query names; None for an unknown segment."""
    now = utcnow()
    w, segment_id = parse_programme_params(request.args, now.date())
    segment = db.session.get(Segment, segment_id) if segment_id is not None else None
    if segment_id is not None and segment is None:
        return None
    return programme.dashboard(w, segment, now)


def _scope(board: programme.Dashboard) -> dict:
    w = board.window
    return {
        "segment": {"id": board.segment.id, "name": board.segment.name} if board.segment else None,
        "period": {"name": w.name, "start": w.current.start.isoformat(), "end": w.current.end.isoformat()},
        "previous": {"start": w.previous.start.isoformat(), "end": w.previous.end.isoformat()},
        "hidden": board.hidden,
    }


@bp.get("/programme/figures")
@programme_reader
def programme_figures():
    board = _programme()
    if board is None:
        return api_error(404, "No such segment.")
    return jsonify(
        {
            **_scope(board),
            "figures": [f.as_dict() for f in board.figures],
            "feedback_categories": [asdict(c) for c in board.categories],
            "community": [f.as_dict() for f in board.community],
        }
    )


@bp.get("/programme/daily")
@programme_reader
def programme_daily():
    board = _programme()
    if board is None:
        return api_error(404, "No such segment.")
    days = [] if board.hidden else [{"day": day.isoformat(), **values} for day, values in board.days()]
    return jsonify({**_scope(board), "columns": list(programme.DAILY_COLUMNS), "days": days})
