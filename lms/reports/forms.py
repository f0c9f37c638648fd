"""Report filters (a GET form, no CSRF: it changes nothing) and API-token forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from lms.catalog.models import TIERS
from lms.reports.query import STATUSES, ReportFilter

TIER_LABELS = {"beginner": _l("Beginner"), "intermediate": _l("Intermediate"), "advanced": _l("Advanced")}
STATUS_LABELS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "exam_remaining": _l("Exam remaining"),
    "completed": _l("Completed"),
}


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(_l("Not a valid choice.")) from None


class ReportFilterForm(FlaskForm):
    """Team and course lists hold what the viewer may see; a forged id is refused by the service."""

    class Meta:
        csrf = False

    team_id = SelectField(_l("Team"), coerce=_int_or_none, validate_choice=False, validators=[Optional()])
    course_id = SelectField(_l("Course"), coerce=_int_or_none, validate_choice=False, validators=[Optional()])
    tier = SelectField(_l("Tier"), choices=[("", _l("All tiers")), *TIER_LABELS.items()], validators=[Optional()])
    status = SelectField(
        _l("Status"), choices=[("", _l("Any status")), *STATUS_LABELS.items()], validators=[Optional()]
    )
    enrolled_from = DateField(_l("Enrolled from"), validators=[Optional()])
    enrolled_to = DateField(_l("Enrolled to"), validators=[Optional()])
    submit = SubmitField(_l("Apply filters"))

    def set_choices(self, teams: list[tuple[int, str]], courses: list[tuple[int, str]]) -> None:
        """Fill the team and course lists (ids as strings, as the browser sends them)."""
        self.team_id.choices = [("", _l("All my teams"))] + [(str(i), n) for i, n in teams]
        self.course_id.choices = [("", _l("All courses"))] + [(str(i), n) for i, n in courses]

    def validate_enrolled_to(self, field) -> None:
        if field.data and self.enrolled_from.data and field.data < self.enrolled_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def to_filter(self) -> ReportFilter:
        """The validated form as a ReportFilter (call after validate())."""
        return ReportFilter(
            team_id=self.team_id.data,
            course_id=self.course_id.data,
            tier=self.tier.data if self.tier.data in TIERS else None,
            status=self.status.data if self.status.data in STATUSES else None,
            enrolled_from=self.enrolled_from.data,
            enrolled_to=self.enrolled_to.data,
        )


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("What the token is for, e.g. “Nightly HR sync”."),
    )
    submit = SubmitField(_l("Create token"))


class RevokeForm(FlaskForm):
    """Revoke button: only the CSRF token."""
