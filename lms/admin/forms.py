"""Admin forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from lms.accounts.models import ROLES


class UserAccessForm(FlaskForm):
    role = SelectField(choices=[(r, r) for r in ROLES], validators=[DataRequired()])
    active = BooleanField()
