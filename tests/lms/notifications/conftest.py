"""The app sending to the test's real SMTP server (the `smtp` fixture of tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def app(make_app, smtp):
    """Sending to the test's SMTP server: three tries, a minute's backoff doubled each time."""
    app = make_app(
        MAIL_URL=smtp.url, MAIL_MAX_TRIES=3, MAIL_RETRY_SECONDS=60, MAIL_FROM="Academy <academy@example.test>"
    )
    with app.app_context():
        yield app
