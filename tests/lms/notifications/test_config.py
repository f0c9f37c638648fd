"""MAIL_URL is read at start: what it says, and a clear refusal of one that cannot work."""

from __future__ import annotations

import pytest

from lms.config import ConfigError, parse_mail_url


def test_mail_urls():
    assert parse_mail_url("") is None
    assert parse_mail_url("smtp://ann:p%40ss@mail.example.test:587?starttls=true") == {
        "scheme": "smtp",
        "host": "mail.example.test",
        "port": 587,
        "username": "ann",
        "password": "p@ss",
        "starttls": True,
    }
    smtps = parse_mail_url("smtps://mail.example.test")
    assert (smtps["port"], smtps["starttls"], smtps["username"]) == (465, False, "")
    assert parse_mail_url("smtp://localhost")["port"] == 25


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://mail.example.test", "must start with smtp:// or smtps://"),
        ("mail.example.test:25", "must start with smtp:// or smtps://"),
        ("smtp://", "names no host"),
        ("smtp://user:secret@mail.example.test:99999", "not a valid URL"),
        ("smtp://mail.example.test?tls=yes", "unknown options: tls"),
        ("smtp://mail.example.test?starttls=maybe", "starttls must be true or false"),
        ("smtps://mail.example.test?starttls=true", "smtps:// is TLS from the start"),
    ],
)
def test_a_bad_mail_url_is_refused_with_what_is_wrong(url, said):
    with pytest.raises(ConfigError, match=said) as raised:
        parse_mail_url(url)
    assert "secret" not in str(raised.value)


def test_the_app_refuses_to_start_with_a_bad_mail_url(make_app):
    with pytest.raises(ConfigError, match="MAIL_URL"):
        make_app(MAIL_URL="smtp//mail.example.test")


@pytest.mark.parametrize("hour", [24, -1, "eight"])
def test_the_app_refuses_to_start_with_a_digest_hour_that_is_no_hour(make_app, hour):
    with pytest.raises(ConfigError, match="DIGEST_HOUR must be an hour from 0 to 23"):
        make_app(DIGEST_HOUR=hour)


def test_the_digest_hour_is_read_from_the_environment(monkeypatch):
    from lms.config import load_config

    monkeypatch.setenv("DIGEST_HOUR", "7")
    assert load_config({"SECRET_KEY": "x"})["DIGEST_HOUR"] == 7
    monkeypatch.setenv("DIGEST_HOUR", "8am")
    with pytest.raises(ConfigError, match="not '8am'"):
        load_config({"SECRET_KEY": "x"})
