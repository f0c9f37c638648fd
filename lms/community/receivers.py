"""The community's own signals (lms.signals: asked, replied, accepted, mentioned, moderated), sent by
its services in the request's transaction: the learning-event log entries and the notifications they
make, added in that same transaction (flush only), so a rolled-back post leaves neither."""

from __future__ import annotations

from typing import Any

from flask import Flask

from lms.accounts.models import User
from lms.community.models import ModerationLog, Post, Thread
from lms.community.services import events, notices
from lms.signals import answer_accepted, members_mentioned, post_moderated, post_replied, thread_asked


def connect(app: Flask) -> None:
    """Called by create_app. Blinker signals are process-wide and keep one connection per
    receiver, so the next app built in this process connects nothing twice."""
    thread_asked.connect(on_thread_asked)
    post_replied.connect(on_post_replied)
    answer_accepted.connect(on_answer_accepted)
    members_mentioned.connect(on_members_mentioned)
    post_moderated.connect(on_post_moderated)


def on_thread_asked(thread: Thread, **_: Any) -> None:
    """The asker's event (the asker follows the thread already: nobody else to tell)."""
    events.record_asked(thread)


def on_post_replied(post: Post, **_: Any) -> None:
    """The answerer's event when the reply is an answer; the thread's followers told."""
    events.record_answer(post)
    notices.tell_followers(post)


def on_answer_accepted(thread: Thread, accepted_by: User | None = None, **_: Any) -> None:
    """The answerer's event and notification."""
    events.record_accepted(thread, accepted_by)
    notices.tell_accepted(thread, accepted_by)


def on_members_mentioned(post: Post, users: list[User] | None = None, **_: Any) -> None:
    notices.tell_mentioned(post, users or [])


def on_post_moderated(entry: ModerationLog, **_: Any) -> None:
    notices.tell_moderated(entry)
