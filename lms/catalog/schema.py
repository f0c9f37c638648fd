"""The shape of course files (course.yml, quizzes), checked with pydantic."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]
TagName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9+.#-]{0,49}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ItemEntry(_Strict):
    lesson: str | None = None
    quiz: str | None = None
    assignment: str | None = None
    title: Title | None = None

    @model_validator(mode="after")
    def one_kind(self) -> ItemEntry:
        kinds = [k for k in ("lesson", "quiz", "assignment") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("each item needs exactly one of lesson:, quiz: or assignment:")
        if self.title and self.kind != "assignment":
            raise ValueError("title: is only for assignments (lessons and quizzes carry their own)")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("lesson", "quiz", "assignment") if getattr(self, k))

    @property
    def path(self) -> str:
        return getattr(self, self.kind)


class ModuleEntry(_Strict):
    slug: Slug
    title: Title
    summary: str = Field(default="", max_length=1000)
    skills: list[TagName] | None = None
    items: list[ItemEntry] = Field(min_length=1)


class CourseFile(_Strict):
    title: Title
    summary: str = Field(min_length=1, max_length=1000)
    tier: Literal["beginner", "intermediate", "advanced"]
    language: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Za-z]{2,4})?$")
    tags: list[TagName] = []
    estimated_hours: float = Field(gt=0, le=1000)
    prerequisites: list[Slug] = []
    instructors: list[Email] = []
    pass_mark: int = Field(default=70, ge=0, le=100)
    modules: list[ModuleEntry] = Field(min_length=1)
    # Reserved for certification (exams, certificate rules); accepted and ignored for now.
    exam: Any = None
    certificate: Any = None


class QuizOption(_Strict):
    text: str = Field(min_length=1, max_length=2000)
    correct: bool = False


class QuizQuestion(_Strict):
    id: Slug
    type: Literal["single", "multiple"]
    prompt: str = Field(min_length=1, max_length=4000)
    points: float = Field(default=1, gt=0, le=100)
    options: list[QuizOption] = Field(min_length=2, max_length=12)
    explanation: str = Field(default="", max_length=4000)

    @model_validator(mode="after")
    def has_correct_answer(self) -> QuizQuestion:
        correct = sum(o.correct for o in self.options)
        if correct == 0:
            raise ValueError("the question has no correct option (mark one with correct: true)")
        if self.type == "single" and correct != 1:
            raise ValueError("a single-choice question needs exactly one correct option")
        return self


class QuizFile(_Strict):
    title: Title
    pass_mark: int | None = Field(default=None, ge=0, le=100)
    questions: list[QuizQuestion] = Field(min_length=1)
