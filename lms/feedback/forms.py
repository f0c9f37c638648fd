"""Feedback forms: the survey's standard questions, replies, and the report-a-problem form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
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


CATEGORY_CHOICES = [
    ("feature_request", _l("Feature request")),
    ("technical_problem", _l("Technical problem")),
    ("usage_suggestion", _l("Suggestion for use")),
    ("content_error", _l("Error in content")),
    ("course_request", _l("Course or workshop request")),
]
STATUS_CHOICES = [
    ("new", _l("New")),
    ("triaged", _l("Under review")),
    ("planned", _l("Planned")),
    ("in_progress", _l("In progress")),
    ("done", _l("Done")),
    ("declined", _l("Not planned")),
]


class FileForm(FlaskForm):
    """File an item in the hub; the view fills the course choices."""

    category = SelectField(_l("What is it?"), choices=CATEGORY_CHOICES)
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Give a title of 5 to 200 characters.")), Length(min=5, max=200)],
        description=_l("Similar open items appear as you type: vote for one instead of filing it twice."),
    )
    body = TextAreaField(_l("Details"), validators=[Length(max=4000)])
    course = SelectField(_l("Course (optional)"), choices=[], validate_choice=False)


class TriageForm(FlaskForm):
    """A triager's changes to one item; owner choices are the item's staff (filled by the view)."""

    status = SelectField(_l("Status"), choices=STATUS_CHOICES)
    priority = SelectField(
        _l("Priority"),
        choices=[("", _l("Not set")), ("P1", "P1"), ("P2", "P2"), ("P3", "P3"), ("P4", "P4")],
    )
    owner = SelectField(_l("Owner"), choices=[], validate_choice=False)
    outcome = TextAreaField(
        _l("Outcome"),
        validators=[Length(max=1000)],
        description=_l("Needed to close as done or not planned, e.g. “fixed in lesson 3”. Shown publicly."),
    )
    public = BooleanField(_l("Public: every signed-in person may read and vote"))


class MergeForm(FlaskForm):
    target = IntegerField(_l("Merge into item number"), validators=[InputRequired(_l("Give the item's number."))])
