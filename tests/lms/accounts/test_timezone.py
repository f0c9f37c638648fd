"""The learner's time zone: the browser's at sign-up (UTC when missing or unknown, never a refusal),
shown and changed in the profile from a list of IANA zones, bad input refused with a clear message."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from tests.factories import login, make_user


def _sign_up(client, **extra: str):
    data = {"email": "new@example.com", "display_name": "New", "password": "a long password 1"}
    return client.post("/register", data={**data, "confirm": data["password"], "conduct": "y", **extra})


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ({"timezone": "America/New_York"}, "America/New_York"),
        ({"timezone": "Asia/Kolkata"}, "Asia/Kolkata"),
        ({"timezone": "Mars/Olympus"}, "UTC"),  # a browser's nonsense
        ({"timezone": ""}, "UTC"),  # a browser without Intl, or the script blocked
        ({}, "UTC"),  # an old page without the field
    ],
)
def test_sign_up_stores_the_browsers_zone_or_utc(client, sent, stored, caplog):
    with caplog.at_level(logging.INFO, logger="lms.accounts.services"):
        response = _sign_up(client, **sent)
    assert response.status_code == 302  # signed up and redirected, whatever the zone said
    user = db.session.scalars(select(User).where(User.email == "new@example.com")).one()
    assert user.timezone == stored
    assert ("time zone" in caplog.text) == (sent.get("timezone") != stored)


def test_the_sign_up_form_carries_the_field_and_its_external_script(client):
    page = client.get("/register").text
    assert '<form method="post" novalidate data-detect-timezone>' in page
    assert '<input id="timezone" name="timezone" type="hidden" value="">' in page
    assert '<script src="/static/timezone.js" defer></script>' in page
    assert "<script>" not in page  # strict CSP: no inline script
    script = client.get("/static/timezone.js").text
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in script


def test_the_profile_shows_the_zone_as_a_choice_and_saves_a_new_one(client):
    user = make_user(email="me@example.com")
    user.timezone = "America/New_York"
    db.session.commit()
    login(client, user.email)
    page = client.get("/profile").text
    assert '<select aria-describedby="timezone-hint" id="timezone" name="timezone">' in page  # the hint is tied to it
    assert '<optgroup label="Europe">' in page and '<option value="Europe/Berlin">Europe/Berlin</option>' in page
    assert '<option selected value="America/New_York">America/New York</option>' in page
    data = {"display_name": "Me", "certificate_name": "", "locale": "", "timezone": "Europe/Berlin"}
    assert client.post("/profile", data=data).status_code == 302
    db.session.refresh(user)
    assert user.timezone == "Europe/Berlin"
    assert '<option selected value="Europe/Berlin">' in client.get("/profile").text


def test_a_legacy_zone_name_stays_selectable(client):
    user = make_user(email="old@example.com")
    user.timezone = "US/Eastern"  # valid IANA alias, not in the regional lists
    db.session.commit()
    login(client, user.email)
    assert '<option selected value="US/Eastern">US/Eastern</option>' in client.get("/profile").text


@pytest.mark.parametrize("bad", ["Mars/Olympus", "", "localtime", "Europe/Berlin<script>", "x" * 300])
def test_a_bad_zone_is_refused_clearly_and_nothing_is_saved(client, bad):
    user = make_user(email="me@example.com", name="Mei")
    user.timezone = "Asia/Shanghai"
    db.session.commit()
    login(client, user.email)
    data = {"display_name": "Changed", "certificate_name": "", "locale": "", "timezone": bad}
    response = client.post("/profile", data=data)
    assert response.status_code == 200
    assert "Unknown time zone; use a name like Europe/Berlin or Asia/Shanghai." in response.text
    assert 'value="Changed"' in response.text  # what was typed is kept on the form
    assert "<script>" not in response.text.split("<main", 1)[1]
    db.session.refresh(user)
    assert (user.display_name, user.timezone) == ("Mei", "Asia/Shanghai")
