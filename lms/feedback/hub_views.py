"""The feedback hub's pages: its home, filing (with similar items), an item, voting, triage (list
and board), merging, the public "You asked, we did", and the redirects of the old report URLs."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.access import role_required
from lms.accounts.models import User
from lms.catalog import services as catalog
from lms.catalog.models import Course, Item
from lms.developers.services import audiences
from lms.extensions import db
from lms.feedback import hub
from lms.feedback.errors import FeedbackError
from lms.feedback.forms import STATUS_CHOICES, ActionForm, FileForm, MergeForm, ReplyForm, TriageForm
from lms.feedback.models import FEEDBACK_CATEGORIES, FEEDBACK_STATUSES, PRIORITIES, FeedbackItem
from lms.teaching.services import taught_courses

MIN_QUERY_CHARS = 3


def _course_choices() -> list[tuple[str, str]]:
    hidden = audiences.hidden_course_ids(current_user)
    return [("", _("None: about the platform"))] + [(c.slug, c.title) for c in catalog.list_courses(hidden=hidden)]


def new():
    form = FileForm()
    form.course.choices = _course_choices()
    if request.method == "GET":
        form.title.data = request.args.get("title", "")[:200]
        form.course.data = request.args.get("course", "")
    if form.validate_on_submit():
        course = audiences.visible_course(current_user, form.course.data) if form.course.data else None
        try:
            item = hub.file_item(current_user, form.category.data, form.title.data, form.body.data or "", course=course)
            db.session.commit()
        except FeedbackError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Thank you! Others can now vote for it; you hear of every change."), "success")
            return redirect(url_for("feedback.item", item_id=item.id))
    query = form.title.data or ""
    found = hub.similar(current_user, query) if len(query.strip()) >= MIN_QUERY_CHARS else []
    return render_template(
        "feedback/hub/new.html",
        form=form,
        found=found,
        voted=hub.voted_ids(current_user, [s.item.id for s in found]),
        vote_form=ActionForm(),
    )


def similar():
    """Open items like the title being typed: an HTML fragment (the filing page's script asks)."""
    query = " ".join(request.args.get("q", "").split())[:200]
    found = hub.similar(current_user, query) if len(query) >= MIN_QUERY_CHARS else []
    return render_template(
        "feedback/hub/_similar.html",
        found=found,
        voted=hub.voted_ids(current_user, [s.item.id for s in found]),
        vote_form=ActionForm(),
    )


def _names(ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())


def item(item_id: int):
    found = hub.readable_item(current_user, item_id) or abort(404)
    form = ReplyForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                hub.add_message(found, current_user, form.body.data)
                db.session.commit()
                return redirect(url_for("feedback.item", item_id=found.id, _anchor="messages"))
            except FeedbackError as exc:
                db.session.rollback()
                flash(str(exc), "error")
        else:
            flash(_("Write a message first."), "error")
    staff = hub.may_triage(current_user, found)
    triage_form = merge_form = None
    if staff:
        triage_form = TriageForm(
            formdata=None,
            status=found.status,
            priority=found.priority or "",
            owner=str(found.owner_id or ""),
            outcome=found.outcome,
            public=found.public,
        )
        triage_form.owner.choices = [("", _("Nobody yet"))] + [
            (str(u.id), u.display_name) for u in hub.owner_choices(found)
        ]
        merge_form = MergeForm(formdata=None)
    # Names: staff see who wrote; others see staff and the reporter's own messages, never other people's names.
    changes = hub.history(found) if staff else []
    names = _names(
        {m.author_id for m in found.messages} | {c.actor_id for c in changes} | {found.reporter_id, found.owner_id}
    )
    return render_template(
        "feedback/hub/item.html",
        item=found,
        course=db.session.get(Course, found.course_id) if found.course_id else None,
        linked=db.session.get(Item, found.item_id) if found.item_id else None,
        target=db.session.get(FeedbackItem, found.duplicate_of_id) if found.duplicate_of_id else None,
        names=names,
        form=form,
        may_write=staff or (found.reporter_id is not None and found.reporter_id == current_user.id),
        staff=staff,
        triage_form=triage_form,
        merge_form=merge_form,
        vote_form=ActionForm(),
        voted=found.id in hub.voted_ids(current_user, [found.id]),
        history=changes,
        overdue=hub.is_overdue(found),
        due=hub.due_at(found),
    )


def vote(item_id: int):
    found = hub.readable_item(current_user, item_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        hub.vote(current_user, found)
        db.session.commit()
        flash(_("Vote counted: you follow this item now."), "success")
    except FeedbackError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("feedback.item", item_id=found.id))


def _staff_item(item_id: int) -> FeedbackItem:
    found = db.session.get(FeedbackItem, item_id)
    if found is None or not hub.may_triage(current_user, found):
        abort(404)
    return found


def triage(item_id: int):
    found = _staff_item(item_id)
    form = TriageForm()
    form.owner.choices = [("", "")] + [(str(u.id), u.display_name) for u in hub.owner_choices(found)]
    if found.status == "duplicate":
        form.status.choices = [*STATUS_CHOICES, ("duplicate", "")]
    if not form.validate_on_submit():
        flash(_("Check the triage fields and try again."), "error")
        return redirect(url_for("feedback.item", item_id=found.id))
    owner = int(form.owner.data) if (form.owner.data or "").isdigit() else None
    try:
        changed = hub.triage(
            found,
            current_user,
            status=form.status.data,
            priority=form.priority.data or None,
            owner_id=owner,
            outcome=form.outcome.data or "",
            public=bool(form.public.data),
        )
        db.session.commit()
    except FeedbackError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("feedback.item", item_id=found.id))


def merge(item_id: int):
    found = _staff_item(item_id)
    form = MergeForm()
    if not form.validate_on_submit():
        flash(_("Give the item's number."), "error")
        return redirect(url_for("feedback.item", item_id=found.id))
    target = db.session.get(FeedbackItem, form.target.data)
    if target is None or not hub.may_triage(current_user, target):
        flash(_("There is no item #%(id)s that you triage.", id=form.target.data), "error")
        return redirect(url_for("feedback.item", item_id=found.id))
    try:
        hub.merge(found, target, current_user)
        db.session.commit()
    except FeedbackError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("feedback.item", item_id=found.id))
    flash(_("Merged: its votes and followers moved to #%(id)s.", id=target.id), "success")
    return redirect(url_for("feedback.item", item_id=target.id))


@role_required("instructor")
def triage_list():
    filters = hub.Filters.parse(request.args)
    view = "board" if request.args.get("view") == "board" else "list"
    rows = hub.triage_list(current_user, filters)
    courses = {
        c.id: c
        for c in db.session.scalars(select(Course).where(Course.id.in_({r.course_id for r in rows if r.course_id})))
    }
    if current_user.role == "admin":
        scope_courses = list(db.session.scalars(select(Course).order_by(Course.title)))
    else:
        scope_courses = taught_courses(current_user)
    owners = _names({r.owner_id for r in rows})
    staff = hub.owner_choices(FeedbackItem())  # the admins; course staff who own items come from `owners`
    return render_template(
        "feedback/hub/triage.html",
        rows=rows,
        filters=filters,
        view=view,
        courses=courses,
        scope_courses=scope_courses,
        owners=owners,
        owner_choices=sorted({(u.id, u.display_name) for u in staff} | set(owners.items()), key=lambda p: p[1]),
        statuses=FEEDBACK_STATUSES,
        categories=FEEDBACK_CATEGORIES,
        priorities=PRIORITIES,
        overdue={r.id for r in rows if hub.is_overdue(r)},
        timing=hub.response_time(hub.metric_items(current_user)),
        args=request.args,
    )


def we_did():
    """Public (no login): done items and what came of them, newest first, no names."""
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    rows, more = hub.we_did(current_user, number)
    return render_template("feedback/hub/we_did.html", rows=rows, page=number, more=more)


def old_report(report_id: int):
    """Item reports moved into the hub (migration 0404); their links in mails and notifications live on."""
    moved = hub.moved_report(report_id) or abort(404)
    return redirect(url_for("feedback.item", item_id=moved.id), code=301)


@role_required("instructor")
def old_inbox():
    return redirect(url_for("feedback.triage_list"), code=301)


def register_hub_routes(bp: Blueprint) -> None:
    """Attach the hub's routes to the feedback blueprint."""
    bp.add_url_rule("/new", view_func=login_required(new), methods=["GET", "POST"])
    bp.add_url_rule("/similar", view_func=login_required(similar))
    bp.add_url_rule("/items/<int:item_id>", view_func=login_required(item), methods=["GET", "POST"])
    bp.add_url_rule("/items/<int:item_id>/vote", view_func=login_required(vote), methods=["POST"])
    bp.add_url_rule("/items/<int:item_id>/triage", view_func=login_required(triage), methods=["POST"])
    bp.add_url_rule("/items/<int:item_id>/merge", view_func=login_required(merge), methods=["POST"])
    bp.add_url_rule("/triage", view_func=triage_list)
    bp.add_url_rule("/we-did", view_func=we_did)
    bp.add_url_rule("/reports/<int:report_id>", view_func=old_report)
    bp.add_url_rule("/reports", view_func=old_inbox, endpoint="inbox")
