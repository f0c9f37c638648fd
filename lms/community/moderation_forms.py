"""Forms of the code of conduct, flags and moderation (lms.community.views.moderation)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.community.models import FLAG_REASONS, REASON_LIMIT


class ConductForm(FlaskForm):
    """Accepting the code of conduct: a button; `next` is where to return."""

    next = HiddenField()


class FlagForm(FlaskForm):
    reason = SelectField(
        _l("Reason"), choices=FLAG_REASONS, validators=[DataRequired(_l("Choose a reason for the flag."))]
    )
    note = TextAreaField(_l("Note for the moderators (optional)"), validators=[Optional(), Length(max=REASON_LIMIT)])
    next = HiddenField()


class ModerationForm(FlaskForm):
    """One moderation action on a post, a thread or a member; the reason is required and logged."""

    action = HiddenField(validators=[DataRequired()])
    reason = StringField(
        _l("Reason (recorded in the moderation log)"),
        validators=[DataRequired(_l("Give a reason: it is recorded in the moderation log.")), Length(max=REASON_LIMIT)],
    )
    next = HiddenField()
