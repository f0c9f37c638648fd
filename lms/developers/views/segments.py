"""Segment pages: the list (admins and analysts), the rule form (admins: preview, save, recompute,
delete). The form works without JavaScript: each group shows its conditions plus two blank rows,
"Add a group" re-renders with one more, blank rows and groups are left out."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from lms.accounts.access import role_required
from lms.developers.models import MIN_SEGMENT_SIZE, Segment
from lms.developers.services import segments
from lms.developers.services.segments import MAX_CONDITIONS, MAX_GROUPS, Row
from lms.developers.views import bp
from lms.extensions import db

BLANK_ROWS = 2


class SegmentForm(FlaskForm):
    """Name and description (checked by segments.save, with the rules); the rows are read from
    the request by `_posted_rows`."""

    name = StringField(_l("Name"))
    description = TextAreaField(_l("Description"), description=_l("Who this is, for the people who use it."))


class ActionForm(FlaskForm):
    """Recompute and delete: only the CSRF token."""


@bp.get("/developers/segments", endpoint="segments")
@role_required("analyst")
def segment_list():
    listed = [(s, segments.shown_size(s, _exact())) for s in segments.all_segments()]
    return render_template("developers/segments.html", listed=listed, minimum=MIN_SEGMENT_SIZE)


@bp.route("/developers/segments/new", methods=["GET", "POST"])
@role_required("admin")
def new_segment():
    form = SegmentForm()
    if request.method == "GET":
        return _form_page(form, None, [[]])
    return _submitted(form, None)


@bp.route("/developers/segments/<int:segment_id>", methods=["GET", "POST"])
@role_required("analyst")
def segment(segment_id: int):
    found = _segment_or_404(segment_id)
    if request.method == "POST":
        if not current_user.has_role("admin"):
            abort(403)
        return _submitted(SegmentForm(), found)
    form = SegmentForm(obj=found)
    return _form_page(form, found, segments.rows_of(found.rules))


@bp.post("/developers/segments/<int:segment_id>/recompute")
@role_required("admin")
def recompute_segment(segment_id: int):
    found = _segment_or_404(segment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    segments.recompute(found)
    db.session.commit()
    flash(_("“%(name)s” recomputed: %(num)d people.", name=found.name, num=found.member_count), "success")
    return redirect(url_for(".segment", segment_id=found.id))


@bp.post("/developers/segments/<int:segment_id>/delete")
@role_required("admin")
def delete_segment(segment_id: int):
    found = _segment_or_404(segment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = found.name
    segments.remove(found)
    db.session.commit()
    flash(_("Segment “%(name)s” deleted.", name=name), "success")
    return redirect(url_for(".segments"))


def _exact() -> bool:
    """Admins see every size; analysts see "fewer than 5 people" under MIN_SEGMENT_SIZE."""
    return bool(current_user.role == "admin")


def _segment_or_404(segment_id: int) -> Segment:
    found = segments.get(segment_id)
    if found is None:
        abort(404)
    return found


def _submitted(form: SegmentForm, found: Segment | None):
    if not form.validate_on_submit():
        abort(400)  # only a missing or stale CSRF token gets here: the fields themselves are free text
    groups = _posted_rows()
    action = request.form.get("action", "save")
    if action == "add_group":
        return _form_page(form, found, [*groups, []])
    rules, problems = segments.parse_rows(groups)
    if action == "preview":
        if problems:
            return _form_page(form, found, groups, problems=problems), 400
        return _form_page(form, found, groups, preview=segments.count(rules))
    name = form.name.data or ""
    if problems:
        return _form_page(form, found, groups, problems=segments.name_problems(name, found) + problems), 400
    saved, problems = segments.save(found, name, form.description.data or "", rules, current_user.id)
    if saved is None:
        return _form_page(form, found, groups, problems=problems), 400
    db.session.commit()
    flash(_("Segment “%(name)s” saved: %(num)d people.", name=saved.name, num=saved.member_count), "success")
    return redirect(url_for(".segment", segment_id=saved.id))


def _posted_rows() -> list[list[Row]]:
    """The rows as typed: group g's row r is `g-r-field`, `g-r-op`, `g-r-value`."""
    groups = []
    for g in range(_count("groups", MAX_GROUPS)):
        rows = []
        for r in range(_count(f"rows-{g}", MAX_CONDITIONS + BLANK_ROWS)):
            values = [request.form.get(f"{g}-{r}-{part}", "")[:300] for part in ("field", "op", "value")]
            rows.append(Row(*values))
        groups.append(rows)
    return groups


def _count(name: str, most: int) -> int:
    value = request.form.get(name, "1")
    return max(1, min(int(value) if value.isdigit() else 1, most))


def _form_page(form: SegmentForm, found: Segment | None, groups: list[list[Row]], **extra: Any):
    shown = [[row for row in group if not row.blank] + [Row()] * BLANK_ROWS for group in groups]
    shown = [group[: MAX_CONDITIONS + BLANK_ROWS] for group in shown[:MAX_GROUPS]] or [[Row()] * BLANK_ROWS]
    return render_template(
        "developers/segment.html",
        segment=found,
        form=form,
        action_form=ActionForm(),
        groups=shown,
        fields=segments.FIELDS,
        op_labels=segments.OP_LABELS,
        size=segments.shown_size(found, _exact()) if found else None,
        minimum=MIN_SEGMENT_SIZE,
        describe=segments.describe,
        problems=extra.get("problems", []),
        preview=extra.get("preview"),
        may_edit=current_user.has_role("admin"),
    )
