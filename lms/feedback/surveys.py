"""Surveys: who is asked (course completed, workshop attended), answering once, and the aggregates."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import mean
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.db import utcnow
from lms.extensions import db
from lms.feedback import hub
from lms.feedback.errors import FeedbackError
from lms.feedback.models import Survey, SurveyResponse
from lms.learning.services import completed_course_ids, enrolled_course_ids
from lms.notifications.models import NotificationKind
from lms.notifications.services import notify
from lms.teaching.services import course_stats, teaches
from lms.workshops.models import Registration, Workshop, WorkshopSession
from lms.workshops.services import teaches as teaches_workshop

__all__ = ["FeedbackError"]  # raised here too; views catch surveys.FeedbackError


def respondent_key(secret: str, survey_id: int, user_id: int) -> str:
    """Keyed hash linking a learner to their response without storing who they are."""
    return hmac.new(secret.encode(), f"survey:{survey_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def survey_for(*, course: Course | None = None, workshop: Workshop | None = None) -> Survey:
    """The survey of a course or workshop, created on first use and refreshed when its file changed
    (the spec is the one the last sync stored with the course or workshop)."""
    subject = Survey.course_id == course.id if course else Survey.workshop_id == workshop.id
    survey = db.session.scalar(select(Survey).where(subject))
    source_hash = course.content_hash if course else workshop.content_hash or str(workshop.updated_at)
    if survey is None:
        survey = Survey(course_id=course.id if course else None, workshop_id=workshop.id if workshop else None)
        db.session.add(survey)
    if survey.source_hash != source_hash or survey.id is None:
        spec = course.survey if course else workshop.survey
        survey.questions = (spec or {}).get("questions", [])
        survey.anonymous = bool((spec or {}).get("anonymous", False))
        survey.source_hash = source_hash
    db.session.flush()
    return survey


def may_answer(user: User, *, course: Course | None = None, workshop: Workshop | None = None) -> bool:
    """Learners who completed the course or attended a session of the workshop."""
    if course is not None:
        return bool(completed_course_ids(user.id, [course.id]))
    return attended(user.id, workshop.id)


def attended(user_id: int, workshop_id: int) -> bool:
    """Whether the learner attended any session of the workshop."""
    return (
        db.session.scalar(
            select(Registration.id)
            .join(WorkshopSession)
            .where(
                Registration.user_id == user_id,
                WorkshopSession.workshop_id == workshop_id,
                Registration.attended_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def own_response(secret: str, survey: Survey, user_id: int) -> SurveyResponse | None:
    """The learner's response to this survey, if any."""
    key = respondent_key(secret, survey.id, user_id)
    return db.session.scalar(
        select(SurveyResponse).where(SurveyResponse.survey_id == survey.id, SurveyResponse.respondent_key == key)
    )


def clean_answers(survey: Survey, raw: dict[str, str]) -> dict[str, Any]:
    """Check custom answers against the survey's questions; raises FeedbackError."""
    answers: dict[str, Any] = {}
    for q in survey.questions:
        value = (raw.get(q["id"]) or "").strip()
        if not value:
            if q.get("required"):
                raise FeedbackError(_l("Please answer: %(q)s", q=q["prompt"]))
            continue
        if q["type"] == "scale":
            if value not in {"1", "2", "3", "4", "5"}:
                raise FeedbackError(_l("Choose 1 to 5 for: %(q)s", q=q["prompt"]))
            answers[q["id"]] = int(value)
        elif q["type"] == "choice":
            if value not in q["options"]:
                raise FeedbackError(_l("Choose one of the options for: %(q)s", q=q["prompt"]))
            answers[q["id"]] = value
        else:
            answers[q["id"]] = value[:4000]
    return answers


def submit(
    secret: str, survey: Survey, user: User, *, csat: int, nps: int, comment: str, answers: dict
) -> SurveyResponse:
    """Store one response per learner; anonymous ones keep no user and only the day of answering."""
    if not 1 <= csat <= 5 or not 0 <= nps <= 10:
        raise FeedbackError(_l("Satisfaction is 1 to 5 and recommendation 0 to 10."))
    if own_response(secret, survey, user.id) is not None:
        raise FeedbackError(_l("You have already answered this survey. Thank you!"))
    now = utcnow()
    when = datetime(now.year, now.month, now.day, tzinfo=UTC) if survey.anonymous else now
    response = SurveyResponse(
        survey_id=survey.id,
        respondent_key=respondent_key(secret, survey.id, user.id),
        user_id=None if survey.anonymous else user.id,
        csat=csat,
        nps=nps,
        comment=comment.strip()[:4000],
        answers=answers,
        submitted_at=when,
    )
    db.session.add(response)
    db.session.flush()
    hub.copy_survey_comment(response, survey)
    return response


def can_see_results(user: User, survey: Survey) -> bool:
    """Admins, the course's instructors, the workshop's instructors; nobody else."""
    if not user.is_authenticated or not user.has_role("instructor"):
        return False
    if survey.course_id is not None:
        return teaches(user, survey.course_id)
    return teaches_workshop(user, db.session.get(Workshop, survey.workshop_id))


@dataclass
class Results:
    survey: Survey
    responses: list[SurveyResponse]
    eligible: int
    names: dict[int, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.responses)

    @property
    def rate(self) -> int:
        return round(100 * self.count / self.eligible) if self.eligible else 0

    @property
    def csat_mean(self) -> float | None:
        return round(mean(r.csat for r in self.responses), 2) if self.responses else None

    @property
    def csat_distribution(self) -> dict[int, int]:
        return {score: sum(r.csat == score for r in self.responses) for score in range(1, 6)}

    @property
    def nps(self) -> int | None:
        """% promoters (9-10) minus % detractors (0-6), rounded: the standard Net Promoter Score."""
        if not self.responses:
            return None
        promoters = sum(r.nps >= 9 for r in self.responses)
        detractors = sum(r.nps <= 6 for r in self.responses)
        return round(100 * (promoters - detractors) / self.count)

    def question_summary(self, question: dict[str, Any]) -> Any:
        values = [r.answers[question["id"]] for r in self.responses if question["id"] in r.answers]
        if question["type"] == "scale":
            return round(mean(values), 2) if values else None
        if question["type"] == "choice":
            return {option: values.count(option) for option in question["options"]}
        return values


def results(survey: Survey, completed: int | None = None) -> Results:
    """Responses, eligible learners (completed or attended) and the names of non-anonymous respondents.
    A caller showing many courses passes each one's `completed` from one course_stats call."""
    responses = list(
        db.session.scalars(
            select(SurveyResponse).where(SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.id)
        )
    )
    if completed is not None:
        eligible = completed
    elif survey.course_id is not None:
        eligible = course_stats([db.session.get(Course, survey.course_id)])[0].completed
    else:
        eligible = db.session.scalar(
            select(func.count(func.distinct(Registration.user_id)))
            .join(WorkshopSession)
            .where(WorkshopSession.workshop_id == survey.workshop_id, Registration.attended_at.is_not(None))
        )
    ids = {r.user_id for r in responses if r.user_id}
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    return Results(survey, responses, max(eligible, len(responses)), names)


def reply(response: SurveyResponse, author: User, text: str) -> None:
    """Answer a comment; the learner sees it beside their response and is notified, unless the survey
    is anonymous (no one is known to tell). The same reply again changes nothing and tells nothing;
    a changed reply is told again (the key holds the reply's digest: a reply has no row of its own)."""
    text = text.strip()[:4000]
    if not text:
        raise FeedbackError(_l("Write a reply first."))
    if text == response.reply:
        return
    response.reply, response.replied_at, response.replied_by_id = text, utcnow(), author.id
    db.session.flush()
    learner = db.session.get(User, response.user_id) if response.user_id else None
    if learner is None:
        return
    kind, about = subject_of(response.survey)
    assert about is not None  # a survey's course or workshop is deleted with it
    subject = {"title": about.title, "url": f"/feedback/surveys/{kind}/{about.slug}", "response_id": response.id}
    context = {"about": about.title, "by": author.display_name, "reply": text[:1000], "comment": response.comment[:500]}
    context["replied_at"] = response.replied_at.isoformat()
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    notify(learner, NotificationKind.FEEDBACK_REPLY, subject, context, key=f"survey-reply:{response.id}:{digest}")


def pending(secret: str, user: User) -> list[tuple[str, Course | Workshop]]:
    """Courses completed and workshops attended that the learner has not yet rated."""
    todo: list[tuple[str, Course | Workshop]] = []
    done_ids = completed_course_ids(user.id, enrolled_course_ids(user.id))
    for course in db.session.scalars(select(Course).where(Course.id.in_(done_ids), Course.archived_at.is_(None))):
        if own_response(secret, survey_for(course=course), user.id) is None:
            todo.append(("course", course))
    workshop_ids = db.session.scalars(
        select(WorkshopSession.workshop_id)
        .join(Registration)
        .where(Registration.user_id == user.id, Registration.attended_at.is_not(None))
        .distinct()
    ).all()
    for workshop in db.session.scalars(
        select(Workshop).where(Workshop.id.in_(workshop_ids), Workshop.archived_at.is_(None))
    ):
        if own_response(secret, survey_for(workshop=workshop), user.id) is None:
            todo.append(("workshop", workshop))
    return todo


def my_responses(secret: str, user: User) -> list[SurveyResponse]:
    """The learner's own responses, found through their keyed hashes."""
    surveys = list(db.session.scalars(select(Survey)))
    keys = [respondent_key(secret, s.id, user.id) for s in surveys]
    if not keys:
        return []
    return list(
        db.session.scalars(
            select(SurveyResponse).where(SurveyResponse.respondent_key.in_(keys)).order_by(SurveyResponse.id.desc())
        )
    )


def subject_of(survey: Survey) -> tuple[str, Course | Workshop | None]:
    """(kind, object) a survey is about: pages list course and workshop surveys together."""
    if survey.course_id:
        return "course", db.session.get(Course, survey.course_id)
    return "workshop", db.session.get(Workshop, survey.workshop_id)
