"""Workshop forms: instructors edit workshops and sessions; learners press CSRF-protected buttons."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lms.localtime import ZONES

_TAG = re.compile(r"^[a-z0-9][a-z0-9+.#-]{0,49}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class ActionForm(FlaskForm):
    """A state-changing button (register, cancel, reset feed): only the CSRF token."""


class WorkshopForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"), validators=[DataRequired(), Length(max=20_000)], description=_l("Markdown.")
    )
    tier = SelectField(
        _l("Tier"),
        choices=[("beginner", _l("Beginner")), ("intermediate", _l("Intermediate")), ("advanced", _l("Advanced"))],
    )
    tags = StringField(
        _l("Tags"), validators=[Length(max=500)], description=_l("Comma-separated, e.g. rag, embeddings")
    )
    course = SelectField(_l("Linked course"), choices=[], validate_choice=True)
    instructors = StringField(
        _l("Instructors"), validators=[Length(max=2000)], description=_l("E-mails, comma-separated; you are added.")
    )
    materials = TextAreaField(
        _l("Materials"),
        validators=[Length(max=5000)],
        description=_l("One per line: Title | https://link. Attendees see them after their session."),
    )
    audience = SelectField(
        _l("Who can see it"),
        choices=[
            ("public", _l("Everyone")),
            ("signed_in", _l("Signed-in people")),
            ("limited", _l("Segment or team members")),
        ],
        default="public",
        description=_l("People already registered keep their seats and access when you narrow it."),
    )
    audience_segments = StringField(
        _l("Segments"), validators=[Length(max=2000)], description=_l("Segment names, comma-separated.")
    )
    audience_teams = StringField(
        _l("Teams"), validators=[Length(max=2000)], description=_l("Team names, comma-separated.")
    )
    submit = SubmitField(_l("Save workshop"))

    def validate_audience(self, field: SelectField) -> None:
        named = split_names(self.audience_segments.data) or split_names(self.audience_teams.data)
        if field.data == "limited" and not named:
            raise ValidationError(_l("Name at least one segment or team, or choose another audience."))
        if field.data != "limited" and named:
            raise ValidationError(_l("Segments and teams only apply to “Segment or team members”."))

    def validate_tags(self, field: StringField) -> None:
        bad = [t for t in split_list(field.data) if not _TAG.match(t)]
        if bad:
            raise ValidationError(_l("Tags are lowercase words: %(bad)s", bad=", ".join(bad)))

    def validate_instructors(self, field: StringField) -> None:
        bad = [e for e in split_list(field.data) if not _EMAIL.match(e)]
        if bad:
            raise ValidationError(_l("Not an e-mail: %(bad)s", bad=", ".join(bad)))

    def validate_materials(self, field: TextAreaField) -> None:
        try:
            parse_materials(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class SessionForm(FlaskForm):
    title = StringField(
        _l("Session name"), validators=[Optional(), Length(max=200)], description=_l("e.g. EMEA edition")
    )
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])
    start = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    end = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    registration_closes = DateTimeLocalField(
        _l("Registration closes"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l("Local time; empty means at the start."),
    )
    online_url = StringField(_l("Online link"), validators=[Optional(), Length(max=500)])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    capacity = IntegerField(_l("Seats"), validators=[DataRequired(), NumberRange(min=1, max=100_000)])
    submit = SubmitField(_l("Save session"))

    def validate_timezone(self, field: StringField) -> None:
        if field.data not in ZONES:
            raise ValidationError(_l("Unknown time zone; use a name like Europe/Berlin or Asia/Shanghai."))

    def validate_end(self, field: DateTimeLocalField) -> None:
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The session must end after it starts."))

    def validate_registration_closes(self, field: DateTimeLocalField) -> None:
        if self.start.data and field.data and field.data > self.start.data:
            raise ValidationError(_l("Registration cannot close after the session starts."))

    def validate_online_url(self, field: StringField) -> None:
        if field.data and not field.data.startswith("https://"):
            raise ValidationError(_l("Use an https:// link."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if bool((self.online_url.data or "").strip()) == bool((self.place.data or "").strip()):
            self.online_url.errors = [*self.online_url.errors, _l("Give either an online link or a place.")]
            return False
        return ok


def split_list(text: str | None) -> list[str]:
    """'a, b ,c' -> ['a', 'b', 'c'] without duplicates or blanks."""
    return list(dict.fromkeys(p.strip().lower() for p in (text or "").split(",") if p.strip()))


def split_names(text: str | None) -> list[str]:
    """'ML engineers, Acme' -> ['ML engineers', 'Acme']: segment and team names keep their case."""
    return list(dict.fromkeys(p.strip()[:100] for p in (text or "").split(",") if p.strip()))


def parse_materials(text: str | None) -> list[dict[str, str]]:
    """Lines 'Title | https://link' to material dicts; raises ValueError with a readable message."""
    materials = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        title, sep, url = line.partition("|")
        if not sep or not title.strip() or not url.strip().startswith("https://"):
            raise ValueError(_l("Line %(n)d: write Title | https://link", n=number))
        materials.append({"title": title.strip()[:200], "url": url.strip()[:500]})
    return materials
