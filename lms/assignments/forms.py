"""Assignment forms: upload, manual marks, extensions, and plain CSRF buttons."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, DecimalField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class UploadForm(FlaskForm):
    """The completed notebook; every content check is in the service, each with its message."""

    notebook = FileField(_l("Completed notebook (.ipynb)"), validators=[FileRequired(_l("Choose a notebook file."))])


class ActionForm(FlaskForm):
    """A button that changes state (regrade): only the CSRF token."""


class ManualGradeForm(FlaskForm):
    """Points and a comment for one manually graded cell."""

    grade_id = HiddenField(validators=[DataRequired()])
    points = DecimalField(_l("Points"), places=None, validators=[InputRequired(), NumberRange(min=0)])
    comment = TextAreaField(_l("Comment for the learner"), validators=[Optional(), Length(max=4000)])


class ExtensionForm(FlaskForm):
    """A later due date for one learner (UTC)."""

    learner_id = HiddenField(validators=[DataRequired()])
    due_at = DateTimeLocalField(_l("New due date (UTC)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
