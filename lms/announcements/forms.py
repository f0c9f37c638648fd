"""The announcement form (audience, title, Markdown body) and the dismiss button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.announcements.models import BODY_LIMIT, TITLE_LIMIT


class AnnouncementForm(FlaskForm):
    # The choices are the author's own (services.targets); a value outside them is answered 404 by
    # the view, as a course they do not teach would be, not with a form error.
    to = SelectField(_l("To"), choices=[], validate_choice=False)
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Give the announcement a title.")),
            Length(max=TITLE_LIMIT, message=_l("Keep the title under %(max)d characters.", max=TITLE_LIMIT)),
        ],
    )
    body = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(message=_l("Write the message.")),
            Length(
                max=BODY_LIMIT,
                message=_l("The message is too long: at most %(max)d characters.", max=BODY_LIMIT),
            ),
        ],
        description=_l("Markdown: **bold**, *italic*, lists, links and code."),
    )


class DismissForm(FlaskForm):
    """A learner's "Dismiss" button: only the CSRF token."""
