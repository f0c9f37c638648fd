"""Learning forms: enroll and complete are CSRF-protected buttons; quizzes are built per quiz."""

from flask import abort
from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button that changes state (enroll, mark complete): only the CSRF token."""


def choice_indexes(values: list[str]) -> list[int]:
    """The option indexes a quiz question's checkboxes sent (the first 20); 400 if one is not a number."""
    if any(not v.isdigit() for v in values[:20]):
        abort(400)
    return [int(v) for v in values[:20]]
