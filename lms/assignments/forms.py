"""Assignment forms: upload, manual marks, extensions, regrades (each change with a reason field)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.assignments.audit import REASON_MAX

if TYPE_CHECKING:
    from lms.accounts.models import User


class UploadForm(FlaskForm):
    """The completed notebook; every content check is in the service, each with its message."""

    notebook = FileField(_l("Completed notebook (.ipynb)"), validators=[FileRequired(_l("Choose a notebook file."))])


class RegradeForm(FlaskForm):
    """Regrade one submission or all: an optional reason for the audit trail."""

    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=REASON_MAX)])


class ManualGradeForm(FlaskForm):
    """Points and a comment for one manually graded cell."""

    grade_id = HiddenField(validators=[DataRequired()])
    points = DecimalField(_l("Points"), places=None, validators=[InputRequired(), NumberRange(min=0)])
    comment = TextAreaField(_l("Comment for the learner"), validators=[Optional(), Length(max=4000)])
    # Needed (by the service) only to change points already given; kept for instructors, never shown to learners.
    reason = StringField(_l("Reason for a change"), validators=[Optional(), Length(max=REASON_MAX)])


class ExtensionForm(FlaskForm):
    """A later due date for one learner, typed in the instructor's time zone. The learner is a
    dropdown, the form's only `learner_id` (a hidden field of the same name before it would be
    posted first and win); whether the id is a known, enrolled learner is the service's check,
    each refusal with its own message."""

    learner_id = SelectField(
        _l("Learner"), choices=[], validate_choice=False, validators=[InputRequired(_l("Choose a learner."))]
    )
    due_at = DateTimeLocalField(
        _l("New due date"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Enter the new due date as a date and a time."))],
    )
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=REASON_MAX)])

    def offer(self, learners: Iterable[User]) -> ExtensionForm:
        """Fill the dropdown with these learners (name and e-mail); returns the form."""
        self.learner_id.choices = [SelectChoice(str(u.id), f"{u.display_name} ({u.email})") for u in learners]
        return self
