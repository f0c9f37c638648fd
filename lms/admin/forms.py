"""Admin forms."""

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired

from lms.accounts.models import ROLES


class UserRoleForm(FlaskForm):
    """One row of the users page: the role. Enabling and disabling have their own steps."""

    role = SelectField(choices=[(r, r) for r in ROLES], validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A confirmation step: nothing but its CSRF token."""
