"""Queue tasks of accounts: mailing a reset or confirmation link asked for by address.

The web request only enqueues, so its answer costs the same whether or not the address has an
account (no timing difference to probe); the worker looks the address up and records the link."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app

from lms.accounts import services
from lms.extensions import db, queue

log = logging.getLogger(__name__)

# The page each kind of link opens.
LINK_ENDPOINTS = {services.RESET: "accounts.reset", services.VERIFY: "accounts.verify"}


def link_path(purpose: str) -> Callable[[str], str]:
    """The path of a mailed link from its token, in a request or not (the mail adds ACADEMY_BASE_URL)."""
    adapter = current_app.url_map.bind("localhost")
    return lambda token: adapter.build(LINK_ENDPOINTS[purpose], {"token": token})


@queue.task
def mail_account_link(purpose: str, email: str) -> str:
    """Record and mail a one-time link of `purpose` if the address has an account that may have
    one (active; for a confirmation, still unconfirmed); nothing otherwise."""
    link = link_path(purpose)
    if purpose == services.RESET:
        mailed = services.request_password_reset(email, link) is not None
    else:
        mailed = services.resend_verification(email, link)
    db.session.commit()
    return "mailed" if mailed else "nothing to mail"


def ask_for_link(purpose: str, email: str) -> None:
    """Enqueue `mail_account_link`. With the queue down the link is made in the request instead:
    the person gets their mail, at the price of the timing difference the queue hides."""
    try:
        queue.enqueue(mail_account_link, purpose, services.normalize_email(email))
    except Exception as exc:
        log.warning("queue unavailable (%s: %s): the %s link is made in the request", type(exc).__name__, exc, purpose)
        mail_account_link(purpose, services.normalize_email(email))
