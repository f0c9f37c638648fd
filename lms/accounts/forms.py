"""Account forms; Flask-WTF adds the CSRF token to each."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from lms.accounts.services import MIN_PASSWORD
from lms.localtime import ZONES, zone_choices


class RegisterForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(
        _l("Repeat password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    # Filled by static/timezone.js with the browser's zone; missing or unknown means UTC (the service decides).
    timezone = HiddenField()
    # DECISIONS "Sign-up, in one sequence": the code of conduct is accepted on the form (its version is recorded).
    conduct = BooleanField(_l("I have read and accept the code of conduct"), render_kw={"required": True})
    submit = SubmitField(_l("Create account"))

    def validate_conduct(self, field: BooleanField) -> None:
        # Translated now, as a str: the error summary lists str messages (a lazy one would be left out).
        if not field.data:
            raise ValidationError(_("Please accept the code of conduct to join."))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    certificate_name = StringField(
        _l("Name on certificates"),
        validators=[Length(max=200)],
        description=_l("Printed on your certificates exactly as written. Leave empty to use your name."),
    )
    locale = SelectField(_l("Language"), choices=[("", _l("Browser default")), ("en", "English"), ("zh", "中文")])
    timezone = SelectField(
        _l("Time zone"),
        validate_choice=False,  # validate_timezone says what is wrong, in words
        description=_l("Dates and times are shown in this zone, and the times you enter are read in it."),
    )
    submit = SubmitField(_l("Save"))

    def offer_zones(self, current: str | None) -> ProfileForm:
        """The zones to choose from, grouped by region, with the saved one always among them."""
        groups = zone_choices(current)
        self.timezone.choices = [
            SelectChoice(zone, label, optgroup=group) for group, zones in groups for zone, label in zones
        ]
        return self

    def validate_timezone(self, field: SelectField) -> None:
        if field.data not in ZONES:
            raise ValidationError(_l("Unknown time zone; use a name like Europe/Berlin or Asia/Shanghai."))


def _stripped(value: str | None) -> str | None:
    return value.strip() if value else value


class ForgotPasswordForm(FlaskForm):
    # As at login, the lookup decides, not a syntax check: `email_validator` refuses addresses
    # accounts may have (the demo's *@academy.test, any made by the CLI).
    email = EmailField(_l("E-mail"), filters=[_stripped], validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class ResendVerificationForm(FlaskForm):
    """The login page's "send the link again", for a sign-up whose address is not confirmed yet."""

    email = HiddenField(validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send the link again"))


class ConfirmEmailForm(FlaskForm):
    """A button, so that opening the mailed link (or a mail scanner fetching it) changes nothing."""

    submit = SubmitField(_l("Confirm my address"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(
        _l("Repeat password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    submit = SubmitField(_l("Set password"))


class LanguageForm(FlaskForm):
    locale = SelectField(choices=[("en", "English"), ("zh", "中文")])
