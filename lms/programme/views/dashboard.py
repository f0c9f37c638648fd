"""The programme dashboard, its exports and the targets page (admins and analysts read; admins set targets)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from lms.accounts.access import role_required
from lms.db import utcnow
from lms.developers.models import Segment
from lms.extensions import db
from lms.localtime import when
from lms.programme import exports
from lms.programme.forms import RemoveTargetForm, TargetForm
from lms.programme.services import targets
from lms.programme.services.figures import Dashboard
from lms.programme.services.figures import dashboard as build_dashboard
from lms.programme.services.periods import PERIOD_NAMES, PeriodError, Window, window
from lms.programme.views import bp
from lms.reports import charts
from lms.responses import attachment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def segment_arg(value: str | None) -> Segment | None:
    """The segment named by `segment=<id>`; 404 for an unknown or malformed id (no segment: platform)."""
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        abort(404)
    segment = db.session.get(Segment, int(value))
    if segment is None:
        abort(404)
    return segment


def _board() -> tuple[Dashboard, str | None]:
    """The dashboard for the query arguments; a bad period shows its message over the default month."""
    today = utcnow().date()
    args = request.args
    error = None
    try:
        w = window(args.get("period"), args.get("start"), args.get("end"), today)
    except PeriodError as problem:
        error, w = str(problem), window(None, None, None, today)
    return build_dashboard(w, segment_arg(args.get("segment")), utcnow()), error


def _buckets(w: Window) -> list[tuple[date, int]]:
    """Chart columns over the period: days up to a fortnight, then weeks, then 30-day blocks (from the start)."""
    size = 1 if w.days <= 14 else 7 if w.days <= 120 else 30
    first = w.current.start
    return [(first + timedelta(days=n), min(size, w.days - n)) for n in range(0, w.days, size)]


def _charts(board: Dashboard) -> dict[str, Markup]:
    buckets = _buckets(board.window)

    def total(column: str, start: date, size: int) -> int:
        series = board.daily.get(column, {})
        return sum(series.get(start + timedelta(days=n), 0) for n in range(size))

    def label(start: date, size: int) -> str:
        return start.strftime("%m-%d") if size == 1 else start.strftime("%m-%d") + "+"

    def rows(*cols: str) -> list[tuple[str, list[float]]]:
        return [(label(s, n), [total(c, s, n) for c in cols]) for s, n in buckets]

    csat = []
    for start, size in buckets:
        answers = total("csat_answers", start, size)
        csat.append(
            (label(start, size), [round(100 * total("csat_satisfied", start, size) / answers) if answers else 0])
        )
    promoters, detractors, answers = (
        sum(board.daily.get(c, {}).get(d, 0) for d, _v in board.days())
        for c in ("nps_promoters", "nps_detractors", "nps_answers")
    )
    return {
        "people": charts.columns(
            rows("new_developers", "active_learners"),
            title=_("New developers and active learners"),
            series=(_("New developers"), _("Active learners (sum of daily)")),
        ),
        "learning": charts.columns(
            rows("enrolments", "completions", "certificates"),
            title=_("Enrolments, completions, certificates"),
            series=(_("Enrolments"), _("Completions"), _("Certificates")),
        ),
        "csat": charts.columns(csat, title=_("CSAT (share of 4-5 answers)"), unit="%"),
        "nps": charts.stacked(
            [
                (_("Detractors"), detractors),
                (_("Passives"), answers - promoters - detractors),
                (_("Promoters"), promoters),
            ],
            title=_("NPS answers"),
        ),
        "workshops": charts.columns(
            rows("workshop_registrations", "workshop_attended"),
            title=_("Workshop registrations and attendance"),
            series=(_("Registered"), _("Attended")),
        ),
        "feedback": charts.columns(
            [(_category_label(c.category), [c.value, c.previous]) for c in board.categories],
            title=_("Feedback by category"),
            series=(_("This period"), _("Previous period")),
        ),
    }


def _category_label(category: str) -> str:
    return {
        "technical_problem": _("Technical problem"),
        "usage_suggestion": _("Usage suggestion"),
        "feature_request": _("Feature request"),
        "content_error": _("Content error"),
        "course_request": _("Course request"),
    }.get(category, category)


def _args(board: Dashboard) -> dict[str, Any]:
    """The query arguments that name this dashboard (for links and exports)."""
    w = board.window
    args: dict[str, Any] = {"period": w.name}
    if w.name == "custom":
        args.update(start=w.current.start.isoformat(), end=w.current.end.isoformat())
    if board.segment is not None:
        args["segment"] = board.segment.id
    return args


@bp.get("/")
@role_required("analyst")
def dashboard():
    board, error = _board()
    today = utcnow().date()
    segments = db.session.execute(select(Segment.id, Segment.name, Segment.member_count).order_by(Segment.name)).all()
    return render_template(
        "programme/dashboard.html",
        board=board,
        error=error,
        charts=_charts(board) if not board.hidden else {},
        day_rows=[(when(day, "date"), values) for day, values in board.days()],  # each day formatted once
        segments=segments,
        periods=PERIOD_NAMES,
        args=_args(board),
        progress=targets.progress(today.year, today),
        year=today.year,
        category_label=_category_label,
    ), (400 if error else 200)


@bp.get("/export.csv", defaults={"fmt": "csv"})
@bp.get("/export.xlsx", defaults={"fmt": "xlsx"})
@role_required("analyst")
def export(fmt: str):
    board, error = _board()
    if error:
        abort(400, error)
    period = board.window.current
    scope = f"segment-{board.segment.id}" if board.segment is not None else "platform"
    name = f"programme-{scope}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    if fmt == "csv":
        return attachment(exports.csv_text(board).encode(), name, "text/csv; charset=utf-8")
    out = io.BytesIO()
    exports.write_xlsx(board, out)
    return attachment(out.getvalue(), name, XLSX)


@bp.route("/targets", methods=["GET", "POST"])
@role_required("admin")
def targets_page():
    form = TargetForm()
    if request.method == "GET" and form.year.data is None:
        form.year.data = utcnow().year
    status = 200
    if form.validate_on_submit():
        try:
            targets.set_target(form.year.data, form.metric.data, form.value.data, current_user)
        except targets.TargetError as problem:
            db.session.rollback()
            form.value.errors = [str(problem)]
            status = 400
        else:
            db.session.commit()
            flash(_("Target saved."), "success")
            return redirect(url_for("programme.targets_page", year=form.year.data))
    elif request.method == "POST":
        status = 400
    year = request.args.get("year", type=int) or utcnow().year
    if not 2000 <= year <= 2100:
        year = utcnow().year
    return render_template(
        "programme/targets.html",
        form=form,
        year=year,
        rows=targets.targets_of(year),
        labels={k: label for k, (label, _lo, _hi) in targets.TARGET_METRICS.items()},
        remove=RemoveTargetForm(),
    ), status


@bp.post("/targets/remove")
@role_required("admin")
def remove_target():
    form = RemoveTargetForm()
    if not form.validate_on_submit() or not (form.year.data or "").isdigit():
        abort(400)
    year = int(form.year.data)
    if targets.remove_target(year, form.metric.data):
        db.session.commit()
        flash(_("Target removed."), "success")
    return redirect(url_for("programme.targets_page", year=year))
