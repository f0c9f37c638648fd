"""Posting forms: asking (title, kind, Markdown body, tags), replying, editing, marking a duplicate,
and the buttons that only carry the CSRF token. Limits are the services' (their messages name them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired

from lms.community.models import ThreadKind

BODY_HINT = _l("Markdown: **bold**, `code`, ``` for code blocks, links. Mention a member with @TheirName.")


class ButtonForm(FlaskForm):
    """A button that changes state (follow, delete): only the CSRF token."""


class AskForm(FlaskForm):
    title = StringField(_l("Title"), id="thread-title", render_kw={"maxlength": 200, "autocomplete": "off"})
    kind = RadioField(
        _l("Kind"),
        choices=[
            (ThreadKind.QUESTION.value, _l("Question: you want an answer")),
            (ThreadKind.DISCUSSION.value, _l("Discussion: you want to talk it over")),
        ],
        default=ThreadKind.QUESTION.value,
        validators=[InputRequired(message=_l("Choose a question or a discussion."))],
    )
    body = TextAreaField(_l("Your post"), description=BODY_HINT, render_kw={"rows": 10})
    tags = StringField(
        _l("Tags (optional)"),
        description=_l("Up to 5 single words, separated by spaces or commas."),
        render_kw={"autocomplete": "off"},
    )
    item = HiddenField()
    module = HiddenField()


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), description=BODY_HINT, render_kw={"rows": 6})


class EditForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": 200})
    body = TextAreaField(_l("Post"), description=BODY_HINT, render_kw={"rows": 10})


class DuplicateForm(FlaskForm):
    original = StringField(
        _l("Duplicate of"),
        description=_l("The number or the address of the thread this one repeats."),
        render_kw={"autocomplete": "off"},
    )
