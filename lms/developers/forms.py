"""The developer profile form; every field is optional, and the service checks each one again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.developers.models import DEVELOPER_TYPES
from lms.developers.services.profiles import LIMITS, MAX_YEARS, TYPE_LABELS, country_choices, tag_names


class ProfileForm(FlaskForm):
    # validate_choice=False: the service says which value is unknown, in words.
    developer_type = SelectField(_l("What kind of developer are you?"), validate_choice=False)
    organisation = StringField(_l("Organisation"), validators=[Length(max=LIMITS["organisation"])])
    job_role = StringField(_l("Role"), validators=[Length(max=LIMITS["job_role"])])
    interests = SelectMultipleField(
        _l("Interests"),
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l("We use them to order equally good next steps on your dashboard."),
    )
    main_language = StringField(_l("Main programming language"), validators=[Length(max=LIMITS["main_language"])])
    stack = StringField(
        _l("Stack"), validators=[Length(max=LIMITS["stack"])], description=_l("For example: Flask, PostgreSQL, React.")
    )
    years_experience = IntegerField(
        _l("Years of experience"),
        validators=[Optional(), NumberRange(0, MAX_YEARS, _l("Between 0 and %(max)s, please."))],
        render_kw={"min": 0, "max": MAX_YEARS, "inputmode": "numeric"},
    )
    country = SelectField(_l("Country"), validate_choice=False)
    submit = SubmitField(_l("Save"))

    def offer_choices(self, locale: str | None) -> ProfileForm:
        """The types, the catalog's tags and the countries named in the reader's language."""
        none = SelectChoice("", _l("Prefer not to say"))
        self.developer_type.choices = [none] + [SelectChoice(t, TYPE_LABELS[t]) for t in DEVELOPER_TYPES]
        self.interests.choices = [SelectChoice(t, t) for t in tag_names()]
        self.country.choices = [none] + [SelectChoice(code, name) for code, name in country_choices(locale)]
        return self


class SkipForm(FlaskForm):
    """The step's "Not now" button: only the CSRF token is checked."""

    skip = SubmitField(_l("Not now"))
