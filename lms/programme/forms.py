"""The targets form (admins)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from lms.programme.services.targets import TARGET_METRICS


class TargetForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    metric = SelectField(_l("Metric"), choices=[(k, label) for k, (label, _low, _high) in TARGET_METRICS.items()])
    value = IntegerField(_l("Target"), validators=[InputRequired()])
    submit = SubmitField(_l("Save target"))


class RemoveTargetForm(FlaskForm):
    year = HiddenField(validators=[InputRequired()])
    metric = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Remove"))
