"""Learning forms: enroll and complete are CSRF-protected buttons; quizzes are built per quiz."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button that changes state (enroll, mark complete): only the CSRF token."""
