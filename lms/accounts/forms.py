"""Account forms; Flask-WTF adds the CSRF token to each."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from lms.accounts.services import MIN_PASSWORD, TIMEZONES

COMMON_TIMEZONES = sorted(TIMEZONES)


class RegisterForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(
        _l("Repeat password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    submit = SubmitField(_l("Create account"))


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
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Save"))

    def validate_timezone(self, field: StringField) -> None:
        if field.data not in TIMEZONES:
            raise ValidationError(_l("Unknown time zone; use a name like Europe/Berlin or Asia/Shanghai."))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(
        _l("Repeat password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    submit = SubmitField(_l("Set password"))


class LanguageForm(FlaskForm):
    locale = SelectField(choices=[("en", "English"), ("zh", "中文")])
