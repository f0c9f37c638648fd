"""Certification forms: verify upload, award and revoke by hand, and CSRF-only action buttons."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.certification.services import MAX_REASON


class ActionForm(FlaskForm):
    """A state-changing button (start the exam, submit answers): only the CSRF token."""


class VerifyUploadForm(FlaskForm):
    """Upload a certificate PDF to check its signature and credential."""

    class Meta:
        csrf = False  # public, changes nothing; CSRF would parse a huge body before we can refuse it

    pdf = FileField(_l("Certificate PDF"), validators=[FileRequired(_l("Choose a PDF file to check."))])


class LookupForm(FlaskForm):
    """Look a certificate up by the ID printed on it."""

    class Meta:
        csrf = False

    certificate_id = StringField(_l("Certificate ID"), validators=[DataRequired(), Length(max=40)])


class AwardForm(FlaskForm):
    """An instructor or admin awards a course or track certificate by hand."""

    email = EmailField(_l("Learner's e-mail"), validators=[DataRequired(), Length(max=254)])
    subject = SelectField(_l("Certificate"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=MAX_REASON)])


class RevokeForm(FlaskForm):
    """Revoke with a reason (kept, and shown on the public verify page)."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=MAX_REASON)])
