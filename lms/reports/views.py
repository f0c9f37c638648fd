"""Manager reports: team dashboards, the completion report and its exports, API tokens."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.access import role_required
from lms.catalog.models import Course
from lms.extensions import db
from lms.localtime import when
from lms.reports import charts, exports, pdf, services, tokens
from lms.reports.forms import TIER_LABELS, ReportFilterForm, RevokeForm, TokenForm
from lms.reports.query import completion_rows
from lms.reports.scope import ReportAccessError, visible_teams
from lms.responses import attachment

bp = Blueprint("reports", __name__, url_prefix="/reports")
PAGE_SIZE = 50


@bp.errorhandler(ReportAccessError)
def _no_access(_error):
    """Another team's id answers exactly like an id that does not exist."""
    message = _("There is nothing at this address.")
    return render_template("error.html", code=404, title=_("Not found"), message=message), 404


@bp.get("/")
@role_required("manager")
def index():
    return render_template("reports/index.html", teams=visible_teams(current_user))


@bp.get("/teams/<int:team_id>")
@role_required("manager")
def team(team_id: int):
    board = services.team_dashboard(current_user, team_id, page=request.args.get("page", 1, type=int))
    return render_template("reports/team.html", board=board, figures=_figures(board), bands=services.BANDS)


def _figures(board: services.Dashboard) -> dict:
    """The dashboard's SVG charts (their numbers are in tables beside them)."""
    return {
        "courses": charts.hbars([(c.title, c.rate) for c in board.courses], title=_("Completion rate per course")),
        "tiers": charts.hbars(
            [(str(TIER_LABELS[t.tier]), t.rate) for t in board.tiers], title=_("Completion rate per tier")
        ),
        "scores": charts.columns(
            list(zip(services.BANDS, zip(board.exam_bins, board.assignment_bins, strict=True), strict=True)),
            title=_("Score distribution"),
            series=(_("Exam"), _("Assignments")),
        ),
        "certificates": charts.hbars(
            [(t, n) for t, n in board.certificates],
            title=_("Certificates issued"),
            maximum=max([n for _t, n in board.certificates] or [1]),
            unit="",
        ),
        "workshops": charts.columns(
            [(t, (r, a)) for t, r, a in board.workshops],
            title=_("Workshops: registered and attended"),
            series=(_("Registered"), _("Attended")),
        ),
        "nps": charts.stacked(
            [
                (_("Detractors"), board.satisfaction.detractors),
                (_("Passives"), board.satisfaction.passives),
                (_("Promoters"), board.satisfaction.promoters),
            ],
            title=_("NPS answers"),
        ),
        "weekly": charts.columns(
            [(when(week, "short"), (n,)) for week, n in board.weekly_active], title=_("Active learners per week")
        ),
    }


def _filter_form() -> ReportFilterForm:
    form = ReportFilterForm(request.args)
    teams = [(t.id, t.name) for t, _n in visible_teams(current_user)]
    courses = db.session.execute(
        select(Course.id, Course.title).where(Course.archived_at.is_(None)).order_by(Course.title)
    )
    form.set_choices(teams, [tuple(c) for c in courses])
    return form


def _described(form: ReportFilterForm) -> list[tuple[str, str]]:
    """The filters in words, for the export summaries."""
    out = []
    for field in (form.team_id, form.course_id, form.tier, form.status):
        if field.data:
            out.append(
                (
                    str(field.label.text),
                    dict((str(k), str(v)) for k, v in field.choices).get(str(field.data), str(field.data)),
                )
            )
    for field in (form.enrolled_from, form.enrolled_to):
        if field.data:
            out.append((str(field.label.text), field.data.isoformat()))
    return out


@bp.get("/completions")
@role_required("manager")
def completions():
    form = _filter_form()
    page = max(request.args.get("page", 1, type=int), 1)
    if request.args and not form.validate():
        return render_template("reports/completions.html", form=form, rows=[], page=1, more=False, params={}), 400
    flt = form.to_filter()
    rows = list(completion_rows(current_user, flt, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE))
    return render_template(
        "reports/completions.html",
        form=form,
        rows=rows[:PAGE_SIZE],
        page=page,
        more=len(rows) > PAGE_SIZE,
        params=flt.as_params(),
    )


def _export_filter():
    form = _filter_form()
    if not form.validate():
        abort(400)
    return form.to_filter(), _described(form)


def _filename(ext: str) -> str:
    return f"completions-{datetime.now(UTC):%Y%m%d-%H%M}.{ext}"


@bp.get("/completions.csv")
@role_required("manager")
def export_csv():
    flt, _described_filters = _export_filter()
    chunks = exports.csv_chunks(current_user, flt)
    return attachment(stream_with_context(chunks), _filename("csv"), "text/csv; charset=utf-8")


@bp.get("/completions.xlsx")
@role_required("manager")
def export_xlsx():
    flt, described = _export_filter()
    out = tempfile.TemporaryFile()  # noqa: SIM115  (send_file closes it after sending)
    exports.write_xlsx(current_user, flt, out, filters=described)
    out.seek(0)
    return send_file(
        out,
        as_attachment=True,
        download_name=_filename("xlsx"),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/completions.pdf")
@role_required("manager")
def export_pdf():
    flt, described = _export_filter()
    body = pdf.render_pdf(current_user, flt, described)
    return attachment(body, _filename("pdf"), "application/pdf")


@bp.route("/tokens", methods=["GET", "POST"])
@role_required("manager")
def api_tokens():
    form, secret = TokenForm(), None
    if form.validate_on_submit():
        try:
            _token, secret = tokens.create_token(current_user, form.name.data)
        except tokens.TokenError as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    status = 400 if form.errors else 200
    html = render_template(
        "reports/tokens.html", form=form, secret=secret, tokens=tokens.list_tokens(current_user), revoke=RevokeForm()
    )
    return html, status, {"Cache-Control": "no-store"}  # the page may hold a secret shown once


@bp.post("/tokens/<int:token_id>/revoke")
@role_required("manager")
def revoke_token(token_id: int):
    if not RevokeForm().validate_on_submit():
        abort(400)
    if tokens.revoke_token(current_user, token_id) is None:
        abort(404)
    db.session.commit()
    flash(_("The token is revoked; scripts using it are refused from now on."), "success")
    return redirect(url_for("reports.api_tokens"))
