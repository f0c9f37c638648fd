"""The shape of course files (course.yml, quizzes), checked with pydantic."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]
TagName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9+.#-]{0,49}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Strict(BaseModel):
    # defer_build: validators are built when a file is first checked, not when the app starts
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class ItemEntry(_Strict):
    lesson: str | None = None
    quiz: str | None = None
    assignment: str | None = None
    title: Title | None = None
    # Assignments only (see courses/README.md): deadline, late policy, which attempt counts.
    due: AwareDatetime | None = None
    late_penalty: float = Field(default=0, ge=0, le=100)  # percent off per day, or part of one, late
    cutoff: AwareDatetime | None = None  # no upload accepted after this (extensions move it)
    keep: Literal["best", "last"] = "best"  # quizzes and assignments: which attempt counts
    pass_mark: int | None = Field(default=None, ge=0, le=100)  # assignments (a quiz sets its own in its file)

    @model_validator(mode="after")
    def one_kind(self) -> ItemEntry:
        kinds = [k for k in ("lesson", "quiz", "assignment") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("each item needs exactly one of lesson:, quiz: or assignment:")
        if self.title and self.kind != "assignment":
            raise ValueError("title: is only for assignments (lessons and quizzes carry their own)")
        policy = self.due or self.cutoff or self.late_penalty or self.pass_mark is not None
        if policy and self.kind != "assignment":
            raise ValueError(
                "due:, late_penalty:, cutoff: and pass_mark: are only for assignments "
                "(a quiz's pass_mark is in its file)"
            )
        if self.keep != "best" and self.kind == "lesson":
            raise ValueError("keep: is only for quizzes and assignments (a lesson is done once read)")
        if self.cutoff and self.due and self.cutoff < self.due:
            raise ValueError("cutoff: must not be before due:")
        if self.late_penalty and not self.due:
            raise ValueError("late_penalty: needs a due: date")
        return self

    def policy(self) -> dict[str, Any]:
        """The assignment's deadline rules as stored in the item's data."""
        return {
            "due": self.due.isoformat() if self.due else None,
            "late_penalty": self.late_penalty,
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "keep": self.keep,
            "pass_mark": self.pass_mark,
        }

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


class ExamSettings(_Strict):
    """The `exam:` key of course.yml: how the certification exam is drawn from its bank and timed."""

    bank: str = Field(default="exam.yml", min_length=1, max_length=300)
    questions: int = Field(ge=1, le=200)
    time_limit_minutes: int = Field(ge=1, le=600)
    attempts: int = Field(default=3, ge=1, le=50)
    cooldown_hours: float = Field(default=24, ge=0, le=24 * 90)
    pass_mark: int | None = Field(default=None, ge=0, le=100)


class CertificateSettings(_Strict):
    """The `certificate:` key of course.yml: what earns the course certificate."""

    enabled: bool = True
    title: Title | None = None
    required_modules: list[Slug] | None = None
    required_assignments: list[Slug] | None = None
    assignment_pass_mark: int | None = Field(default=None, ge=0, le=100)
    template: str | None = Field(default=None, max_length=300)


class CommunitySettings(_Strict):
    """The `community:` key of course.yml: how long a question may wait for an answer before the
    course's staff are told, and how many members' flags hide a post until a moderator looks."""

    sla_hours: int = Field(default=24, ge=1, le=720, strict=True)  # strict: YAML `yes` is no number of hours
    flag_threshold: int = Field(default=3, ge=1, le=50, strict=True)


GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class AudienceLimit(_Strict):
    """`audience: {segments: [...], teams: [...]}`: only members of these segments or teams (by
    name; a segment may be made in the UI later) see it, besides staff and who enrolled before."""

    segments: list[GroupName] = Field(default=[], max_length=50)
    teams: list[GroupName] = Field(default=[], max_length=50)

    @model_validator(mode="after")
    def names_someone(self) -> AudienceLimit:
        if not self.segments and not self.teams:
            raise ValueError("name at least one segment or team (or write audience: signed-in)")
        return self


# `audience:` of a course or workshop file: public (the default), signed-in, or a limit.
Audience = Literal["public", "signed-in"] | AudienceLimit


def audience_columns(audience: Audience) -> tuple[str, list[str], list[str]]:
    """The stored form of an `audience:` key: (audience, segment names, team names)."""
    if isinstance(audience, AudienceLimit):
        return "limited", list(dict.fromkeys(audience.segments)), list(dict.fromkeys(audience.teams))
    return audience.replace("-", "_"), [], []


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
    exam: ExamSettings | None = None
    certificate: CertificateSettings = Field(default_factory=lambda: CertificateSettings())
    survey: SurveySpec | None = None  # feedback: custom questions after completion
    community: CommunitySettings = Field(default_factory=lambda: CommunitySettings())
    audience: Audience = "public"


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


class ExamFile(_Strict):
    """courses/<slug>/exam.yml: the question bank the exam draws from."""

    title: Title
    instructions: str = Field(default="", max_length=4000)
    questions: list[QuizQuestion] = Field(min_length=1, max_length=2000)


class TrackFile(_Strict):
    """courses/tracks/<slug>.yml: a certification spanning several courses."""

    title: Title
    summary: str = Field(min_length=1, max_length=1000)
    certificate_title: Title | None = None
    courses: list[Slug] = Field(min_length=1, max_length=50)


class SkillsFile(_Strict):
    """courses/skills.yml: the title learners read for each skill slug that modules name."""

    skills: dict[TagName, Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]]


class SurveyQuestion(_Strict):
    """A custom survey question, asked after the standard CSAT, NPS and comment."""

    id: Slug
    type: Literal["scale", "choice", "text"]
    prompt: str = Field(min_length=1, max_length=500)
    options: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(default=[], max_length=12)
    required: bool = False

    @model_validator(mode="after")
    def options_fit_type(self) -> SurveyQuestion:
        if self.type == "choice" and len(self.options) < 2:
            raise ValueError("a choice question needs at least two options")
        if self.type != "choice" and self.options:
            raise ValueError("options: is only for choice questions")
        return self


class SurveySpec(_Strict):
    """The `survey:` key of a course or workshop file (feedback reads it)."""

    anonymous: bool = False
    questions: list[SurveyQuestion] = Field(default=[], max_length=20)

    @model_validator(mode="after")
    def unique_ids(self) -> SurveySpec:
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be unique")
        return self
