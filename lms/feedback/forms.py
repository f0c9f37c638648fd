"""Feedback forms: the survey's standard questions, replies, and the report-a-problem form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length


class SurveyForm(FlaskForm):
    """CSAT and NPS; custom questions are read from the request by the view (their ids vary)."""

    csat = RadioField(
        _l("How satisfied are you overall?"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        validators=[InputRequired(_l("Choose 1 to 5."))],
    )
    nps = RadioField(
        _l("How likely are you to recommend it to a fellow developer?"),
        choices=[(str(n), str(n)) for n in range(0, 11)],
        validators=[InputRequired(_l("Choose 0 to 10."))],
    )
    comment = TextAreaField(_l("Anything you want to tell the instructors?"), validators=[Length(max=4000)])


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=4000)])


class ReportForm(FlaskForm):
    kind = SelectField(_l("What is it?"), choices=[("problem", _l("A problem")), ("suggestion", _l("A suggestion"))])
    body = TextAreaField(
        _l("Details"),
        validators=[DataRequired(), Length(min=5, max=4000)],
        description=_l("Your course's instructors get it and answer here."),
    )


class ActionForm(FlaskForm):
    """A state-changing button (close a report): only the CSRF token."""
