"""Forms: the learner's goal tier, a new learning path, and assigning a path."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

TIER_CHOICES = [("beginner", _l("Beginner")), ("intermediate", _l("Intermediate")), ("advanced", _l("Advanced"))]
PATH_ROWS = 6


class GoalForm(FlaskForm):
    tier = SelectField(_l("My goal"), choices=TIER_CHOICES, validators=[DataRequired()])


class PathStepForm(Form):
    """One course of a path; the course choices are filled in by the view."""

    course = SelectField(_l("Course"), choices=[], validate_choice=False)
    due = DateField(_l("Due"), validators=[Optional()])


class PathForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    steps = FieldList(FormField(PathStepForm), min_entries=PATH_ROWS, max_entries=PATH_ROWS)


class AssignForm(FlaskForm):
    team = SelectField(_l("Team"), coerce=int, choices=[], validate_choice=False)
    learner = StringField(_l("Or one learner's e-mail"), validators=[Optional(), Email(), Length(max=254)])
