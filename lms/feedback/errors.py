"""The feedback domain's refusal: surveys, reports and the hub raise it, views flash its message."""

from lms.errors import UserError


class FeedbackError(UserError):
    """A feedback action that cannot be accepted; the message is for people."""
