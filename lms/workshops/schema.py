"""The shape of courses/workshops/*.yml, checked with pydantic; times are local to `timezone`."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StringConstraints, field_validator, model_validator

from lms.catalog.schema import Audience, Email, Slug, SurveySpec, TagName, Title, _Strict

Url = Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=500)]


class Material(_Strict):
    title: Title
    url: Url


class SessionEntry(_Strict):
    key: Slug
    title: str = Field(default="", max_length=200)
    timezone: str
    start: datetime
    end: datetime | time
    online: Url | None = None
    place: str | None = Field(default=None, min_length=1, max_length=300)
    capacity: int = Field(gt=0, le=100_000)
    registration_closes: datetime | None = None

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use a name like Europe/Berlin") from None
        return value

    @field_validator("start", "end", "registration_closes")
    @classmethod
    def local_time(cls, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            raise ValueError("write the local time without an offset; timezone: says where it is")
        return value

    @model_validator(mode="after")
    def where_and_when(self) -> SessionEntry:
        if bool(self.online) == bool(self.place):
            raise ValueError("give exactly one of online: (an https link) or place: (an address)")
        end = self.end if isinstance(self.end, datetime) else datetime.combine(self.start.date(), self.end)
        if end <= self.start:
            raise ValueError("end: must be after start:")
        if self.registration_closes and self.registration_closes > self.start:
            raise ValueError("registration_closes: must not be after start:")
        return self

    @property
    def end_datetime(self) -> datetime:
        return self.end if isinstance(self.end, datetime) else datetime.combine(self.start.date(), self.end)


class WorkshopFile(_Strict):
    title: Title
    description: str = Field(min_length=1, max_length=20_000)
    tier: Literal["beginner", "intermediate", "advanced"]
    tags: list[TagName] = []
    instructors: list[Email] = Field(min_length=1)
    course: Slug | None = None
    materials: list[Material] = []
    survey: SurveySpec | None = None
    sessions: list[SessionEntry] = Field(min_length=1, max_length=100)
    audience: Audience = "public"
